//! Cost allocation keys at ingestion: which tag keys and cost categories a payer selected, how
//! their names appear in each export, and reading a value out of a JSON map cell.

use entity::cost_allocation_keys::{self, KeyKind};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::error::AppResult;
use crate::ids::PayerId;

/// The most keys a payer may select: each one adds a dimension ingestion keeps per tagged line.
pub const MAX_KEYS: usize = 5;

/// A tag key or cost category, as AWS spells it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SelectedKey {
    pub kind: KeyKind,
    pub name: String,
}

impl SelectedKey {
    /// `tag:team`, `category:CostCenter`: how fingerprints and messages name it.
    pub fn label(&self) -> String {
        match self.kind {
            KeyKind::Tag => format!("tag:{}", self.name),
            KeyKind::CostCategory => format!("category:{}", self.name),
        }
    }
}

/// The payer's selected keys, in the order chosen.
pub async fn selected(db: &impl ConnectionTrait, payer: PayerId) -> AppResult<Vec<SelectedKey>> {
    Ok(selected_of(
        cost_allocation_keys::Entity::find()
            .filter(cost_allocation_keys::Column::PayerId.eq(payer.0))
            .order_by_asc(cost_allocation_keys::Column::Position)
            .all(db)
            .await?,
    ))
}

/// The keys of a payer's stored selection, read in position order.
pub fn selected_of(rows: Vec<cost_allocation_keys::Model>) -> Vec<SelectedKey> {
    rows.into_iter().take(MAX_KEYS).map(|k| SelectedKey { kind: k.kind, name: k.name }).collect()
}

/// A key name as AWS writes it inside CUR 2.0 map keys and Athena column names: lower snake
/// case, other characters as `_` (`CostCenter` → `cost_center`, `cost-center` → `cost_center`).
pub fn normalized_key(name: &str) -> String {
    super::parse::snake_column(name).chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

/// The value of the first of `keys` in a JSON object (CUR 2.0 CSV map cells, FOCUS `Tags`);
/// `None` when none is there or the value is not text.
pub fn json_value(text: &str, keys: &[String]) -> Result<Option<String>, String> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).map_err(|_| "is not a JSON object".to_owned())?;
    Ok(keys.iter().find_map(|k| match map.get(k) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        _ => None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalize_as_aws_writes_them() {
        assert_eq!(normalized_key("team"), "team");
        assert_eq!(normalized_key("CostCenter"), "cost_center");
        assert_eq!(normalized_key("cost-center"), "cost_center");
    }

    #[test]
    fn json_cells_give_the_first_key_present() {
        let keys = ["team".to_owned(), "user:team".to_owned()];
        assert_eq!(json_value(r#"{"user:team": "web", "env": "prod"}"#, &keys).unwrap(), Some("web".to_owned()));
        assert_eq!(json_value(r#"{"team": "data", "user:team": "web"}"#, &keys).unwrap(), Some("data".to_owned()));
        assert_eq!(json_value(r#"{"env": "prod"}"#, &keys).unwrap(), None);
        assert_eq!(json_value(r#"{"team": 3}"#, &keys).unwrap(), None, "only text values");
        assert!(json_value("team=web", &keys).is_err());
    }
}
