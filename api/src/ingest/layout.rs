//! Which export a file is, and where the columns we read sit in it. Both readers resolve their
//! header or schema through here, so CUR 2.0, legacy CUR and FOCUS map to the same fields.

use std::fmt;

use entity::cost_allocation_keys::KeyKind;

use super::parse::snake_column;
use super::tags::{MAX_KEYS, SelectedKey, normalized_key};

/// The family of an export; it decides the cost semantics and the `source` the rows land under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// AWS Data Exports CUR 2.0, or a legacy CUR (its `lineItem/UnblendedCost` headers are
    /// renamed to the CUR 2.0 names first).
    Cur,
    /// FOCUS 1.0–1.2.
    Focus,
}

impl Kind {
    /// The `source` value of the day-grain rows.
    pub fn source(self) -> &'static str {
        match self {
            Kind::Cur => "cur",
            Kind::Focus => "focus",
        }
    }
}

/// A logical field we read; each export names it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum F {
    PeriodStart,
    UsageStart,
    Account,
    AccountFallback,
    ServiceCode,
    ServiceName,
    /// CUR 2.0's `product` map column (`product['product_name']`, `product['region']`).
    ProductMap,
    UsageType,
    Operation,
    Region,
    ChargeType,
    BillingEntity,
    PricingUnit,
    Currency,
    Unblended,
    NetUnblended,
    Effective,
    List,
    Usage,
    SpEffective,
    SpCommitment,
    SpUsedCommitment,
    RiEffective,
    RiUnusedUpfront,
    RiUnusedRecurring,
    RiArn,
    Provider,
    ServiceProvider,
    /// The billing (payer) account a row is billed to: CUR 2.0 `bill_payer_account_id`, legacy
    /// CUR `bill/PayerAccountId`, FOCUS `BillingAccountId`. Only the payer's own rows are taken.
    Payer,
    /// CUR `line_item_line_item_description`, FOCUS `ChargeDescription`.
    Description,
    /// The map of cost allocation tags: CUR 2.0 `resource_tags` (a map, or JSON in CSV), FOCUS
    /// `Tags` (JSON, or a map). Read only when the payer selected tag keys.
    TagMap,
    /// The map of cost categories: CUR 2.0 `cost_category`, FOCUS `x_CostCategories`.
    CategoryMap,
    /// One column per selected key, in legacy CUR (`resourceTags/user:team`,
    /// `costCategory/Team`); bound by [`Layout::bind_keys`].
    Tag0,
    Tag1,
    Tag2,
    Tag3,
    Tag4,
}

/// Number of [`F`] variants.
pub const FIELDS: usize = 37;
const _: () = assert!(F::Tag4 as usize + 1 == FIELDS);

/// Every field, in order.
pub const ALL: [F; FIELDS] = [
    F::PeriodStart,
    F::UsageStart,
    F::Account,
    F::AccountFallback,
    F::ServiceCode,
    F::ServiceName,
    F::ProductMap,
    F::UsageType,
    F::Operation,
    F::Region,
    F::ChargeType,
    F::BillingEntity,
    F::PricingUnit,
    F::Currency,
    F::Unblended,
    F::NetUnblended,
    F::Effective,
    F::List,
    F::Usage,
    F::SpEffective,
    F::SpCommitment,
    F::SpUsedCommitment,
    F::RiEffective,
    F::RiUnusedUpfront,
    F::RiUnusedRecurring,
    F::RiArn,
    F::Provider,
    F::ServiceProvider,
    F::Payer,
    F::Description,
    F::TagMap,
    F::CategoryMap,
    F::Tag0,
    F::Tag1,
    F::Tag2,
    F::Tag3,
    F::Tag4,
];

/// The per-key column fields, in key order.
pub const TAG_COLUMNS: [F; MAX_KEYS] = [F::Tag0, F::Tag1, F::Tag2, F::Tag3, F::Tag4];

struct Spec {
    field: F,
    names: &'static [&'static str],
    required: bool,
}

const fn req(field: F, names: &'static [&'static str]) -> Spec {
    Spec { field, names, required: true }
}

const fn opt(field: F, names: &'static [&'static str]) -> Spec {
    Spec { field, names, required: false }
}

