//! AWS Billing Transfer, through a payer's assumed role: the Organizations calls that invite a
//! customer's organization to transfer its bill to the payer (a handshake of type BILLING), follow,
//! withdraw and end that transfer, and the Billing Conductor calls for the transfer's billing
//! group (type TRANSFER_BILLING) and its auto-create preference.
//!
//! From the payer's side a transfer is *inbound*: the payer takes over another organization's
//! bill (AWS calls the customer's side of the same transfer *outbound*).

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_billingconductor::types::{AccountGrouping, AutoTransferBillingGroupCreationPreference, ComputationPreference};
use aws_sdk_organizations::operation::invite_organization_to_transfer_responsibility::InviteOrganizationToTransferResponsibilityError;
use aws_sdk_organizations::types::{
    ConstraintViolationExceptionReason, HandshakeConstraintViolationExceptionReason, HandshakeParty, HandshakePartyType, HandshakeResourceType,
    ResponsibilityTransferType,
};
use chrono::{DateTime, Utc};

use crate::aws::error::{AwsError, AwsResult};

/// The AWS-managed pricing plan that passes the AWS invoice through unchanged (TRANSFER_BILLING
/// groups only).
pub const PASSTHROUGH_PLAN_ARN: &str = "arn:aws:billingconductor::aws:pricingplan/Passthrough";

/// At most this many pages of transfers are read per call (20 per page), so one request never
/// walks an unbounded list.
pub const MAX_PAGES: usize = 10;

const ORGS: &str = "organizations";
const ABC: &str = "billingconductor";

/// The customer organization to invite: its management account id or email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferTarget {
    ManagementAccount(String),
    Email(String),
}

/// Which side of a transfer to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Transfers in which the payer manages another organization's bill.
    Inbound,
    /// Transfers in which another account manages the payer's own bill.
    Outbound,
}

/// What an invitation came back with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferInvitation {
    pub handshake_id: String,
    /// The handshake's state (`OPEN`, `REQUESTED`…).
    pub state: String,
    /// The transfer the handshake creates (`rt-…`), when AWS names it in the handshake.
    pub transfer_id: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A responsibility transfer as AWS reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    /// `REQUESTED` | `ACCEPTED` | `DECLINED` | `EXPIRED` | `CANCELED` | `WITHDRAWN`
    pub status: String,
    /// The organization whose bill moves (the customer's management account).
    pub source_account_id: Option<String>,
    pub source_email: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub active_handshake_id: Option<String>,
}

/// The auto-create preference of a transfer: a TRANSFER_BILLING group per organization that
/// transfers its bill onward, priced with `pricing_plan_arn`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransferPreference {
    pub auto_create: bool,
    pub pricing_plan_arn: Option<String>,
}

#[async_trait]
pub trait BillingTransferApi: Send + Sync {
    /// InviteOrganizationToTransferResponsibility (Type BILLING) starting at `start`.
    async fn invite(&self, c: &Credentials, target: &TransferTarget, start: DateTime<Utc>, name: &str, notes: Option<&str>) -> AwsResult<TransferInvitation>;
    /// ListInbound/OutboundResponsibilityTransfers (BILLING), at most [`MAX_PAGES`] pages.
    async fn list(&self, c: &Credentials, direction: Direction) -> AwsResult<Vec<Transfer>>;
    /// DescribeResponsibilityTransfer.
    async fn describe(&self, c: &Credentials, id: &str) -> AwsResult<Transfer>;
    /// UpdateResponsibilityTransfer: renames the transfer.
    async fn rename(&self, c: &Credentials, id: &str, name: &str) -> AwsResult<Transfer>;
    /// TerminateResponsibilityTransfer, effective at `end`.
    async fn terminate(&self, c: &Credentials, id: &str, end: DateTime<Utc>) -> AwsResult<Transfer>;
    /// CancelHandshake: withdraws an invitation not yet answered. Returns the handshake's state.
    async fn withdraw(&self, c: &Credentials, handshake_id: &str) -> AwsResult<String>;
    /// CreateBillingGroup of type TRANSFER_BILLING for the transfer; returns its ARN.
    async fn create_transfer_group(&self, c: &Credentials, transfer_arn: &str, name: &str, description: &str, pricing_plan_arn: &str) -> AwsResult<String>;
    /// GetBillingTransferPreference.
    async fn preference(&self, c: &Credentials, transfer_arn: &str) -> AwsResult<TransferPreference>;
    /// UpdateBillingTransferPreference.
    async fn set_preference(&self, c: &Credentials, transfer_arn: &str, preference: &TransferPreference) -> AwsResult<TransferPreference>;
}

