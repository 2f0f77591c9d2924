//! The pro-forma engine: pure arithmetic over day-grain cost rows, a pricing plan and custom
//! line items. No database, no rounding (amounts stay exact `Decimal`s until presentation).
//! `docs/billing.md` states these rules in words, with a worked example.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use uuid::Uuid;

/// The price a plan starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Base {
    /// Public on-demand price (AWS Billing Conductor's behaviour); the default.
    List,
    Unblended,
    NetUnblended,
    Amortized,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum RuleScope {
    Global,
    BillingEntity,
    Service,
    Sku,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuleType {
    Markup,
    Discount,
    Tiering,
}

/// A pricing rule as the engine needs it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Rule {
    pub scope: RuleScope,
    pub rule_type: RuleType,
    /// Percent, ≥ 0 (5 means 5 %).
    pub modifier: Decimal,
    pub service: Option<String>,
    pub billing_entity: Option<String>,
    pub usage_type: Option<String>,
    pub operation: Option<String>,
    /// TIERING only: whether the AWS free tier applies.
    pub free_tier: bool,
}

/// A pricing plan as the engine needs it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Plan {
    pub base: Base,
    pub pass_tax: bool,
    pub pass_credits: bool,
    pub pass_refunds: bool,
    pub pass_partner_discounts: bool,
    pub rules: Vec<Rule>,
}

/// Which of a row's amounts are zero. The rules look at that, so a sum of rows is priced as the
/// rows it sums only when they agree on it: the pricing rollup keeps rows apart by it, and a sum
/// carries its rows' flags, not its own (`+5` and `-5` sum to zero, yet neither row was zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZeroAmounts {
    pub list: bool,
    pub unblended: bool,
    pub net_unblended: bool,
    pub amortized: bool,
}

impl ZeroAmounts {
    /// The flags of one row from its own amounts.
    pub fn of(unblended: Decimal, net_unblended: Decimal, amortized: Decimal, list: Decimal) -> Self {
        Self { list: list.is_zero(), unblended: unblended.is_zero(), net_unblended: net_unblended.is_zero(), amortized: amortized.is_zero() }
    }
}

/// One row to price: a day-grain row, or a month's sum of rows that price alike (already
/// narrowed to the group's accounts, the period and one source).
#[derive(Debug, Clone)]
pub struct CostRow {
    pub account_id: String,
    pub service_code: String,
    pub usage_type: String,
    pub operation: String,
    pub charge_type: String,
    pub billing_entity: String,
    pub unblended: Decimal,
    pub net_unblended: Decimal,
    pub amortized: Decimal,
    pub list: Decimal,
    pub zero: ZeroAmounts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ItemCharge {
    Fee,
    Credit,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum ItemAmount {
    /// An amount per period.
    Flat(Decimal),
    /// Percent of the group's pro-forma charge (`of_items` empty) or of the listed flat items.
    Percentage { percent: Decimal, of_items: Vec<Uuid> },
}

/// A custom line item active in the period.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Item {
    pub id: Uuid,
    pub name: String,
    pub charge: ItemCharge,
    pub amount: ItemAmount,
    pub linked_account: Option<String>,
    pub exclude_savings_plan_negation: bool,
}

/// How a charge type is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Priced from the plan's base, then the matching rule.
    Priced,
    /// A Savings Plan / Reserved Instance commitment line: priced from the base, except under
    /// LIST, where the covered usage is already charged at public on-demand.
    Commitment,
    Tax,
    Credit,
    Refund,
    PartnerDiscount,
}

/// The treatment of a CUR line item type, FOCUS charge category or Cost Explorer record type.
pub fn treatment(charge_type: &str) -> Treatment {
    match charge_type {
        "SavingsPlanNegation" | "SavingsPlanRecurringFee" | "SavingsPlanUpfrontFee" | "RIFee" => Treatment::Commitment,
        "Tax" => Treatment::Tax,
        "Credit" => Treatment::Credit,
        "Refund" | "Adjustment" => Treatment::Refund,
        "EdpDiscount" | "PrivateRateDiscount" | "SppDiscount" | "DistributorDiscount" | "BundledDiscount" | "RiVolumeDiscount"
        | "TotalVolumeDiscount" | "Discount" => Treatment::PartnerDiscount,
        _ => Treatment::Priced,
    }
}

/// Whether a row is a Reserved Instance upfront fee (a `Fee` line for a purchase).
fn is_ri_upfront(row: &CostRow) -> bool {
    row.charge_type == "Fee" && row.usage_type.contains("HeavyUsage")
}