/// CUR 2.0 names (legacy CUR headers are converted to these by [`snake_column`]).
const CUR: &[Spec] = &[
    req(F::PeriodStart, &["bill_billing_period_start_date"]),
    req(F::UsageStart, &["line_item_usage_start_date"]),
    req(F::Account, &["line_item_usage_account_id"]),
    req(F::Payer, &["bill_payer_account_id"]),
    req(F::ServiceCode, &["line_item_product_code", "product_servicecode"]),
    opt(F::ServiceName, &["product_product_name", "product_servicename"]),
    opt(F::ProductMap, &["product"]),
    opt(F::UsageType, &["line_item_usage_type"]),
    opt(F::Operation, &["line_item_operation"]),
    opt(F::Region, &["product_region_code", "product_region"]),
    req(F::ChargeType, &["line_item_line_item_type"]),
    opt(F::BillingEntity, &["bill_billing_entity"]),
    opt(F::PricingUnit, &["pricing_unit", "product_pricing_unit"]),
    req(F::Currency, &["line_item_currency_code"]),
    req(F::Unblended, &["line_item_unblended_cost"]),
    opt(F::NetUnblended, &["line_item_net_unblended_cost"]),
    opt(F::List, &["pricing_public_on_demand_cost"]),
    opt(F::Usage, &["line_item_usage_amount"]),
    opt(F::SpEffective, &["savings_plan_savings_plan_effective_cost"]),
    opt(F::SpCommitment, &["savings_plan_total_commitment_to_date"]),
    opt(F::SpUsedCommitment, &["savings_plan_used_commitment"]),
    opt(F::RiEffective, &["reservation_effective_cost"]),
    opt(F::RiUnusedUpfront, &["reservation_unused_amortized_upfront_fee_for_billing_period"]),
    opt(F::RiUnusedRecurring, &["reservation_unused_recurring_fee"]),
    opt(F::RiArn, &["reservation_reservation_a_r_n", "reservation_reservation_arn"]),
    opt(F::Description, &["line_item_line_item_description"]),
    opt(F::TagMap, &["resource_tags"]),
    opt(F::CategoryMap, &["cost_category"]),
];

/// FOCUS 1.0–1.2 names; `x_` columns are AWS's extensions in its FOCUS exports.
const FOCUS: &[Spec] = &[
    req(F::PeriodStart, &["BillingPeriodStart"]),
    req(F::UsageStart, &["ChargePeriodStart"]),
    opt(F::Account, &["SubAccountId"]),
    req(F::AccountFallback, &["BillingAccountId"]),
    req(F::Payer, &["BillingAccountId"]),
    opt(F::ServiceCode, &["x_ServiceCode"]),
    req(F::ServiceName, &["ServiceName"]),
    opt(F::UsageType, &["x_UsageType"]),
    opt(F::Operation, &["x_Operation"]),
    opt(F::Region, &["RegionId"]),
    req(F::ChargeType, &["ChargeCategory"]),
    opt(F::BillingEntity, &["PublisherName", "InvoiceIssuerName"]),
    opt(F::PricingUnit, &["ConsumedUnit", "PricingUnit"]),
    req(F::Currency, &["BillingCurrency"]),
    req(F::Unblended, &["BilledCost"]),
    req(F::Effective, &["EffectiveCost"]),
    opt(F::List, &["ListCost"]),
    opt(F::Usage, &["ConsumedQuantity"]),
    opt(F::Provider, &["ProviderName"]),
    opt(F::ServiceProvider, &["ServiceProviderName"]),
    opt(F::Description, &["ChargeDescription"]),
    opt(F::TagMap, &["Tags"]),
    opt(F::CategoryMap, &["x_CostCategories"]),
];

/// Where each field sits in one file (column index), and the file's column names.
#[derive(Debug, Clone)]
pub struct Layout {
    pub kind: Kind,
    /// `true` for a legacy CUR CSV (`lineItem/…` headers).
    pub legacy_headers: bool,
    cols: [Option<usize>; FIELDS],
    names: Vec<String>,
    /// The names as matched (legacy headers in CUR 2.0 form).
    matched: Vec<String>,
    /// Where this file holds each selected cost allocation key (see [`Layout::bind_keys`]).
    pub tags: Vec<TagSource>,
}

