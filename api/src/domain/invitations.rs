//! Inviting existing AWS accounts into a payer's organization, and following the handshakes.

use chrono::Utc;
use entity::{invitations, payers};
use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter};
use serde_json::json;

use crate::aws::credentials::session_name;
use crate::aws::{AwsClients, Handshake, InviteTarget};
use crate::domain::accounts::checked_account_id;
use crate::domain::payers as payer_domain;
use crate::domain::users::checked_email;
use crate::error::{AppError, AppResult};
use crate::ids::PayerId;
use crate::jobs::Step;
use crate::notify::outbox::{self, Event};
use crate::jobs::JobContext;
use crate::tenancy::{PayerAccess, PayerTransactions, PayerRead, Role, Scope};

pub struct NewInvitation {
    pub payer: PayerId,
    pub account_id: Option<String>,
    pub email: Option<String>,
    pub notes: Option<String>,
}

async fn upsert(payer: &impl PayerAccess, h: &Handshake, notes: Option<String>) -> AppResult<()> {
    let row = invitations::ActiveModel {
        payer_id: sea_orm::ActiveValue::NotSet,
        handshake_id: Set(h.id.clone()),
        target: Set(h.target.clone()),
        state: Set(h.state.clone()),
        notes: Set(notes),
        requested_at: Set(h.requested_at),
        expires_at: Set(h.expires_at),
        updated_at: Set(Utc::now()),
    };
    let mut update = vec![invitations::Column::State, invitations::Column::ExpiresAt, invitations::Column::UpdatedAt];
    if row.notes.as_ref().is_some() {
        update.push(invitations::Column::Notes);
    }
    payer.upsert(row, &[invitations::Column::PayerId, invitations::Column::HandshakeId], update).await
}