impl Plan {
    /// The most specific MARKUP / DISCOUNT rule matching a row: SKU, SERVICE, BILLING_ENTITY, GLOBAL.
    pub fn matching_rule(&self, row: &CostRow) -> Option<&Rule> {
        let eq = |a: &Option<String>, b: &str| a.as_deref() == Some(b);
        self.rules
            .iter()
            .filter(|r| r.rule_type != RuleType::Tiering)
            .filter(|r| match r.scope {
                RuleScope::Global => true,
                RuleScope::BillingEntity => eq(&r.billing_entity, &row.billing_entity),
                RuleScope::Service => eq(&r.service, &row.service_code),
                RuleScope::Sku => eq(&r.service, &row.service_code) && eq(&r.usage_type, &row.usage_type) && eq(&r.operation, &row.operation),
            })
            .max_by_key(|r| r.scope)
    }

    fn free_tier(&self) -> bool {
        self.rules.iter().find(|r| r.rule_type == RuleType::Tiering).is_none_or(|r| r.free_tier)
    }

    /// The base price of a priced row, before any rule.
    fn base_price(&self, row: &CostRow, treatment: Treatment) -> Decimal {
        let z = row.zero;
        let (price, zero) = match self.base {
            Base::List if treatment == Treatment::Commitment || is_ri_upfront(row) => (Decimal::ZERO, true),
            // Rows without a public price (Marketplace, Support, fees) are charged as billed.
            Base::List if z.list => (row.unblended, z.unblended),
            Base::List => (row.list, false),
            Base::Unblended => (row.unblended, z.unblended),
            Base::NetUnblended => (row.net_unblended, z.net_unblended),
            Base::Amortized => (row.amortized, z.amortized),
        };
        // Free tier off: usage AWS gave for free is charged at its public price.
        if !self.free_tier() && row.charge_type == "Usage" && zero && !z.list {
            return row.list;
        }
        price
    }

    /// What the customer is charged for one row.
    pub fn price(&self, row: &CostRow) -> Decimal {
        let t = treatment(&row.charge_type);
        let passed = |on: bool| if on { row.unblended } else { Decimal::ZERO };
        match t {
            Treatment::Tax => passed(self.pass_tax),
            Treatment::Credit => passed(self.pass_credits),
            Treatment::Refund => passed(self.pass_refunds),
            Treatment::PartnerDiscount => passed(self.pass_partner_discounts),
            Treatment::Priced | Treatment::Commitment => {
                let base = self.base_price(row, t);
                match self.matching_rule(row) {
                    Some(r) if r.rule_type == RuleType::Markup => base + base * r.modifier / Decimal::ONE_HUNDRED,
                    Some(r) if r.rule_type == RuleType::Discount => base - base * r.modifier / Decimal::ONE_HUNDRED,
                    _ => base,
                }
            }
        }
    }
}

/// AWS cost and pro-forma charge of one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amounts {
    pub aws_cost: Decimal,
    pub proforma: Decimal,
}

impl Amounts {
    pub fn margin(&self) -> Decimal {
        self.proforma - self.aws_cost
    }

    /// margin ÷ pro-forma × 100; `None` when the pro-forma charge is zero.
    pub fn margin_percentage(&self) -> Option<Decimal> {
        (!self.proforma.is_zero()).then(|| self.margin() / self.proforma * Decimal::ONE_HUNDRED)
    }

    pub fn add(&mut self, other: Amounts) {
        self.aws_cost += other.aws_cost;
        self.proforma += other.proforma;
    }
}

/// One custom line item as applied: its signed amount (credits negative).
#[derive(Debug, Clone)]
pub struct AppliedItem {
    pub id: Uuid,
    pub name: String,
    pub charge: ItemCharge,
    /// The account it is booked on: its linked account, else the group's primary account.
    pub account_id: String,
    pub amount: Decimal,
}

/// A group's numbers for one period.
#[derive(Debug, Clone, Default)]
pub struct Computation {
    pub total: Amounts,
    /// AWS rows only (custom line items are in `items`).
    pub by_service: BTreeMap<String, Amounts>,
    /// AWS rows plus custom line items booked on the account.
    pub by_account: BTreeMap<String, Amounts>,
    pub items: Vec<AppliedItem>,
}