/// Where one file holds one selected cost allocation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagSource {
    /// A column of its own ([`TAG_COLUMNS`]), or the map column ([`F::TagMap`],
    /// [`F::CategoryMap`]); `None` when the file does not have it (its cost has no value).
    pub field: Option<F>,
    /// In a map column: the entry names that hold it, in order of preference.
    pub map_keys: Vec<String>,
}

/// Why a file's columns do not make an export we know.
#[derive(Debug)]
pub struct LayoutError(pub String);

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Layout {
    /// Recognizes the export from its column names and finds every field.
    pub fn resolve(raw_names: &[String]) -> Result<Self, LayoutError> {
        let clean = |n: &String| n.trim_start_matches('\u{feff}').trim().to_owned();
        let legacy_headers = raw_names.iter().any(|n| n.contains('/'));
        let names: Vec<String> =
            if legacy_headers { raw_names.iter().map(|n| snake_column(&clean(n))).collect() } else { raw_names.iter().map(clean).collect() };
        let has = |n: &str| names.iter().any(|c| c == n);
        let (kind, specs) = if has("line_item_unblended_cost") || has("line_item_line_item_type") {
            (Kind::Cur, CUR)
        } else if has("BilledCost") || has("ChargeCategory") {
            (Kind::Focus, FOCUS)
        } else {
            let shown: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
            return Err(LayoutError(format!(
                "not a CUR 2.0, legacy CUR or FOCUS export: it has none of the columns line_item_unblended_cost, lineItem/UnblendedCost or BilledCost (its columns: {}{})",
                shown.join(", "),
                if names.len() > 8 { ", …" } else { "" }
            )));
        };
        // A column we read that appears twice is ambiguous (which copy holds the cost?): refuse
        // the file rather than silently read the first copy.
        // The tag maps are read only for selected keys: `bind_keys` checks them then.
        for spec in specs.iter().filter(|s| !matches!(s.field, F::TagMap | F::CategoryMap)) {
            for want in spec.names {
                let at: Vec<usize> = names.iter().enumerate().filter(|(_, c)| c == want).map(|(i, _)| i).collect();
                if at.len() > 1 {
                    let shown: Vec<String> = at.iter().map(|&i| format!("{} (column {})", raw_names[i].trim_start_matches('\u{feff}').trim(), i + 1)).collect();
                    return Err(LayoutError(format!(
                        "column {want} appears {} times ({}); an export with a duplicated column is ambiguous and is refused",
                        at.len(),
                        shown.join(", ")
                    )));
                }
            }
        }
        let mut cols = [None; FIELDS];
        let mut missing = Vec::new();
        for spec in specs {
            let found = spec.names.iter().find_map(|want| names.iter().position(|c| c == want));
            match found {
                Some(i) => cols[spec.field as usize] = Some(i),
                None if spec.required => missing.push(spec.names.join(" or ")),
                None => {}
            }
        }
        if !missing.is_empty() {
            if legacy_headers {
                missing = missing.iter().map(|m| format!("{m} ({})", legacy_name(m.split(' ').next().unwrap_or_default()))).collect();
            }
            let what = if kind == Kind::Cur { "CUR" } else { "FOCUS" };
            return Err(LayoutError(format!("{what} export is missing required column {}", missing.join(", "))));
        }
        Ok(Self { kind, legacy_headers, cols, names: raw_names.to_vec(), matched: names, tags: Vec::new() })
    }

    /// Finds where this file holds each selected key: a column of its own (legacy CUR
    /// `resourceTags/user:<key>`, `costCategory/<name>`, or their Athena names
    /// `resource_tags_user_<key>`), else an entry of the tag or cost category map (CUR 2.0
    /// `resource_tags['user_<key>']`, `cost_category['<name>']`; FOCUS `Tags['<key>']`,
    /// `x_CostCategories['<name>']`). At most [`MAX_KEYS`] keys.
    pub fn bind_keys(&mut self, keys: &[SelectedKey]) -> Result<(), LayoutError> {
        self.tags.clear();
        for (slot, key) in keys.iter().take(MAX_KEYS).enumerate() {
            let own = TAG_COLUMNS[slot];
            self.cols[own as usize] = None;
            let columns = match (self.kind, key.kind) {
                (Kind::Cur, KeyKind::Tag) => vec![snake_column(&format!("resourceTags/user:{}", key.name))],
                (Kind::Cur, KeyKind::CostCategory) => vec![snake_column(&format!("costCategory/{}", key.name))],
                (Kind::Focus, _) => Vec::new(),
            };
            if let Some(i) = columns.iter().find_map(|want| self.matched.iter().position(|c| c == want)) {
                self.cols[own as usize] = Some(i);
                self.tags.push(TagSource { field: Some(own), map_keys: Vec::new() });
                continue;
            }
            let normalized = normalized_key(&key.name);
            let (map, map_keys) = match (self.kind, key.kind) {
                (Kind::Cur, KeyKind::Tag) => (F::TagMap, vec![format!("user_{}", key.name), format!("user_{normalized}"), format!("user:{}", key.name), key.name.clone()]),
                (Kind::Cur, KeyKind::CostCategory) => (F::CategoryMap, vec![key.name.clone(), normalized]),
                (Kind::Focus, KeyKind::Tag) => (F::TagMap, vec![key.name.clone(), format!("user:{}", key.name)]),
                (Kind::Focus, KeyKind::CostCategory) => (F::CategoryMap, vec![key.name.clone()]),
            };
            let mut map_keys = map_keys;
            map_keys.dedup();
            let field = self.col(map).is_some().then_some(map);
            self.tags.push(TagSource { field, map_keys: if field.is_some() { map_keys } else { Vec::new() } });
        }
        for f in [F::TagMap, F::CategoryMap].into_iter().filter(|f| self.reads(*f)) {
            let name = &self.matched[self.col(f).unwrap_or_default()];
            let times = self.matched.iter().filter(|c| *c == name).count();
            if times > 1 {
                return Err(LayoutError(format!(
                    "column {name} appears {times} times; it holds a selected cost allocation key, and an export with a duplicated column is ambiguous and is refused"
                )));
            }
        }
        Ok(())
    }

    /// The column index of a field, when the file has it.
    pub fn col(&self, f: F) -> Option<usize> {
        self.cols[f as usize]
    }

    /// The file's own name of a field's column, for messages.
    pub fn name(&self, f: F) -> &str {
        self.col(f).and_then(|i| self.names.get(i)).map_or("?", String::as_str)
    }

    /// Whether a field present in the file is read: the tag and cost category maps only when a
    /// selected key is in them.
    pub fn reads(&self, f: F) -> bool {
        !matches!(f, F::TagMap | F::CategoryMap) || self.tags.iter().any(|t| t.field == Some(f))
    }

    /// Indices of every column we read, sorted (the Parquet projection). The tag and cost
    /// category maps are read only when a selected key is in them.
    pub fn projection(&self) -> Vec<usize> {
        let mut v: Vec<usize> = ALL.iter().filter(|f| self.reads(**f)).filter_map(|f| self.col(*f)).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// A human name of the format, e.g. "CUR 2.0" or "legacy CUR".
    pub fn describe(&self) -> &'static str {
        match (self.kind, self.legacy_headers) {
            (Kind::Cur, true) => "legacy CUR",
            (Kind::Cur, false) => "CUR",
            (Kind::Focus, _) => "FOCUS",
        }
    }
}

