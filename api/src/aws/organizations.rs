//! AWS Organizations, through a payer's assumed role.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_organizations::types::{
    CreateAccountState, HandshakeParty, HandshakePartyType, PolicyType, Tag,
};
use chrono::{DateTime, Utc};

use crate::aws::error::{AwsError, AwsResult};

/// The organization a payer's credentials see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationInfo {
    pub id: String,
    pub management_account_id: String,
}

/// A member account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
    pub email: String,
    pub status: String,
    pub joined_method: Option<String>,
    pub joined_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
    pub parent_id: String,
}

/// The state of a CreateAccount request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateAccountStatus {
    pub request_id: String,
    pub account_name: String,
    /// `IN_PROGRESS` | `SUCCEEDED` | `FAILED`
    pub state: String,
    pub account_id: Option<String>,
    pub failure_reason: Option<String>,
}

/// Who to invite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InviteTarget {
    Account(String),
    Email(String),
}

/// An invitation (handshake).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    pub id: String,
    pub state: String,
    /// The invited account id or email.
    pub target: String,
    pub requested_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A service control policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgPolicy {
    pub id: String,
    pub name: String,
    pub description: String,
    pub aws_managed: bool,
}

#[async_trait]
pub trait OrganizationsApi: Send + Sync {
    /// DescribeOrganization; `None` when the account is in no organization.
    async fn describe_organization(&self, c: &Credentials) -> AwsResult<Option<OrganizationInfo>>;
    /// ListAccounts, every page.
    async fn list_accounts(&self, c: &Credentials) -> AwsResult<Vec<OrgAccount>>;
    async fn describe_account(&self, c: &Credentials, account: &str) -> AwsResult<OrgAccount>;
    /// ListRoots: the root id.
    async fn root_id(&self, c: &Credentials) -> AwsResult<String>;
    /// ListOrganizationalUnitsForParent, every page.
    async fn list_ous(&self, c: &Credentials, parent: &str) -> AwsResult<Vec<OrgUnit>>;
    /// ListParents: the root or OU an account or OU sits in.
    async fn parent_of(&self, c: &Credentials, child: &str) -> AwsResult<String>;
    async fn create_account(&self, c: &Credentials, email: &str, name: &str, tags: &[(String, String)]) -> AwsResult<CreateAccountStatus>;
    async fn create_account_status(&self, c: &Credentials, request_id: &str) -> AwsResult<CreateAccountStatus>;
    /// ListCreateAccountStatus for IN_PROGRESS and SUCCEEDED requests.
    async fn recent_create_requests(&self, c: &Credentials) -> AwsResult<Vec<CreateAccountStatus>>;
    async fn move_account(&self, c: &Credentials, account: &str, from: &str, to: &str) -> AwsResult<()>;
    async fn close_account(&self, c: &Credentials, account: &str) -> AwsResult<()>;
    async fn remove_account(&self, c: &Credentials, account: &str) -> AwsResult<()>;
    async fn invite_account(&self, c: &Credentials, target: &InviteTarget, notes: Option<&str>) -> AwsResult<Handshake>;
    /// ListHandshakesForOrganization, every page.
    async fn list_handshakes(&self, c: &Credentials) -> AwsResult<Vec<Handshake>>;
    async fn cancel_handshake(&self, c: &Credentials, id: &str) -> AwsResult<Handshake>;
    /// Service control policies, every page.
    async fn list_policies(&self, c: &Credentials) -> AwsResult<Vec<OrgPolicy>>;
    /// The policy with its JSON document.
    async fn describe_policy(&self, c: &Credentials, id: &str) -> AwsResult<(OrgPolicy, String)>;
    async fn create_policy(&self, c: &Credentials, name: &str, description: &str, document: &str) -> AwsResult<OrgPolicy>;
    async fn update_policy(&self, c: &Credentials, id: &str, name: Option<&str>, description: Option<&str>, document: Option<&str>) -> AwsResult<OrgPolicy>;
    async fn delete_policy(&self, c: &Credentials, id: &str) -> AwsResult<()>;
    async fn attach_policy(&self, c: &Credentials, policy: &str, target: &str) -> AwsResult<()>;
    async fn detach_policy(&self, c: &Credentials, policy: &str, target: &str) -> AwsResult<()>;
    /// SCPs attached directly to a root, OU or account.
    async fn policies_for_target(&self, c: &Credentials, target: &str) -> AwsResult<Vec<OrgPolicy>>;
    /// Roots, OUs and accounts a policy is attached to.
    async fn targets_for_policy(&self, c: &Credentials, policy: &str) -> AwsResult<Vec<String>>;
}