/// The real adapter on `aws-sdk-organizations` and `aws-sdk-billingconductor`.
pub struct SdkBillingTransfer {
    orgs: aws_sdk_organizations::Config,
    abc: aws_sdk_billingconductor::Config,
}

impl SdkBillingTransfer {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self::from_conf(aws_sdk_organizations::Config::from(sdk), aws_sdk_billingconductor::Config::from(sdk))
    }

    /// From ready client configurations (tests use mocked clients). Every call is audited.
    pub fn from_conf(orgs: aws_sdk_organizations::Config, abc: aws_sdk_billingconductor::Config) -> Self {
        Self {
            orgs: orgs.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build(),
            abc: abc.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build(),
        }
    }

    fn orgs(&self, c: &Credentials) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::from_conf(self.orgs.to_builder().credentials_provider(c.clone()).build())
    }

    fn abc(&self, c: &Credentials) -> aws_sdk_billingconductor::Client {
        aws_sdk_billingconductor::Client::from_conf(self.abc.to_builder().credentials_provider(c.clone()).build())
    }
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos()))
}

fn smithy_time(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs(t.timestamp())
}

fn transfer(t: &aws_sdk_organizations::types::ResponsibilityTransfer) -> Transfer {
    Transfer {
        id: t.id().unwrap_or_default().to_owned(),
        arn: t.arn().map(str::to_owned),
        name: t.name().map(str::to_owned),
        status: t.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        source_account_id: t.source().and_then(|s| s.management_account_id()).map(str::to_owned),
        source_email: t.source().and_then(|s| s.management_account_email()).map(str::to_owned),
        start: time(t.start_timestamp()),
        end: time(t.end_timestamp()),
        active_handshake_id: t.active_handshake_id().map(str::to_owned),
    }
}

/// The transfer id a handshake names, at any depth of its resources.
fn transfer_id_in(resources: &[aws_sdk_organizations::types::HandshakeResource]) -> Option<String> {
    resources.iter().find_map(|r| {
        if r.r#type() == Some(&HandshakeResourceType::ResponsibilityTransfer) {
            r.value().map(str::to_owned)
        } else {
            transfer_id_in(r.resources())
        }
    })
}

/// AWS's reasons that mean the customer's organization cannot start another transfer, in words.
fn already_transferring(e: &InviteOrganizationToTransferResponsibilityError) -> Option<&'static str> {
    match e {
        InviteOrganizationToTransferResponsibilityError::HandshakeConstraintViolationException(x)
            if x.reason() == Some(&HandshakeConstraintViolationExceptionReason::ResponsibilityTransferAlreadyExists) =>
        {
            Some("the customer's organization already transfers its bill or has an open transfer invitation; it must end that transfer first")
        }
        InviteOrganizationToTransferResponsibilityError::ConstraintViolationException(x)
            if x.reason() == Some(&ConstraintViolationExceptionReason::ActiveResponsibilityTransferProcess) =>
        {
            Some("a billing transfer of the customer's organization is already in progress")
        }
        _ => None,
    }
}

fn preference_of(p: Option<&AutoTransferBillingGroupCreationPreference>) -> TransferPreference {
    TransferPreference { auto_create: p.is_some_and(AutoTransferBillingGroupCreationPreference::enabled), pricing_plan_arn: p.and_then(|p| p.pricing_plan_arn()).map(str::to_owned) }
}

macro_rules! call {
    ($service:expr, $op:literal, $fut:expr) => {
        $fut.await.map_err(|e| AwsError::from_sdk($service, $op, e))
    };
}

