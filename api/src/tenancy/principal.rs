//! The verified caller of a request: who they are, how they proved it, and what they hold.

use crate::ids::{ApiTokenId, PayerId, SessionId, TenantId, UserId};
use crate::tenancy::Role;

/// How the caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An access JWT from a sign-in session.
    Session(SessionId),
    /// A partner-integration API token.
    ApiToken(ApiTokenId),
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantTarget {
    /// A tenant node and its subtree; `path` is the node's materialised path.
    Tenant { id: TenantId, path: String },
    /// Exactly one payer, nothing else.
    Payer { id: PayerId },
}

/// One role on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub target: GrantTarget,
}

/// A verified caller. Only the auth module builds one.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: UserId,
    pub email: String,
    pub credential: Credential,
    pub grants: Vec<Grant>,
}

impl Principal {
    pub fn session_id(&self) -> Option<SessionId> {
        match self.credential {
            Credential::Session(id) => Some(id),
            Credential::ApiToken(_) => None,
        }
    }

    pub fn api_token_id(&self) -> Option<ApiTokenId> {
        match self.credential {
            Credential::ApiToken(id) => Some(id),
            Credential::Session(_) => None,
        }
    }

    /// Highest role held on a tenant node through a grant on it or an ancestor.
    pub fn role_on_tenant(&self, tenant_path: &str) -> Option<Role> {
        self.grants
            .iter()
            .filter_map(|g| match &g.target {
                GrantTarget::Tenant { path, .. } if tenant_path.starts_with(path.as_str()) => Some(g.role),
                _ => None,
            })
            .max()
    }

    /// Highest role held on a payer: through its tenant's subtree or a grant on the payer itself.
    pub fn role_on_payer(&self, payer: PayerId, payer_tenant_path: &str) -> Option<Role> {
        let direct = self
            .grants
            .iter()
            .filter_map(|g| match g.target {
                GrantTarget::Payer { id } if id == payer => Some(g.role),
                _ => None,
            })
            .max();
        direct.max(self.role_on_tenant(payer_tenant_path))
    }

    /// Tenant subtrees (paths) on which the caller holds at least `min`.
    pub fn tenant_paths(&self, min: Role) -> Vec<&str> {
        self.grants
            .iter()
            .filter_map(|g| match &g.target {
                GrantTarget::Tenant { path, .. } if g.role >= min => Some(path.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Single payers on which the caller holds at least `min`.
    pub fn payer_ids(&self, min: Role) -> Vec<PayerId> {
        self.grants
            .iter()
            .filter_map(|g| match g.target {
                GrantTarget::Payer { id } if g.role >= min => Some(id),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(grants: Vec<Grant>) -> Principal {
        Principal { user_id: UserId::new(), email: "a@example.com".into(), credential: Credential::Session(SessionId::new()), grants }
    }

    #[test]
    fn tenant_grants_cover_the_subtree_only() {
        let t = TenantId::new();
        let p = principal(vec![Grant { role: Role::Operator, target: GrantTarget::Tenant { id: t, path: "/r/a/".into() } }]);
        assert_eq!(p.role_on_tenant("/r/a/"), Some(Role::Operator));
        assert_eq!(p.role_on_tenant("/r/a/b/"), Some(Role::Operator));
        assert_eq!(p.role_on_tenant("/r/"), None);
        assert_eq!(p.role_on_tenant("/r/ab/"), None, "prefix must end at a path separator");
    }

    #[test]
    fn payer_grant_does_not_reach_the_tenant() {
        let payer = PayerId::new();
        let p = principal(vec![Grant { role: Role::Admin, target: GrantTarget::Payer { id: payer } }]);
        assert_eq!(p.role_on_payer(payer, "/r/a/"), Some(Role::Admin));
        assert_eq!(p.role_on_payer(PayerId::new(), "/r/a/"), None);
        assert_eq!(p.role_on_tenant("/r/a/"), None);
    }

    #[test]
    fn highest_role_wins() {
        let p = principal(vec![
            Grant { role: Role::Viewer, target: GrantTarget::Tenant { id: TenantId::new(), path: "/r/".into() } },
            Grant { role: Role::Admin, target: GrantTarget::Tenant { id: TenantId::new(), path: "/r/a/".into() } },
        ]);
        assert_eq!(p.role_on_tenant("/r/a/x/"), Some(Role::Admin));
        assert_eq!(p.role_on_tenant("/r/b/"), Some(Role::Viewer));
    }
}