/// The real adapter on `aws-sdk-organizations`.
pub struct SdkOrganizations {
    conf: aws_sdk_organizations::Config,
}

impl SdkOrganizations {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self::from_conf(aws_sdk_organizations::Config::from(sdk))
    }

    /// From a ready client configuration (tests use mocked clients). Every call is recorded in
    /// the audit trail.
    pub fn from_conf(conf: aws_sdk_organizations::Config) -> Self {
        Self { conf: conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build() }
    }

    /// A client acting with a payer's credentials.
    fn client(&self, credentials: &Credentials) -> aws_sdk_organizations::Client {
        aws_sdk_organizations::Client::from_conf(self.conf.to_builder().credentials_provider(credentials.clone()).build())
    }
}

const SERVICE: &str = "organizations";

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), t.subsec_nanos()))
}

fn account(a: &aws_sdk_organizations::types::Account) -> OrgAccount {
    OrgAccount {
        id: a.id().unwrap_or_default().to_owned(),
        name: a.name().unwrap_or_default().to_owned(),
        email: a.email().unwrap_or_default().to_owned(),
        status: a.status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        joined_method: a.joined_method().map(|m| m.as_str().to_owned()),
        joined_at: time(a.joined_timestamp()),
    }
}

fn create_status(s: &aws_sdk_organizations::types::CreateAccountStatus) -> CreateAccountStatus {
    CreateAccountStatus {
        request_id: s.id().unwrap_or_default().to_owned(),
        account_name: s.account_name().unwrap_or_default().to_owned(),
        state: s.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        account_id: s.account_id().map(str::to_owned),
        failure_reason: s.failure_reason().map(|r| r.as_str().to_owned()),
    }
}