/// Prices a group's rows for one period and applies its custom line items.
pub fn compute(plan: &Plan, rows: &[CostRow], items: &[Item], primary_account: &str) -> Computation {
    let mut out = Computation::default();
    // Percentage bases: the whole group, and per account, with and without SP negation lines.
    let mut base_all: BTreeMap<Option<&str>, (Decimal, Decimal)> = BTreeMap::new();
    for row in rows {
        let a = Amounts { aws_cost: row.net_unblended, proforma: plan.price(row) };
        out.total.add(a);
        out.by_service.entry(row.service_code.clone()).or_default().add(a);
        out.by_account.entry(row.account_id.clone()).or_default().add(a);
        let negation = if row.charge_type == "SavingsPlanNegation" { a.proforma } else { Decimal::ZERO };
        for key in [None, Some(row.account_id.as_str())] {
            let e = base_all.entry(key).or_default();
            e.0 += a.proforma;
            e.1 += negation;
        }
    }
    let signed = |charge: ItemCharge, v: Decimal| if charge == ItemCharge::Credit { -v } else { v };
    let mut flat: BTreeMap<Uuid, Decimal> = BTreeMap::new();
    let mut applied = Vec::with_capacity(items.len());
    for item in items.iter().filter(|i| matches!(i.amount, ItemAmount::Flat(_))) {
        if let ItemAmount::Flat(v) = item.amount {
            flat.insert(item.id, signed(item.charge, v));
            applied.push((item, signed(item.charge, v)));
        }
    }
    for item in items {
        if let ItemAmount::Percentage { percent, of_items } = &item.amount {
            let base = if of_items.is_empty() {
                let (all, negation) = base_all.get(&item.linked_account.as_deref()).copied().unwrap_or_default();
                if item.exclude_savings_plan_negation { all - negation } else { all }
            } else {
                of_items.iter().filter_map(|id| flat.get(id)).copied().sum()
            };
            applied.push((item, signed(item.charge, base * *percent / Decimal::ONE_HUNDRED)));
        }
    }
    for (item, amount) in applied {
        let account_id = item.linked_account.clone().unwrap_or_else(|| primary_account.to_owned());
        let a = Amounts { aws_cost: Decimal::ZERO, proforma: amount };
        out.total.add(a);
        out.by_account.entry(account_id.clone()).or_default().add(a);
        out.items.push(AppliedItem { id: item.id, name: item.name.clone(), charge: item.charge, account_id, amount });
    }
    out
}

/// A tier above a reseller's group: its plan, and the accounts it bills. The reseller's rows are
/// the tier above's rows at that tier's price.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Upstream {
    pub plan: Plan,
    pub members: Vec<String>,
}

/// A row as the tier below sees it: each tier above (top first) prices it, and what the last
/// one charges becomes every amount of the row. The tier below's cost of a row is the tier
/// above's charge for it.
pub fn restated(row: &CostRow, upstream: &[Upstream]) -> CostRow {
    let mut out = row.clone();
    for tier in upstream {
        let price = tier.plan.price(&out);
        (out.unblended, out.net_unblended, out.amortized, out.list) = (price, price, price, price);
        out.zero = ZeroAmounts::of(price, price, price, price);
    }
    out
}

