//! DynamoDB, through a payer's assumed role: reading the prior tool's cost table page by page.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::aws::error::{AwsError, AwsResult};

/// One item's string and number attributes (numbers as their decimal text, exactly as stored);
/// other attribute types are left out.
pub type Item = BTreeMap<String, String>;

/// One Scan page and where the next one starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanPage {
    pub items: Vec<Item>,
    /// An opaque cursor (the LastEvaluatedKey), `None` after the last page.
    pub next: Option<String>,
}

#[async_trait]
pub trait DynamoDbApi: Send + Sync {
    /// One Scan page of at most `limit` items, from `cursor` (a previous page's `next`).
    async fn scan_page(&self, c: &Credentials, table: &str, limit: i32, cursor: Option<&str>) -> AwsResult<ScanPage>;
}

/// The real adapter on `aws-sdk-dynamodb`.
pub struct SdkDynamoDb {
    conf: aws_sdk_dynamodb::Config,
}

impl SdkDynamoDb {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self::from_conf(aws_sdk_dynamodb::Config::from(sdk))
    }

    /// From a ready client configuration; every call is recorded in the audit trail.
    pub fn from_conf(conf: aws_sdk_dynamodb::Config) -> Self {
        Self { conf: conf.to_builder().interceptor(crate::audit::aws::AuditInterceptor).build() }
    }

    fn client(&self, c: &Credentials) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::from_conf(self.conf.to_builder().credentials_provider(c.clone()).build())
    }
}

const SERVICE: &str = "dynamodb";
const SCAN: &str = "Scan";

/// A key as the cursor text: `{"name": {"S": "…"} | {"N": "…"}}` (key attributes are S or N here).
fn encode_key(key: &HashMap<String, AttributeValue>) -> AwsResult<String> {
    let mut out = serde_json::Map::new();
    for (name, value) in key {
        let v = match value {
            AttributeValue::S(s) => serde_json::json!({ "S": s }),
            AttributeValue::N(n) => serde_json::json!({ "N": n }),
            _ => return Err(AwsError::unexpected(SERVICE, SCAN, "a key attribute is neither a string nor a number")),
        };
        out.insert(name.clone(), v);
    }
    Ok(serde_json::Value::Object(out).to_string())
}

fn decode_key(cursor: &str) -> AwsResult<HashMap<String, AttributeValue>> {
    let bad = || AwsError::unexpected(SERVICE, SCAN, "the scan cursor is not one we wrote");
    let value: serde_json::Value = serde_json::from_str(cursor).map_err(|_| bad())?;
    let mut key = HashMap::new();
    for (name, v) in value.as_object().ok_or_else(bad)? {
        let attr = match (v.get("S").and_then(|s| s.as_str()), v.get("N").and_then(|n| n.as_str())) {
            (Some(s), _) => AttributeValue::S(s.to_owned()),
            (None, Some(n)) => AttributeValue::N(n.to_owned()),
            _ => return Err(bad()),
        };
        key.insert(name.clone(), attr);
    }
    Ok(key)
}

fn item(raw: &HashMap<String, AttributeValue>) -> Item {
    raw.iter()
        .filter_map(|(k, v)| match v {
            AttributeValue::S(s) | AttributeValue::N(s) => Some((k.clone(), s.clone())),
            _ => None,
        })
        .collect()
}

#[async_trait]
impl DynamoDbApi for SdkDynamoDb {
    async fn scan_page(&self, c: &Credentials, table: &str, limit: i32, cursor: Option<&str>) -> AwsResult<ScanPage> {
        let start = cursor.map(decode_key).transpose()?;
        let page = self
            .client(c)
            .scan()
            .table_name(table)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, SCAN, e))?;
        let next = page.last_evaluated_key().filter(|k| !k.is_empty()).map(encode_key).transpose()?;
        Ok(ScanPage { items: page.items().iter().map(item).collect(), next })
    }
}

/// Stands in where no DynamoDB adapter was given.
pub struct NoDynamoDb;

#[async_trait]
impl DynamoDbApi for NoDynamoDb {
    async fn scan_page(&self, _: &Credentials, _: &str, _: i32, _: Option<&str>) -> AwsResult<ScanPage> {
        Err(AwsError::unexpected(SERVICE, SCAN, "no DynamoDB client configured"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_string_and_number_keys() {
        let key = HashMap::from([
            ("account_month".to_owned(), AttributeValue::S("012345678901_7".to_owned())),
            ("createAt".to_owned(), AttributeValue::N("1700000000123".to_owned())),
        ]);
        assert_eq!(decode_key(&encode_key(&key).unwrap()).unwrap(), key);
        assert!(decode_key("not json").is_err());
        assert!(decode_key(r#"{"a": {"B": "x"}}"#).is_err());
    }

    #[test]
    fn items_keep_strings_and_number_text() {
        let raw = HashMap::from([
            ("cost".to_owned(), AttributeValue::S("1.2345678901".to_owned())),
            ("createAt".to_owned(), AttributeValue::N("17".to_owned())),
            ("flag".to_owned(), AttributeValue::Bool(true)),
        ]);
        let it = item(&raw);
        assert_eq!(it.get("cost").map(String::as_str), Some("1.2345678901"));
        assert_eq!(it.get("createAt").map(String::as_str), Some("17"));
        assert!(!it.contains_key("flag"));
    }
}