#[async_trait]
impl BillingTransferApi for SdkBillingTransfer {
    async fn invite(&self, c: &Credentials, target: &TransferTarget, start: DateTime<Utc>, name: &str, notes: Option<&str>) -> AwsResult<TransferInvitation> {
        const OP: &str = "InviteOrganizationToTransferResponsibility";
        let (id, kind) = match target {
            TransferTarget::ManagementAccount(id) => (id.as_str(), HandshakePartyType::Account),
            TransferTarget::Email(email) => (email.as_str(), HandshakePartyType::Email),
        };
        let party = HandshakeParty::builder().id(id).r#type(kind).build().map_err(|e| AwsError::unexpected(ORGS, OP, &e.to_string()))?;
        let out = self
            .orgs(c)
            .invite_organization_to_transfer_responsibility()
            .r#type(ResponsibilityTransferType::Billing)
            .target(party)
            .start_timestamp(smithy_time(start))
            .source_name(name)
            .set_notes(notes.map(str::to_owned))
            .send()
            .await
            .map_err(|e| {
                let readable = e.as_service_error().and_then(already_transferring);
                let mut err = AwsError::from_sdk(ORGS, OP, e);
                if let Some(readable) = readable {
                    err.message = Some(readable.to_owned());
                }
                err
            })?;
        let h = out.handshake().ok_or_else(|| AwsError::unexpected(ORGS, OP, "no handshake in the response"))?;
        Ok(TransferInvitation {
            handshake_id: h.id().unwrap_or_default().to_owned(),
            state: h.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            transfer_id: transfer_id_in(h.resources()),
            expires_at: time(h.expiration_timestamp()),
        })
    }