/// The plan a reseller's group prices restated rows with: its rules and pass-through switches
/// on the tier above's price. Its base does not apply (a restated row has one amount), and
/// commitments are charged as the tier above charged them, not dropped as a LIST base would.
pub fn stacked_plan(plan: &Plan, upstream: &[Upstream]) -> Plan {
    if upstream.is_empty() {
        return plan.clone();
    }
    Plan { base: Base::Unblended, ..plan.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn row(account: &str, service: &str, charge: &str, unblended: &str, list: &str) -> CostRow {
        CostRow {
            account_id: account.into(),
            service_code: service.into(),
            usage_type: format!("{service}-usage"),
            operation: "Op".into(),
            charge_type: charge.into(),
            billing_entity: "AWS".into(),
            unblended: d(unblended),
            net_unblended: d(unblended),
            amortized: d(unblended),
            list: d(list),
            zero: ZeroAmounts::of(d(unblended), d(unblended), d(unblended), d(list)),
        }
    }

    fn rule(scope: RuleScope, rule_type: RuleType, modifier: &str) -> Rule {
        Rule { scope, rule_type, modifier: d(modifier), service: None, billing_entity: None, usage_type: None, operation: None, free_tier: true }
    }

    fn plan(base: Base, rules: Vec<Rule>) -> Plan {
        Plan { base, pass_tax: false, pass_credits: false, pass_refunds: false, pass_partner_discounts: false, rules }
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let mut service = rule(RuleScope::Service, RuleType::Markup, "10");
        service.service = Some("AmazonEC2".into());
        let mut sku = rule(RuleScope::Sku, RuleType::Discount, "20");
        (sku.service, sku.usage_type, sku.operation) = (Some("AmazonEC2".into()), Some("AmazonEC2-usage".into()), Some("Op".into()));
        let mut entity = rule(RuleScope::BillingEntity, RuleType::Markup, "1");
        entity.billing_entity = Some("AWS".into());
        let p = plan(Base::Unblended, vec![rule(RuleScope::Global, RuleType::Discount, "5"), sku, service, entity]);
        // SKU beats SERVICE.
        assert_eq!(p.price(&row("1", "AmazonEC2", "Usage", "100", "0")), d("80"));
        // SERVICE beats BILLING_ENTITY, which beats GLOBAL.
        let mut other_sku = row("1", "AmazonEC2", "Usage", "100", "0");
        other_sku.operation = "Other".into();
        assert_eq!(p.price(&other_sku), d("110"));
        assert_eq!(p.price(&row("1", "AmazonS3", "Usage", "100", "0")), d("101"));
        let mut marketplace = row("1", "SomeProduct", "Usage", "100", "0");
        marketplace.billing_entity = "AWS Marketplace".into();
        assert_eq!(p.price(&marketplace), d("95"));
    }

    #[test]
    fn bases_and_commitment_lines() {
        let list = plan(Base::List, vec![]);
        assert_eq!(list.price(&row("1", "AmazonEC2", "Usage", "8", "10")), d("10"));
        assert_eq!(list.price(&row("1", "AmazonEC2", "DiscountedUsage", "0", "10")), d("10"));
        assert_eq!(list.price(&row("1", "AmazonEC2", "SavingsPlanNegation", "-7", "0")), d("0"));
        assert_eq!(list.price(&row("1", "AmazonEC2", "SavingsPlanRecurringFee", "5", "0")), d("0"));
        assert_eq!(list.price(&row("1", "AWSSupportBusiness", "Usage", "29", "0")), d("29"), "no public price: as billed");
        let unblended = plan(Base::Unblended, vec![]);
        assert_eq!(unblended.price(&row("1", "AmazonEC2", "SavingsPlanNegation", "-7", "0")), d("-7"));
        let mut amortized_row = row("1", "AmazonEC2", "SavingsPlanCoveredUsage", "10", "10");
        amortized_row.amortized = d("6.5");
        assert_eq!(plan(Base::Amortized, vec![]).price(&amortized_row), d("6.5"));
    }

    #[test]
    fn a_sum_is_priced_as_the_rows_it_sums() {
        let mut tiering = rule(RuleScope::Global, RuleType::Tiering, "0");
        tiering.free_tier = false;
        let p = plan(Base::Unblended, vec![tiering]);
        let (a, b) = (row("1", "AmazonEC2", "Usage", "5", "10"), row("1", "AmazonEC2", "Usage", "-5", "10"));
        let each = p.price(&a) + p.price(&b);
        // The rollup's sum: amounts added, the rows' zero flags kept (neither was zero).
        let mut sum = a.clone();
        (sum.unblended, sum.net_unblended, sum.amortized, sum.list) = (d("0"), d("0"), d("0"), d("20"));
        assert_eq!(each, d("0"));
        assert_eq!(p.price(&sum), each, "not charged at list as if it were free-tier usage");
        // A row that was itself free is charged at its public price with the free tier off.
        assert_eq!(p.price(&row("1", "AmazonEC2", "Usage", "0", "10")), d("10"));
    }

    #[test]
    fn pass_through_switches() {
        let mut p = plan(Base::Unblended, vec![rule(RuleScope::Global, RuleType::Markup, "50")]);
        let tax = row("1", "AmazonEC2", "Tax", "3", "0");
        let credit = row("1", "AmazonEC2", "Credit", "-4", "0");
        let edp = row("1", "AmazonEC2", "EdpDiscount", "-2", "0");
        assert_eq!((p.price(&tax), p.price(&credit), p.price(&edp)), (d("0"), d("0"), d("0")));
        (p.pass_tax, p.pass_credits, p.pass_partner_discounts) = (true, true, true);
        // Passed through as billed: rules do not apply to them.
        assert_eq!((p.price(&tax), p.price(&credit), p.price(&edp)), (d("3"), d("-4"), d("-2")));
    }

    #[test]
    fn free_tier_off_charges_free_usage_at_list() {
        let mut tiering = rule(RuleScope::Global, RuleType::Tiering, "0");
        tiering.free_tier = false;
        let free = row("1", "AWSLambda", "Usage", "0", "0.20");
        assert_eq!(plan(Base::Unblended, vec![]).price(&free), d("0"));
        assert_eq!(plan(Base::Unblended, vec![tiering]).price(&free), d("0.20"));
    }

    #[test]
    fn custom_line_items_and_margin() {
        let p = plan(Base::Unblended, vec![rule(RuleScope::Global, RuleType::Markup, "10")]);
        let rows = vec![row("111111111111", "AmazonEC2", "Usage", "100", "0"), row("222222222222", "AmazonS3", "SavingsPlanNegation", "-20", "0")];
        let fee = Uuid::now_v7();
        let items = vec![
            Item { id: fee, name: "support".into(), charge: ItemCharge::Fee, amount: ItemAmount::Flat(d("12.34")), linked_account: None, exclude_savings_plan_negation: false },
            Item {
                id: Uuid::now_v7(),
                name: "loyalty".into(),
                charge: ItemCharge::Credit,
                amount: ItemAmount::Percentage { percent: d("10"), of_items: vec![] },
                linked_account: None,
                exclude_savings_plan_negation: true,
            },
            Item {
                id: Uuid::now_v7(),
                name: "fee on fee".into(),
                charge: ItemCharge::Fee,
                amount: ItemAmount::Percentage { percent: d("50"), of_items: vec![fee] },
                linked_account: Some("222222222222".into()),
                exclude_savings_plan_negation: false,
            },
        ];
        let c = compute(&p, &rows, &items, "111111111111");
        // Rows: 110 + (−22) = 88. Fee 12.34; credit 10 % of 110 (negation left out) = −11;
        // 50 % of the fee = 6.17.
        assert_eq!(c.total.proforma, d("95.51"));
        assert_eq!(c.total.aws_cost, d("80"));
        assert_eq!(c.total.margin(), d("15.51"));
        assert_eq!(c.by_account["111111111111"].proforma, d("111.34"));
        assert_eq!(c.by_account["222222222222"].proforma, d("-15.83"));
        assert_eq!(c.items.iter().map(|i| i.amount).collect::<Vec<_>>(), vec![d("12.34"), d("-11"), d("6.17")]);
        assert_eq!(Amounts::default().margin_percentage(), None);
        assert_eq!(Amounts { aws_cost: d("80"), proforma: d("100") }.margin_percentage(), Some(d("20")));
    }

    #[test]
    fn a_reseller_prices_on_top_of_the_tier_above() {
        // The distributor charges list + 10 %; the reseller adds 20 % on that, passes tax on.
        let distributor = plan(Base::List, vec![rule(RuleScope::Global, RuleType::Markup, "10")]);
        let mut reseller = plan(Base::List, vec![rule(RuleScope::Global, RuleType::Markup, "20")]);
        reseller.pass_tax = true;
        let above = vec![Upstream { plan: Plan { pass_tax: true, ..distributor.clone() }, members: vec!["111111111111".into()] }];
        let usage = row("111111111111", "AmazonEC2", "Usage", "90", "100");
        let cost = restated(&usage, &above);
        assert_eq!((cost.list, cost.unblended, cost.net_unblended), (d("110"), d("110"), d("110")), "the reseller's cost is the distributor's price");
        let stacked = stacked_plan(&reseller, &above);
        assert_eq!(stacked.price(&cost), d("132"), "110 + 20 %");
        // A tax row passes through both tiers as it is.
        assert_eq!(stacked.price(&restated(&row("111111111111", "AmazonEC2", "Tax", "7", "0"), &above)), d("7"));
        // A commitment fee the tier above charges (UNBLENDED base) stays charged below, though the
        // reseller's own plan says LIST, which would drop it.
        let fee = CostRow { usage_type: "HeavyUsage:m5".into(), ..row("111111111111", "AmazonEC2", "Fee", "50", "0") };
        let unblended_above = vec![Upstream { plan: plan(Base::Unblended, vec![]), members: vec![] }];
        assert_eq!(stacked_plan(&reseller, &unblended_above).price(&restated(&fee, &unblended_above)), d("60"));
        assert_eq!(reseller.price(&fee), d("0"), "without stacking the LIST base drops it");
        // A pass-through plan charges exactly the tier above's price.
        assert_eq!(stacked_plan(&plan(Base::List, vec![]), &above).price(&cost), d("110"));
        // Without tiers above nothing changes.
        assert_eq!(restated(&usage, &[]).list, d("100"));
        assert_eq!(stacked_plan(&reseller, &[]), reseller);
    }
}
