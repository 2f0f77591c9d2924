//! Typed ids, so a tenant id can never be passed where a payer id is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::error::AppError;

/// A 12-digit AWS account id (leading zeros are part of it).
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Where a membership or token applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Tenant(TenantId),
    Payer(PayerId),
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh time-ordered (v7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses an id from request input; anything malformed is simply "not found".
            pub fn parse(input: &str) -> Result<Self, AppError> {
                Uuid::from_str(input).map(Self).map_err(|_| AppError::NotFound($what))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

typed_id!(/// A node of the tenant tree.
    TenantId, "tenant");
typed_id!(/// An AWS payer (management) account registered with us.
    PayerId, "payer");
typed_id!(/// A person who signs in.
    UserId, "user");
typed_id!(/// A role held on a tenant or payer.
    MembershipId, "membership");
typed_id!(/// A partner-integration token.
    ApiTokenId, "API token");
typed_id!(/// A sign-in session (a family of refresh tokens).
    SessionId, "session");
typed_id!(/// An AWS Billing Transfer of a customer's organization to a payer.
    BillingTransferId, "billing transfer");

/// The fixed id of the platform root tenant, created at first start.
pub const ROOT_TENANT_ID: TenantId = TenantId(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001));

/// A name for this process that says where it runs and is unique to it: `host:pid:suffix`, where
/// host is `name` or the host name (the pod's name on Kubernetes), without `:` and at most 40
/// characters, and suffix is random (it tells this process from an earlier one with the same id).
/// Job workers and ingestion runs are held under such names.
pub fn process_label(name: Option<&str>) -> String {
    let host = name.map(str::to_owned).or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok().or_else(|| std::env::var("HOSTNAME").ok()));
    let host = host.as_deref().map(str::trim).filter(|h| !h.is_empty()).unwrap_or("host");
    let host: String = host.chars().filter(|c| !c.is_control() && *c != ':').take(40).collect();
    let suffix = Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &suffix[..6])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_ids_read_as_not_found() {
        let err = TenantId::parse("not-a-uuid").unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::NotFound);
        assert_eq!(err.to_string(), "tenant not found");
    }

    #[test]
    fn new_ids_are_v7() {
        assert_eq!(UserId::new().0.get_version_num(), 7);
    }
}