    async fn list(&self, c: &Credentials, direction: Direction) -> AwsResult<Vec<Transfer>> {
        let client = self.orgs(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        for _ in 0..MAX_PAGES {
            let next = match direction {
                Direction::Inbound => {
                    let page = call!(
                        ORGS,
                        "ListInboundResponsibilityTransfers",
                        client.list_inbound_responsibility_transfers().r#type(ResponsibilityTransferType::Billing).set_next_token(token.take()).send()
                    )?;
                    out.extend(page.responsibility_transfers().iter().map(transfer));
                    page.next_token().map(str::to_owned)
                }
                Direction::Outbound => {
                    let page = call!(
                        ORGS,
                        "ListOutboundResponsibilityTransfers",
                        client.list_outbound_responsibility_transfers().r#type(ResponsibilityTransferType::Billing).set_next_token(token.take()).send()
                    )?;
                    out.extend(page.responsibility_transfers().iter().map(transfer));
                    page.next_token().map(str::to_owned)
                }
            };
            match next {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => return Ok(out),
            }
        }
        tracing::warn!(pages = MAX_PAGES, "more billing transfers than one request reads; the rest are left out");
        Ok(out)
    }

    async fn describe(&self, c: &Credentials, id: &str) -> AwsResult<Transfer> {
        let out = call!(ORGS, "DescribeResponsibilityTransfer", self.orgs(c).describe_responsibility_transfer().id(id).send())?;
        out.responsibility_transfer().map(transfer).ok_or_else(|| AwsError::unexpected(ORGS, "DescribeResponsibilityTransfer", "no transfer in the response"))
    }

    async fn rename(&self, c: &Credentials, id: &str, name: &str) -> AwsResult<Transfer> {
        let out = call!(ORGS, "UpdateResponsibilityTransfer", self.orgs(c).update_responsibility_transfer().id(id).name(name).send())?;
        out.responsibility_transfer().map(transfer).ok_or_else(|| AwsError::unexpected(ORGS, "UpdateResponsibilityTransfer", "no transfer in the response"))
    }

    async fn terminate(&self, c: &Credentials, id: &str, end: DateTime<Utc>) -> AwsResult<Transfer> {
        let out = call!(
            ORGS,
            "TerminateResponsibilityTransfer",
            self.orgs(c).terminate_responsibility_transfer().id(id).end_timestamp(smithy_time(end)).send()
        )?;
        out.responsibility_transfer().map(transfer).ok_or_else(|| AwsError::unexpected(ORGS, "TerminateResponsibilityTransfer", "no transfer in the response"))
    }

    async fn withdraw(&self, c: &Credentials, handshake_id: &str) -> AwsResult<String> {
        let out = call!(ORGS, "CancelHandshake", self.orgs(c).cancel_handshake().handshake_id(handshake_id).send())?;
        Ok(out.handshake().and_then(|h| h.state()).map(|s| s.as_str().to_owned()).unwrap_or_default())
    }

    async fn create_transfer_group(&self, c: &Credentials, transfer_arn: &str, name: &str, description: &str, pricing_plan_arn: &str) -> AwsResult<String> {
        const OP: &str = "CreateBillingGroup";
        let plan = ComputationPreference::builder().pricing_plan_arn(pricing_plan_arn).build().map_err(|e| AwsError::unexpected(ABC, OP, &e.to_string()))?;
        // The transfer stands for all of the organization's accounts: no account list, no primary.
        let grouping = AccountGrouping::builder().responsibility_transfer_arn(transfer_arn).build();
        let out = call!(
            ABC,
            "CreateBillingGroup",
            self.abc(c).create_billing_group().name(name).description(description).account_grouping(grouping).computation_preference(plan).send()
        )?;
        out.arn().map(str::to_owned).ok_or_else(|| AwsError::unexpected(ABC, OP, "no ARN in the response"))
    }

    async fn preference(&self, c: &Credentials, transfer_arn: &str) -> AwsResult<TransferPreference> {
        let out = call!(ABC, "GetBillingTransferPreference", self.abc(c).get_billing_transfer_preference().responsibility_transfer_arn(transfer_arn).send())?;
        Ok(preference_of(out.auto_billing_transfer_billing_group_creation()))
    }

    async fn set_preference(&self, c: &Credentials, transfer_arn: &str, preference: &TransferPreference) -> AwsResult<TransferPreference> {
        const OP: &str = "UpdateBillingTransferPreference";
        let wanted = AutoTransferBillingGroupCreationPreference::builder()
            .enabled(preference.auto_create)
            // AWS refuses a plan on a disabled preference.
            .set_pricing_plan_arn(preference.pricing_plan_arn.clone().filter(|_| preference.auto_create))
            .build()
            .map_err(|e| AwsError::unexpected(ABC, OP, &e.to_string()))?;
        let out = call!(
            ABC,
            "UpdateBillingTransferPreference",
            self.abc(c).update_billing_transfer_preference().responsibility_transfer_arn(transfer_arn).auto_billing_transfer_billing_group_creation(wanted).send()
        )?;
        Ok(preference_of(out.auto_billing_transfer_billing_group_creation()))
    }
}

/// Where no Billing Transfer adapter was given: every call fails as unreachable.
pub struct NoBillingTransfer;

fn none<T>(operation: &'static str) -> AwsResult<T> {
    Err(AwsError::unexpected(ORGS, operation, "AWS Billing Transfer is not configured"))
}

#[async_trait]
impl BillingTransferApi for NoBillingTransfer {
    async fn invite(&self, _: &Credentials, _: &TransferTarget, _: DateTime<Utc>, _: &str, _: Option<&str>) -> AwsResult<TransferInvitation> {
        none("InviteOrganizationToTransferResponsibility")
    }
    async fn list(&self, _: &Credentials, _: Direction) -> AwsResult<Vec<Transfer>> {
        none("ListInboundResponsibilityTransfers")
    }
    async fn describe(&self, _: &Credentials, _: &str) -> AwsResult<Transfer> {
        none("DescribeResponsibilityTransfer")
    }
    async fn rename(&self, _: &Credentials, _: &str, _: &str) -> AwsResult<Transfer> {
        none("UpdateResponsibilityTransfer")
    }
    async fn terminate(&self, _: &Credentials, _: &str, _: DateTime<Utc>) -> AwsResult<Transfer> {
        none("TerminateResponsibilityTransfer")
    }
    async fn withdraw(&self, _: &Credentials, _: &str) -> AwsResult<String> {
        none("CancelHandshake")
    }
    async fn create_transfer_group(&self, _: &Credentials, _: &str, _: &str, _: &str, _: &str) -> AwsResult<String> {
        none("CreateBillingGroup")
    }
    async fn preference(&self, _: &Credentials, _: &str) -> AwsResult<TransferPreference> {
        none("GetBillingTransferPreference")
    }
    async fn set_preference(&self, _: &Credentials, _: &str, _: &TransferPreference) -> AwsResult<TransferPreference> {
        none("UpdateBillingTransferPreference")
    }
}

#[cfg(test)]
mod tests;
