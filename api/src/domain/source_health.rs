//! Source-data health: per payer (its latest cost export validation and its ingestion), rolled
//! up over the tenant tree worst first, each entry naming where the problem is.
//!
//! Order, worst first: FAILED > WARNING > NOT_AVAILABLE > SUCCESS. NOT_AVAILABLE (nothing known
//! yet: never validated, nothing ingested) ranks above SUCCESS so a customer still being set up
//! keeps its reseller from looking all green, but below WARNING so it never hides a real problem.

use std::cmp::Ordering;

use entity::{payers, tenants};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use crate::domain::{costs, export_validation};
use crate::error::AppResult;
use crate::ids::{PayerId, TenantId};
use crate::tenancy::{Role, Scope};

pub use crate::domain::health::SourceHealth;

/// One payer's or one tenant's (rolled-up) health.
#[derive(Debug, Clone)]
pub struct HealthEntry {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    /// `distributor` | `reseller` | `customer` | `platform`
    pub tenant_kind: String,
    /// Set for a payer's own entry; a tenant's entry rolls up every payer below it.
    pub payer_id: Option<PayerId>,
    pub payer_name: Option<String>,
    pub account_id: Option<String>,
    pub health: SourceHealth,
    pub reason: String,
}

/// A tenant's health, rolled up over its payers and every tenant below it.
#[derive(Debug, Clone)]
pub struct SourceDataHealth {
    pub tenant_id: TenantId,
    pub tenant_name: String,
    pub health: SourceHealth,
    pub reason: String,
    /// The payers and the descendant tenants, worst first.
    pub entries: Vec<HealthEntry>,
}

/// One payer's source-data health: the latest export validation with its ingestion health.
/// A validation never run does not count against a payer whose cost data arrives anyway (its
/// export was configured by hand); otherwise the worse of the two wins.
pub async fn payer_health(scope: &Scope, payer: PayerId) -> AppResult<(SourceHealth, String)> {
    let validation = export_validation::latest(scope, payer).await?;
    let ingestion = costs::ingestion_health(scope, payer).await?;
    let ingested = (SourceHealth::parse(ingestion.status), format!("ingestion: {}", ingestion.reason));
    let Some(v) = validation else {
        return Ok(match ingested.0 {
            SourceHealth::NotAvailable => (SourceHealth::NotAvailable, "cost exports not validated yet; no cost data ingested".to_owned()),
            _ => ingested,
        });
    };
    let validated = (v.health, v.reason.map_or_else(|| "cost export valid and selected".to_owned(), |r| format!("cost export: {r}")));
    // Ties go to the validation: it says what to fix.
    Ok(if SourceHealth::worst_first(ingested.0, validated.0) == Ordering::Less { ingested } else { validated })
}

fn kind_label(kind: &str) -> String {
    let mut c = kind.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// The health of a tenant and everything below it that the caller can see.
pub async fn source_data_health(scope: &Scope, tenant: TenantId) -> AppResult<SourceDataHealth> {
    let root = scope.tenant(tenant, Role::Viewer).await?;
    let subtree = scope
        .tenants(Role::Viewer)
        .filter(tenants::Column::Path.starts_with(root.path.as_str()))
        .order_by_asc(tenants::Column::Path)
        .all()
        .await?;
    let payers = scope
        .payers(Role::Viewer)
        .filter(payers::Column::TenantId.is_in(subtree.iter().map(|t| t.id)))
        // A reseller's payer has no cost source of its own (its data is its distributor's, whose
        // health the distributor watches): it would only ever read as missing.
        .filter(payers::Column::UpstreamBillingGroupId.is_null())
        .order_by_asc(payers::Column::Name)
        .all()
        .await?;
    let mut payer_entries = Vec::with_capacity(payers.len());
    for p in &payers {
        let Some(owner) = subtree.iter().find(|t| t.id == p.tenant_id) else { continue };
        let (health, reason) = payer_health(scope, PayerId(p.id)).await?;
        payer_entries.push((owner.path.clone(), HealthEntry {
            tenant_id: TenantId(owner.id),
            tenant_name: owner.name.clone(),
            tenant_kind: owner.kind.as_str().to_owned(),
            payer_id: Some(PayerId(p.id)),
            payer_name: Some(p.name.clone()),
            account_id: Some(p.account_id.clone()),
            health,
            reason,
        }));
    }
    let roll_up = |t: &tenants::Model| -> (SourceHealth, String) {
        let mut below: Vec<&HealthEntry> = payer_entries.iter().filter(|(path, _)| path.starts_with(t.path.as_str())).map(|(_, e)| e).collect();
        below.sort_by(|a, b| SourceHealth::worst_first(a.health, b.health));
        let Some(worst) = below.first() else {
            return (SourceHealth::NotAvailable, "no payer connected here or below".to_owned());
        };
        let same = below.iter().filter(|e| e.health == worst.health).count();
        let payer = format!("payer {} ({})", worst.payer_name.as_deref().unwrap_or_default(), worst.account_id.as_deref().unwrap_or_default());
        let place = if worst.tenant_id.0 == t.id { payer } else { format!("{} {}, {payer}", kind_label(&worst.tenant_kind), worst.tenant_name) };
        let more = if same > 1 { format!(" (and {} more {})", same - 1, worst.health.as_str()) } else { String::new() };
        (worst.health, format!("{place}: {}{more}", worst.reason))
    };
    let (health, reason) = roll_up(&root);
    let mut entries: Vec<HealthEntry> = subtree
        .iter()
        .filter(|t| t.id != root.id)
        .map(|t| {
            let (health, reason) = roll_up(t);
            HealthEntry {
                tenant_id: TenantId(t.id),
                tenant_name: t.name.clone(),
                tenant_kind: t.kind.as_str().to_owned(),
                payer_id: None,
                payer_name: None,
                account_id: None,
                health,
                reason,
            }
        })
        .collect();
    entries.extend(payer_entries.into_iter().map(|(_, e)| e));
    // Worst first; tenants before their payers at equal health, then by name.
    entries.sort_by(|a, b| {
        SourceHealth::worst_first(a.health, b.health)
            .then(a.payer_id.is_some().cmp(&b.payer_id.is_some()))
            .then_with(|| a.tenant_name.cmp(&b.tenant_name))
            .then_with(|| a.payer_name.cmp(&b.payer_name))
    });
    Ok(SourceDataHealth { tenant_id: TenantId(root.id), tenant_name: root.name, health, reason, entries })
}

#[cfg(test)]
mod tests {
    use super::SourceHealth::*;
    use super::*;

    #[test]
    fn worst_comes_first() {
        let mut all = vec![Success, NotAvailable, Failed, Warning];
        all.sort_by(|a, b| SourceHealth::worst_first(*a, *b));
        assert_eq!(all, vec![Failed, Warning, NotAvailable, Success]);
        assert_eq!(SourceHealth::parse("FAILED"), Failed);
        assert_eq!(SourceHealth::parse("whatever"), NotAvailable);
    }
}