/// The legacy CUR header of a CUR 2.0 column name, for messages: `line_item_usage_account_id` →
/// `lineItem/UsageAccountId`.
fn legacy_name(snake: &str) -> String {
    const GROUPS: [(&str, &str); 7] = [
        ("line_item_", "lineItem"),
        ("savings_plan_", "savingsPlan"),
        ("reservation_", "reservation"),
        ("identity_", "identity"),
        ("pricing_", "pricing"),
        ("product_", "product"),
        ("bill_", "bill"),
    ];
    let Some((prefix, group)) = GROUPS.iter().find(|(p, _)| snake.starts_with(p)) else { return snake.to_owned() };
    let rest: String = snake[prefix.len()..]
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect();
    format!("{group}/{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn recognizes_each_export() {
        let cur2 = names(&[
            "bill_billing_period_start_date",
            "line_item_usage_start_date",
            "line_item_usage_account_id",
            "line_item_product_code",
            "line_item_line_item_type",
            "line_item_currency_code",
            "line_item_unblended_cost",
            "bill_payer_account_id",
        ]);
        let l = Layout::resolve(&cur2).unwrap();
        assert_eq!((l.kind, l.describe()), (Kind::Cur, "CUR"));
        assert_eq!(l.col(F::Unblended), Some(6));
        assert_eq!(l.col(F::Payer), Some(7));
        assert_eq!(l.col(F::NetUnblended), None);

        let legacy = names(&[
            "bill/BillingPeriodStartDate",
            "lineItem/UsageStartDate",
            "lineItem/UsageAccountId",
            "lineItem/ProductCode",
            "lineItem/LineItemType",
            "lineItem/CurrencyCode",
            "lineItem/UnblendedCost",
            "product/region",
            "bill/PayerAccountId",
        ]);
        let l = Layout::resolve(&legacy).unwrap();
        assert_eq!(l.describe(), "legacy CUR");
        assert_eq!(l.col(F::Region), Some(7));
        assert_eq!(l.name(F::Unblended), "lineItem/UnblendedCost");
        assert_eq!(l.name(F::Payer), "bill/PayerAccountId");

        let focus = names(&["BillingPeriodStart", "ChargePeriodStart", "BillingAccountId", "ServiceName", "ChargeCategory", "BillingCurrency", "BilledCost", "EffectiveCost"]);
        let l = Layout::resolve(&focus).unwrap();
        assert_eq!((l.col(F::Payer), l.col(F::AccountFallback)), (Some(2), Some(2)), "FOCUS bills to BillingAccountId");
    }

    #[test]
    fn a_cur_without_its_payer_column_is_refused() {
        let e = Layout::resolve(&names(&[
            "bill/BillingPeriodStartDate",
            "lineItem/UsageStartDate",
            "lineItem/UsageAccountId",
            "lineItem/ProductCode",
            "lineItem/LineItemType",
            "lineItem/CurrencyCode",
            "lineItem/UnblendedCost",
        ]))
        .unwrap_err();
        assert!(e.0.contains("missing required column bill_payer_account_id (bill/PayerAccountId)"), "{e}");
    }

    #[test]
    fn a_duplicated_column_is_refused_naming_it() {
        let cur2 = [
            "bill_billing_period_start_date",
            "line_item_usage_start_date",
            "line_item_usage_account_id",
            "bill_payer_account_id",
            "line_item_product_code",
            "line_item_line_item_type",
            "line_item_currency_code",
            "line_item_unblended_cost",
        ];
        let mut twice = names(&cur2);
        twice.push("line_item_unblended_cost".to_owned());
        let e = Layout::resolve(&twice).unwrap_err();
        assert!(e.0.contains("column line_item_unblended_cost appears 2 times (line_item_unblended_cost (column 8), line_item_unblended_cost (column 9))"), "{e}");
        // Legacy headers that become the same CUR 2.0 name are the same column too.
        let legacy = names(&[
            "bill/BillingPeriodStartDate",
            "lineItem/UsageStartDate",
            "lineItem/UsageAccountId",
            "bill/PayerAccountId",
            "lineItem/ProductCode",
            "lineItem/LineItemType",
            "lineItem/CurrencyCode",
            "lineItem/UnblendedCost",
            "lineItem/unblendedCost",
        ]);
        let e = Layout::resolve(&legacy).unwrap_err();
        assert!(e.0.contains("column line_item_unblended_cost appears 2 times (lineItem/UnblendedCost (column 8), lineItem/unblendedCost (column 9))"), "{e}");
        // A duplicate of a column we do not read is harmless.
        let mut other = names(&cur2);
        other.extend(names(&["resource_tags", "resource_tags"]));
        assert!(Layout::resolve(&other).is_ok());
        // Unless a selected key is read from it.
        let mut l = Layout::resolve(&other).unwrap();
        let e = l.bind_keys(&[SelectedKey { kind: KeyKind::Tag, name: "team".into() }]).unwrap_err();
        assert!(e.0.contains("column resource_tags appears 2 times"), "{e}");
    }

    #[test]
    fn names_the_missing_column() {
        let e = Layout::resolve(&names(&["lineItem/UnblendedCost", "lineItem/LineItemType"])).unwrap_err();
        assert!(e.0.contains("missing required column bill_billing_period_start_date (bill/BillingPeriodStartDate)"), "{e}");
        let e = Layout::resolve(&names(&["a", "b"])).unwrap_err();
        assert!(e.0.contains("not a CUR 2.0, legacy CUR or FOCUS export"), "{e}");
    }
}