fn handshake(h: &aws_sdk_organizations::types::Handshake) -> Handshake {
    let target = h
        .parties()
        .iter()
        .find(|p| p.r#type() != &HandshakePartyType::Organization)
        .map(|p| p.id().to_owned())
        .unwrap_or_default();
    Handshake {
        id: h.id().unwrap_or_default().to_owned(),
        state: h.state().map(|s| s.as_str().to_owned()).unwrap_or_default(),
        target,
        requested_at: time(h.requested_timestamp()),
        expires_at: time(h.expiration_timestamp()),
    }
}

fn policy(p: &aws_sdk_organizations::types::PolicySummary) -> OrgPolicy {
    OrgPolicy {
        id: p.id().unwrap_or_default().to_owned(),
        name: p.name().unwrap_or_default().to_owned(),
        description: p.description().unwrap_or_default().to_owned(),
        aws_managed: p.aws_managed(),
    }
}

fn summary(p: Option<&aws_sdk_organizations::types::Policy>, op: &'static str) -> AwsResult<(OrgPolicy, String)> {
    let p = p.ok_or_else(|| AwsError::unexpected(SERVICE, op, "no policy in the response"))?;
    let s = p.policy_summary().ok_or_else(|| AwsError::unexpected(SERVICE, op, "no policy summary"))?;
    Ok((policy(s), p.content().unwrap_or_default().to_owned()))
}

macro_rules! call {
    ($op:literal, $fut:expr) => {
        $fut.await.map_err(|e| AwsError::from_sdk(SERVICE, $op, e))
    };
}

#[async_trait]
impl OrganizationsApi for SdkOrganizations {
    async fn describe_organization(&self, c: &Credentials) -> AwsResult<Option<OrganizationInfo>> {
        match self.client(c).describe_organization().send().await {
            Ok(out) => {
                let org = out
                    .organization()
                    .ok_or_else(|| AwsError::unexpected(SERVICE, "DescribeOrganization", "no organization in the response"))?;
                Ok(Some(OrganizationInfo {
                    id: org.id().unwrap_or_default().to_owned(),
                    management_account_id: org.master_account_id().unwrap_or_default().to_owned(),
                }))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_aws_organizations_not_in_use_exception()) => Ok(None),
            Err(e) => Err(AwsError::from_sdk(SERVICE, "DescribeOrganization", e)),
        }
    }

    async fn list_accounts(&self, c: &Credentials) -> AwsResult<Vec<OrgAccount>> {
        let client = self.client(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        loop {
            let page = call!("ListAccounts", client.list_accounts().set_next_token(token.take()).send())?;
            out.extend(page.accounts().iter().map(account));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    async fn describe_account(&self, c: &Credentials, id: &str) -> AwsResult<OrgAccount> {
        let out = call!("DescribeAccount", self.client(c).describe_account().account_id(id).send())?;
        out.account().map(account).ok_or_else(|| AwsError::unexpected(SERVICE, "DescribeAccount", "no account in the response"))
    }

    async fn root_id(&self, c: &Credentials) -> AwsResult<String> {
        let out = call!("ListRoots", self.client(c).list_roots().send())?;
        out.roots().first().and_then(|r| r.id()).map(str::to_owned).ok_or_else(|| AwsError::unexpected(SERVICE, "ListRoots", "no root"))
    }

    async fn list_ous(&self, c: &Credentials, parent: &str) -> AwsResult<Vec<OrgUnit>> {
        let client = self.client(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        loop {
            let page = call!(
                "ListOrganizationalUnitsForParent",
                client.list_organizational_units_for_parent().parent_id(parent).set_next_token(token.take()).send()
            )?;
            out.extend(page.organizational_units().iter().map(|ou| OrgUnit {
                id: ou.id().unwrap_or_default().to_owned(),
                name: ou.name().unwrap_or_default().to_owned(),
                parent_id: parent.to_owned(),
            }));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    async fn parent_of(&self, c: &Credentials, child: &str) -> AwsResult<String> {
        let out = call!("ListParents", self.client(c).list_parents().child_id(child).send())?;
        out.parents().first().and_then(|p| p.id()).map(str::to_owned).ok_or_else(|| AwsError::unexpected(SERVICE, "ListParents", "no parent"))
    }

    async fn create_account(&self, c: &Credentials, email: &str, name: &str, tags: &[(String, String)]) -> AwsResult<CreateAccountStatus> {
        let tags: Vec<Tag> = tags.iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect();
        let out = call!(
            "CreateAccount",
            self.client(c).create_account().email(email).account_name(name).set_tags((!tags.is_empty()).then_some(tags)).send()
        )?;
        out.create_account_status()
            .map(create_status)
            .ok_or_else(|| AwsError::unexpected(SERVICE, "CreateAccount", "no status in the response"))
    }

    async fn create_account_status(&self, c: &Credentials, request_id: &str) -> AwsResult<CreateAccountStatus> {
        let out = call!(
            "DescribeCreateAccountStatus",
            self.client(c).describe_create_account_status().create_account_request_id(request_id).send()
        )?;
        out.create_account_status()
            .map(create_status)
            .ok_or_else(|| AwsError::unexpected(SERVICE, "DescribeCreateAccountStatus", "no status in the response"))
    }

    async fn recent_create_requests(&self, c: &Credentials) -> AwsResult<Vec<CreateAccountStatus>> {
        let client = self.client(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        loop {
            let page = call!(
                "ListCreateAccountStatus",
                client
                    .list_create_account_status()
                    .states(CreateAccountState::InProgress)
                    .states(CreateAccountState::Succeeded)
                    .set_next_token(token.take())
                    .send()
            )?;
            out.extend(page.create_account_statuses().iter().map(create_status));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    async fn move_account(&self, c: &Credentials, account: &str, from: &str, to: &str) -> AwsResult<()> {
        call!(
            "MoveAccount",
            self.client(c).move_account().account_id(account).source_parent_id(from).destination_parent_id(to).send()
        )
        .map(|_| ())
    }

    async fn close_account(&self, c: &Credentials, account: &str) -> AwsResult<()> {
        call!("CloseAccount", self.client(c).close_account().account_id(account).send()).map(|_| ())
    }

    async fn remove_account(&self, c: &Credentials, account: &str) -> AwsResult<()> {
        call!("RemoveAccountFromOrganization", self.client(c).remove_account_from_organization().account_id(account).send()).map(|_| ())
    }

    async fn invite_account(&self, c: &Credentials, target: &InviteTarget, notes: Option<&str>) -> AwsResult<Handshake> {
        let (id, kind) = match target {
            InviteTarget::Account(id) => (id.as_str(), HandshakePartyType::Account),
            InviteTarget::Email(email) => (email.as_str(), HandshakePartyType::Email),
        };
        let party = HandshakeParty::builder()
            .id(id)
            .r#type(kind)
            .build()
            .map_err(|e| AwsError::unexpected(SERVICE, "InviteAccountToOrganization", &e.to_string()))?;
        let out = call!(
            "InviteAccountToOrganization",
            self.client(c).invite_account_to_organization().target(party).set_notes(notes.map(str::to_owned)).send()
        )?;
        out.handshake().map(handshake).ok_or_else(|| AwsError::unexpected(SERVICE, "InviteAccountToOrganization", "no handshake"))
    }

    async fn list_handshakes(&self, c: &Credentials) -> AwsResult<Vec<Handshake>> {
        let client = self.client(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        loop {
            let page = call!("ListHandshakesForOrganization", client.list_handshakes_for_organization().set_next_token(token.take()).send())?;
            out.extend(page.handshakes().iter().map(handshake));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    async fn cancel_handshake(&self, c: &Credentials, id: &str) -> AwsResult<Handshake> {
        let out = call!("CancelHandshake", self.client(c).cancel_handshake().handshake_id(id).send())?;
        out.handshake().map(handshake).ok_or_else(|| AwsError::unexpected(SERVICE, "CancelHandshake", "no handshake"))
    }

    async fn list_policies(&self, c: &Credentials) -> AwsResult<Vec<OrgPolicy>> {
        let client = self.client(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        loop {
            let page = call!(
                "ListPolicies",
                client.list_policies().filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy).set_next_token(token.take()).send()
            )?;
            out.extend(page.policies().iter().map(policy));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    async fn describe_policy(&self, c: &Credentials, id: &str) -> AwsResult<(OrgPolicy, String)> {
        let out = call!("DescribePolicy", self.client(c).describe_policy().policy_id(id).send())?;
        summary(out.policy(), "DescribePolicy")
    }

    async fn create_policy(&self, c: &Credentials, name: &str, description: &str, document: &str) -> AwsResult<OrgPolicy> {
        let out = call!(
            "CreatePolicy",
            self.client(c)
                .create_policy()
                .name(name)
                .description(description)
                .content(document)
                .r#type(PolicyType::ServiceControlPolicy)
                .send()
        )?;
        summary(out.policy(), "CreatePolicy").map(|(p, _)| p)
    }

    async fn update_policy(&self, c: &Credentials, id: &str, name: Option<&str>, description: Option<&str>, document: Option<&str>) -> AwsResult<OrgPolicy> {
        let out = call!(
            "UpdatePolicy",
            self.client(c)
                .update_policy()
                .policy_id(id)
                .set_name(name.map(str::to_owned))
                .set_description(description.map(str::to_owned))
                .set_content(document.map(str::to_owned))
                .send()
        )?;
        summary(out.policy(), "UpdatePolicy").map(|(p, _)| p)
    }

    async fn delete_policy(&self, c: &Credentials, id: &str) -> AwsResult<()> {
        call!("DeletePolicy", self.client(c).delete_policy().policy_id(id).send()).map(|_| ())
    }

    async fn attach_policy(&self, c: &Credentials, policy: &str, target: &str) -> AwsResult<()> {
        call!("AttachPolicy", self.client(c).attach_policy().policy_id(policy).target_id(target).send()).map(|_| ())
    }

    async fn detach_policy(&self, c: &Credentials, policy: &str, target: &str) -> AwsResult<()> {
        call!("DetachPolicy", self.client(c).detach_policy().policy_id(policy).target_id(target).send()).map(|_| ())
    }

    async fn policies_for_target(&self, c: &Credentials, target: &str) -> AwsResult<Vec<OrgPolicy>> {
        let client = self.client(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        loop {
            let page = call!(
                "ListPoliciesForTarget",
                client
                    .list_policies_for_target()
                    .target_id(target)
                    .filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
                    .set_next_token(token.take())
                    .send()
            )?;
            out.extend(page.policies().iter().map(policy));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }

    async fn targets_for_policy(&self, c: &Credentials, policy_id: &str) -> AwsResult<Vec<String>> {
        let client = self.client(c);
        let (mut out, mut token) = (Vec::new(), None::<String>);
        loop {
            let page = call!("ListTargetsForPolicy", client.list_targets_for_policy().policy_id(policy_id).set_next_token(token.take()).send())?;
            out.extend(page.targets().iter().filter_map(|t| t.target_id().map(str::to_owned)));
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(out),
            }
        }
    }
}

/// The invitation (handshake) calls, which moto does not emulate, at the SDK level with
/// `aws-smithy-mocks`: the exact requests, and documented responses mapped to our states.
#[cfg(test)]
mod handshake_tests {
    use aws_sdk_organizations::operation::cancel_handshake::CancelHandshakeOutput;
    use aws_sdk_organizations::operation::invite_account_to_organization::{
        InviteAccountToOrganizationError, InviteAccountToOrganizationOutput,
    };
    use aws_sdk_organizations::operation::list_handshakes_for_organization::ListHandshakesForOrganizationOutput;
    use aws_sdk_organizations::types::{Handshake as SdkHandshake, HandshakeParty, HandshakePartyType, HandshakeState};
    use aws_sdk_organizations::types::error::DuplicateHandshakeException;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::aws::AwsErrorKind;

    fn sdk_handshake(id: &str, state: HandshakeState, target: &str, kind: HandshakePartyType) -> SdkHandshake {
        SdkHandshake::builder()
            .id(id)
            .state(state)
            .parties(HandshakeParty::builder().id("o-exampleorgid").r#type(HandshakePartyType::Organization).build().unwrap())
            .parties(HandshakeParty::builder().id(target).r#type(kind).build().unwrap())
            .requested_timestamp(aws_smithy_types::DateTime::from_secs(1_795_000_000))
            .expiration_timestamp(aws_smithy_types::DateTime::from_secs(1_796_296_000))
            .build()
    }

    fn creds() -> Credentials {
        Credentials::new("AKIA", "secret", None, None, "test")
    }

    #[tokio::test]
    async fn invite_sends_the_target_and_notes_and_reads_the_handshake() {
        let by_account = mock!(aws_sdk_organizations::Client::invite_account_to_organization)
            .match_requests(|r| {
                r.target().is_some_and(|t| t.id() == "012345678901" && t.r#type() == &HandshakePartyType::Account)
                    && r.notes() == Some("welcome")
            })
            .then_output(|| {
                InviteAccountToOrganizationOutput::builder()
                    .handshake(sdk_handshake("h-111", HandshakeState::Open, "012345678901", HandshakePartyType::Account))
                    .build()
            });
        let by_email = mock!(aws_sdk_organizations::Client::invite_account_to_organization)
            .match_requests(|r| r.target().is_some_and(|t| t.id() == "owner@customer.example" && t.r#type() == &HandshakePartyType::Email) && r.notes().is_none())
            .then_output(|| {
                InviteAccountToOrganizationOutput::builder()
                    .handshake(sdk_handshake("h-222", HandshakeState::Requested, "owner@customer.example", HandshakePartyType::Email))
                    .build()
            });
        let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&by_account, &by_email]);
        let orgs = SdkOrganizations::from_conf(client.config().clone());
        let h = orgs.invite_account(&creds(), &InviteTarget::Account("012345678901".into()), Some("welcome")).await.unwrap();
        assert_eq!((h.id.as_str(), h.state.as_str(), h.target.as_str()), ("h-111", "OPEN", "012345678901"));
        assert_eq!(h.requested_at.map(|t| t.timestamp()), Some(1_795_000_000));
        let h = orgs.invite_account(&creds(), &InviteTarget::Email("owner@customer.example".into()), None).await.unwrap();
        assert_eq!((h.state.as_str(), h.target.as_str()), ("REQUESTED", "owner@customer.example"));
        assert_eq!((by_account.num_calls(), by_email.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn listing_follows_next_token_and_cancel_reports_the_new_state() {
        let page1 = mock!(aws_sdk_organizations::Client::list_handshakes_for_organization)
            .match_requests(|r| r.next_token().is_none())
            .then_output(|| {
                ListHandshakesForOrganizationOutput::builder()
                    .handshakes(sdk_handshake("h-1", HandshakeState::Open, "111111111111", HandshakePartyType::Account))
                    .next_token("page-2")
                    .build()
            });
        let page2 = mock!(aws_sdk_organizations::Client::list_handshakes_for_organization)
            .match_requests(|r| r.next_token() == Some("page-2"))
            .then_output(|| {
                ListHandshakesForOrganizationOutput::builder()
                    .handshakes(sdk_handshake("h-2", HandshakeState::Accepted, "222222222222", HandshakePartyType::Account))
                    .build()
            });
        let cancel = mock!(aws_sdk_organizations::Client::cancel_handshake)
            .match_requests(|r| r.handshake_id() == Some("h-1"))
            .then_output(|| {
                CancelHandshakeOutput::builder()
                    .handshake(sdk_handshake("h-1", HandshakeState::Canceled, "111111111111", HandshakePartyType::Account))
                    .build()
            });
        let client = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, [&page1, &page2, &cancel]);
        let orgs = SdkOrganizations::from_conf(client.config().clone());
        let all = orgs.list_handshakes(&creds()).await.unwrap();
        let states: Vec<(&str, &str)> = all.iter().map(|h| (h.id.as_str(), h.state.as_str())).collect();
        assert_eq!(states, [("h-1", "OPEN"), ("h-2", "ACCEPTED")]);
        assert_eq!(orgs.cancel_handshake(&creds(), "h-1").await.unwrap().state, "CANCELED");
    }

    #[tokio::test]
    async fn a_duplicate_invitation_reads_as_a_conflict() {
        let dup = mock!(aws_sdk_organizations::Client::invite_account_to_organization).then_error(|| {
            InviteAccountToOrganizationError::DuplicateHandshakeException(
                // As the SDK deserialises it from the wire: the code travels in the metadata.
                DuplicateHandshakeException::builder()
                    .message("A handshake with the same action and target already exists.")
                    .meta(
                        aws_smithy_types::error::ErrorMetadata::builder()
                            .code("DuplicateHandshakeException")
                            .message("A handshake with the same action and target already exists.")
                            .build(),
                    )
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_organizations, [&dup]);
        let orgs = SdkOrganizations::from_conf(client.config().clone());
        let err = orgs.invite_account(&creds(), &InviteTarget::Account("012345678901".into()), None).await.unwrap_err();
        assert_eq!(err.kind, AwsErrorKind::Service);
        assert_eq!(err.code.as_deref(), Some("DuplicateHandshakeException"));
        let app: crate::error::AppError = err.into();
        assert_eq!(app.code(), crate::error::ErrorCode::Conflict);
        assert!(app.to_string().contains("already exists"), "{app}");
    }
}