/// An invitation to join a payer's organization (an Organizations handshake), as last read.
pub struct Invitation {
    pub handshake_id: String,
    /// The invited account id or email.
    pub target: String,
    /// REQUESTED, OPEN, CANCELED, ACCEPTED, DECLINED or EXPIRED.
    pub state: String,
    pub notes: Option<String>,
    pub requested_at: Option<chrono::DateTime<chrono::Utc>>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<invitations::Model> for Invitation {
    fn from(m: invitations::Model) -> Self {
        Self { handshake_id: m.handshake_id, target: m.target, state: m.state, notes: m.notes, requested_at: m.requested_at, expires_at: m.expires_at }
    }
}

/// Invites an account (by id or email) to join the payer's organization.
pub async fn invite(scope: &Scope, aws: &AwsClients, input: NewInvitation) -> AppResult<Invitation> {
    let payer = scope.payer(input.payer, Role::Operator).await?;
    let target = match (input.account_id, input.email) {
        (Some(id), None) => InviteTarget::Account(checked_account_id("accountId", id.trim())?),
        (None, Some(email)) => InviteTarget::Email(checked_email("email", &email)?),
        _ => return Err(AppError::invalid("accountId", "give exactly one of accountId and email")),
    };
    let notes = input.notes.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if notes.as_ref().is_some_and(|n| n.chars().count() > 1024) {
        return Err(AppError::invalid("notes", "must be at most 1024 characters"));
    }
    let creds = payer_domain::credentials(&payer, aws, &session_name(&scope.principal().email)).await?;
    let handshake = aws.organizations.invite_account(&creds, &target, notes.as_deref()).await?;
    let txn = payer.begin_write().await?;
    upsert(&txn, &handshake, notes.clone()).await?;
    let event = Event {
        event_type: outbox::ACCOUNT_INVITED,
        payer: &payer,
        subject: Some(handshake.target.clone()),
        data: json!({ "handshakeId": handshake.id, "target": handshake.target, "notes": notes, "invitedBy": scope.principal().email }),
    };
    outbox::record_in(&txn, event).await?;
    txn.commit().await?;
    Ok(find(&payer, &handshake.id).await?.into())
}

async fn find(payer: &impl PayerAccess, id: &str) -> AppResult<invitations::Model> {
    payer.rows::<invitations::Entity>().filter(invitations::Column::HandshakeId.eq(id)).one().await?.ok_or(AppError::NotFound("invitation"))
}

/// The payer's invitations as AWS reports them now (stored as well).
pub async fn list(scope: &Scope, aws: &AwsClients, payer: PayerId) -> AppResult<Vec<Invitation>> {
    let payer = scope.payer(payer, Role::Viewer).await?;
    let creds = payer_domain::credentials(&payer, aws, &session_name(&scope.principal().email)).await?;
    refresh(&payer, aws, &creds).await?;
    Ok(payer.rows::<invitations::Entity>().all().await?.into_iter().map(Invitation::from).collect())
}

/// Cancels an open invitation.
pub async fn cancel(scope: &Scope, aws: &AwsClients, payer: PayerId, handshake_id: &str) -> AppResult<Invitation> {
    let payer = scope.payer(payer, Role::Operator).await?;
    find(&payer, handshake_id).await?;
    let creds = payer_domain::credentials(&payer, aws, &session_name(&scope.principal().email)).await?;
    let handshake = aws.organizations.cancel_handshake(&creds, handshake_id).await?;
    upsert(&payer, &handshake, None).await?;
    Ok(find(&payer, handshake_id).await?.into())
}

/// Stores the handshakes' states; emits `invitation.accepted` for each newly accepted one.
async fn refresh<P>(payer: &P, aws: &AwsClients, creds: &aws_credential_types::Credentials) -> AppResult<usize>
where
    P: PayerTransactions + std::ops::Deref<Target = payers::Model>,
{
    let handshakes = aws.organizations.list_handshakes(creds).await?;
    let txn = payer.begin_write().await?;
    let mut accepted = 0;
    for h in &handshakes {
        let before = txn.rows::<invitations::Entity>().filter(invitations::Column::HandshakeId.eq(h.id.as_str())).one().await?;
        if h.state == "ACCEPTED" && before.as_ref().is_none_or(|b| b.state != "ACCEPTED") {
            let event = Event {
                event_type: outbox::INVITATION_ACCEPTED,
                payer: payer.deref(),
                subject: Some(h.target.clone()),
                data: json!({ "handshakeId": h.id, "target": h.target }),
            };
            outbox::record_in(&txn, event).await?;
            accepted += 1;
        }
        upsert(&txn, h, None).await?;
    }
    txn.commit().await?;
    Ok(accepted)
}

/// The scheduled refresh over every connected payer.
pub async fn refresh_all(state: &JobContext) -> AppResult<Step<RefreshAll>> {
    let platform = state.platform();
    let connected = platform.payers().filter(payers::Column::Status.eq(payer_domain::PayerStatus::Connected)).all().await?;
    let mut accepted = 0;
    for payer in &connected {
        let payer = platform.payer_row(payer.clone());
        let creds = match payer_domain::credentials(&payer, &state.aws, "pb-invitation-refresh").await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(payer = %payer.id, error = %e, "skipping invitation refresh");
                continue;
            }
        };
        accepted += refresh(&payer, &state.aws, &creds).await?;
    }
    Ok(Step::Done(json!({ "payers": connected.len(), "accepted": accepted })))
}

/// Every 15 minutes: refreshes the invitations (handshakes) of every connected payer.
pub const REFRESH_INVITATIONS: &str = "invitations.refresh";

crate::jobs::no_job_args! {
    /// The refresh's arguments: none (the schedule runs it for every connected payer).
    pub RefreshAll, REFRESH_INVITATIONS
}

crate::jobs::job_handler! {
    /// Runs [`REFRESH_INVITATIONS`].
    pub RefreshInvitations, RefreshAll, |ctx, _job, _| refresh_all(ctx).await.map_err(crate::jobs::JobFailure::from)
}
