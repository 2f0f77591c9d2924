//! CloudEvents 1.0 in structured JSON mode: domain events as `com.partnerbilling.<event>`, and
//! the `aws.service.daily` cost event (source `cloud.aws.billing`).

use chrono::{DateTime, NaiveDate, Utc};
use entity::outbox_events;
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The content type of a structured-mode CloudEvent.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";
/// Prefix of the CloudEvents type of domain events.
pub const TYPE_PREFIX: &str = "com.partnerbilling.";
pub const AWS_BILLING_SOURCE: &str = "cloud.aws.billing";
pub const AWS_SERVICE_DAILY: &str = "aws.service.daily";

/// A domain event as a CloudEvent. The id is the event id, so redeliveries carry the same one.
pub fn from_outbox(event: &outbox_events::Model) -> Value {
    // `aws.service.daily` is recorded whole (built by `aws_service_daily`, with its stable id).
    if event.event_type == AWS_SERVICE_DAILY
        && let Ok(ce) = serde_json::from_str::<Value>(&event.payload)
    {
        return ce;
    }
    let data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    let source = match (event.payer_id, event.tenant_id) {
        (Some(payer), _) => format!("/partner-billing/payers/{payer}"),
        (None, Some(tenant)) => format!("/partner-billing/tenants/{tenant}"),
        (None, None) => "/partner-billing".to_owned(),
    };
    let mut ce = json!({
        "specversion": "1.0",
        "id": event.id.to_string(),
        "source": source,
        "type": format!("{TYPE_PREFIX}{}", event.event_type),
        "time": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "datacontenttype": "application/json",
        "data": data,
    });
    if let Some(subject) = &event.subject {
        ce["subject"] = json!(subject);
    }
    ce
}

/// An amount of money with its currency; the amount is a decimal string, never a float.
#[derive(Debug, Clone, PartialEq)]
pub struct Money {
    pub amount: Decimal,
    pub unit: String,
}

impl Money {
    fn json(&self) -> Value {
        json!({ "amount": self.amount.normalize().to_string(), "unit": self.unit })
    }
}

/// One account's cost of one AWS service on one day, in each cost measure.
#[derive(Debug, Clone)]
pub struct ServiceDaily {
    pub date: NaiveDate,
    pub account_id: String,
    pub service: String,
    pub amortized_cost: Money,
    pub blended_cost: Money,
    pub net_amortized_cost: Money,
    pub net_unblended_cost: Money,
    pub unblended_cost: Money,
}

/// The `aws.service.daily` CloudEvent; the id is derived from date, account and service, so a
/// re-pull of the same day produces the same id and receivers can de-duplicate.
pub fn aws_service_daily(d: &ServiceDaily, time: DateTime<Utc>) -> Value {
    let key = format!("{}/{}/{}", d.date, d.account_id, d.service);
    let digest = <sha2::Sha256 as sha2::Digest>::digest(format!("{AWS_SERVICE_DAILY}:{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    json!({
        "specversion": "1.0",
        "id": id.to_string(),
        "source": AWS_BILLING_SOURCE,
        "type": AWS_SERVICE_DAILY,
        "subject": d.account_id,
        "time": time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "datacontenttype": "application/json",
        "data": {
            "date": d.date.to_string(),
            "accountId": d.account_id,
            "service": d.service,
            "amortizedCost": d.amortized_cost.json(),
            "blendedCost": d.blended_cost.json(),
            "netAmortizedCost": d.net_amortized_cost.json(),
            "netUnblendedCost": d.net_unblended_cost.json(),
            "unblendedCost": d.unblended_cost.json(),
        },
    })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn service_daily_has_the_seed_connector_shape_with_decimal_strings() {
        let usd = |s: &str| Money { amount: Decimal::from_str(s).unwrap(), unit: "USD".to_owned() };
        let d = ServiceDaily {
            date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            account_id: "012345678901".to_owned(),
            service: "Amazon Elastic Compute Cloud - Compute".to_owned(),
            amortized_cost: usd("12.34567891"),
            blended_cost: usd("12.30"),
            net_amortized_cost: usd("11.1"),
            net_unblended_cost: usd("0.00000001"),
            unblended_cost: usd("12.3400"),
        };
        let time = DateTime::parse_from_rfc3339("2026-11-23T04:00:00Z").unwrap().with_timezone(&Utc);
        let ce = aws_service_daily(&d, time);
        assert_eq!(ce["specversion"], "1.0");
        assert_eq!(ce["source"], "cloud.aws.billing");
        assert_eq!(ce["type"], "aws.service.daily");
        assert_eq!(ce["time"], "2026-11-23T04:00:00Z");
        assert_eq!(ce["data"]["date"], "2026-11-22");
        assert_eq!(ce["data"]["accountId"], "012345678901");
        assert_eq!(ce["data"]["amortizedCost"], json!({ "amount": "12.34567891", "unit": "USD" }));
        assert_eq!(ce["data"]["blendedCost"]["amount"], "12.3");
        assert_eq!(ce["data"]["netUnblendedCost"]["amount"], "0.00000001");
        assert_eq!(ce["data"]["unblendedCost"]["amount"], "12.34");
        for key in ["amortizedCost", "blendedCost", "netAmortizedCost", "netUnblendedCost", "unblendedCost"] {
            assert!(ce["data"][key]["amount"].is_string(), "{key} is a string, never a float");
        }
        assert_eq!(aws_service_daily(&d, time)["id"], ce["id"], "stable id for the same day, account and service");
    }
}
