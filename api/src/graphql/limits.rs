//! What one GraphQL request may ask for, checked before anything runs, and the bounds on what it
//! may hold while it runs.
//!
//! Before execution (the parsed document, fragments expanded, then async-graphql's validation):
//! - every string argument, inline or in variables, at any depth, must be text the databases can
//!   store (no NUL): VALIDATION naming the argument;
//! - at most [`MAX_ROOT_FIELDS`] root fields, [`MAX_ALIASES`] aliases and [`MAX_SELECTIONS`]
//!   field selections;
//! - at most [`MAX_HEAVY`] heavy field (exports, reports, AWS calls, credential mutations: the
//!   one list is [`HEAVY`]);
//! - depth at most [`MAX_DEPTH`]; introspection (when on) may go to [`MAX_INTROSPECTION_DEPTH`],
//!   with the type lists nested fewer than [`MAX_INTROSPECTION_LISTS`] times (graphql-js's
//!   `MaxIntrospectionDepthRule`), so the standard introspection query passes and its
//!   exponential variants do not;
//! - the query's cost (async-graphql complexity: every field costs 1 plus its children, lists
//!   their page size times their children, heavy fields [`Heavy::cost`]) at most [`MAX_COST`].
//!
//! While running: a heavy field runs at most [`MAX_HEAVY_EXECUTIONS`] times per request (a heavy
//! field inside a list), [`HEAVY_CONCURRENCY`] at a time; the request's database statements go
//! through a per-request semaphore (see [`crate::db::Db::with_request_share`]).
//!
//! Every refusal carries `extensions.code` and `extensions.limit` (which limit), and a message
//! that names the limit and its value.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest, NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::IntrospectionMode;
use async_graphql::{Name, Pos, Positioned, Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables};

use crate::error::ErrorCode;

/// Deepest field nesting of an ordinary query.
pub const MAX_DEPTH: usize = 10;
/// Deepest nesting inside `__schema` / `__type` when introspection is on (the standard
/// introspection query of graphql-js 16 and graphql-core needs 13).
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
/// `fields`, `interfaces`, `possibleTypes` and `inputFields` nested this many times inside
/// introspection are refused (as graphql-js's `MaxIntrospectionDepthRule` does).
pub const MAX_INTROSPECTION_LISTS: usize = 3;
/// Largest cost (complexity) of one request.
pub const MAX_COST: usize = 5000;
/// Root fields of one operation (`__typename` not counted).
pub const MAX_ROOT_FIELDS: usize = 20;
/// Aliased fields of one operation, fragments expanded.
pub const MAX_ALIASES: usize = 20;
/// Field selections of one operation, fragments expanded (stops fragment fan-out bombs).
pub const MAX_SELECTIONS: usize = 1500;
/// Heavy fields of one operation.
pub const MAX_HEAVY: usize = 1;
/// Times a heavy field may run in one request (a heavy field inside a list runs once per item).
pub const MAX_HEAVY_EXECUTIONS: usize = 100;
/// Runs of a heavy field at the same time within one request.
pub const HEAVY_CONCURRENCY: usize = 4;

/// The kinds of work that make a field heavy, each with its cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heavy {
    /// Builds a bulk download in memory.
    Export,
    /// Computes over a period's cost data.
    Report,
    /// Calls AWS while the request waits.
    Aws,
    /// Starts a background job that calls AWS.
    AwsJob,
    /// Hashes a password or creates a credential (session, token, set-password link).
    Credential,
}

impl Heavy {
    /// The field's cost, on top of its children's.
    pub const fn cost(self) -> usize {
        match self {
            Self::Export => 1000,
            Self::Report => 250,
            Self::Aws => 100,
            Self::AwsJob => 100,
            Self::Credential => 250,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::Report => "report",
            Self::Aws => "AWS call",
            Self::AwsJob => "AWS job",
            Self::Credential => "credential",
        }
    }
}

/// The heavy fields: `(type, field, kind)`. The one list; each field's resolver also carries
/// `complexity = "Heavy::<kind>.cost() + child_complexity"` (a test checks both agree).
pub const HEAVY: &[(&str, &str, Heavy)] = &[
    // Exports and reports.
    ("Query", "exportAuditEvents", Heavy::Export),
    ("Query", "focusExport", Heavy::Export),
    ("Query", "accountMonthlyBill", Heavy::Report),
    ("Query", "billingGroupCostReports", Heavy::Report),
    ("Query", "billingGroupCostReport", Heavy::Report),
    ("Query", "myCharges", Heavy::Report),
    ("Query", "costSummary", Heavy::Report),
    ("Query", "monthOverMonth", Heavy::Report),
    ("Query", "costForecast", Heavy::Report),
    ("Mutation", "recomputeBilling", Heavy::Report),
    // Reads that call AWS.
    ("Query", "invitations", Heavy::Aws),
    ("Query", "policiesForTarget", Heavy::Aws),
    ("Policy", "document", Heavy::Aws),
    ("Query", "billingTransferPreference", Heavy::Aws),
    // Changes that call AWS.
    ("Mutation", "checkPayerConnection", Heavy::Aws),
    ("Mutation", "inviteAccount", Heavy::Aws),
    ("Mutation", "cancelInvitation", Heavy::Aws),
    ("Mutation", "inviteOrganizationToTransferBilling", Heavy::Aws),
    ("Mutation", "withdrawBillingTransfer", Heavy::Aws),
    ("Mutation", "endBillingTransfer", Heavy::Aws),
    ("Mutation", "createTransferBillingGroup", Heavy::Aws),
    ("Mutation", "setBillingTransferPreference", Heavy::Aws),
    ("Mutation", "closeLinkedAccount", Heavy::Aws),
    ("Mutation", "removeLinkedAccount", Heavy::Aws),
    ("Mutation", "moveLinkedAccount", Heavy::Aws),
    ("Mutation", "createPolicyFromTemplate", Heavy::Aws),
    ("Mutation", "createPolicy", Heavy::Aws),
    ("Mutation", "updatePolicy", Heavy::Aws),
    ("Mutation", "deletePolicy", Heavy::Aws),
    ("Mutation", "attachPolicy", Heavy::Aws),
    ("Mutation", "detachPolicy", Heavy::Aws),
    ("Mutation", "importBillingConductor", Heavy::Aws),
    ("Mutation", "validateCostExports", Heavy::Aws),
    ("Mutation", "refreshOnboarding", Heavy::Aws),
    // Changes that start AWS work as a job.
    ("Mutation", "syncAccounts", Heavy::AwsJob),
    ("Mutation", "createLinkedAccount", Heavy::AwsJob),
    ("Mutation", "ingestCosts", Heavy::AwsJob),
    ("Mutation", "backfillCosts", Heavy::AwsJob),
    ("Mutation", "importLegacyDynamoDb", Heavy::AwsJob),
    ("Mutation", "setPayerBillingMode", Heavy::AwsJob),
    // Credentials.
    ("Mutation", "login", Heavy::Credential),
    ("Mutation", "refreshSession", Heavy::Credential),
    ("Mutation", "setPassword", Heavy::Credential),
    ("Mutation", "changePassword", Heavy::Credential),
    ("Mutation", "bootstrapAdmin", Heavy::Credential),
    ("Mutation", "createApiToken", Heavy::Credential),
    ("Mutation", "createUser", Heavy::Credential),
    ("Mutation", "resendInvitation", Heavy::Credential),
];

static HEAVY_SET: LazyLock<HashSet<(&'static str, &'static str)>> = LazyLock::new(|| HEAVY.iter().map(|(t, f, _)| (*t, *f)).collect());

/// Whether `type.field` is heavy.
pub fn is_heavy(parent_type: &str, field: &str) -> bool {
    HEAVY_SET.contains(&(parent_type, field))
}

/// The assumed length of a list without pagination, for its cost.
pub const ASSUMED_LIST_LEN: usize = 20;

/// A connection costs its page size times what each node costs.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let page = first.map_or(crate::domain::Page::DEFAULT, |f| u64::try_from(f.clamp(1, 100)).unwrap_or(1));
    1 + usize::try_from(page).unwrap_or(1).saturating_mul(child_complexity)
}

/// A list without pagination costs [`ASSUMED_LIST_LEN`] times what each item costs.
pub fn list_cost(child_complexity: usize) -> usize {
    1 + ASSUMED_LIST_LEN.saturating_mul(child_complexity)
}

/// Which limit refused a request, in `extensions.limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    Text,
    RootFields,
    Aliases,
    Selections,
    HeavyOperations,
    HeavyExecutions,
    Depth,
    IntrospectionDepth,
    Cost,
    Rate,
}

impl Limit {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "TEXT",
            Self::RootFields => "ROOT_FIELDS",
            Self::Aliases => "ALIASES",
            Self::Selections => "SELECTIONS",
            Self::HeavyOperations => "HEAVY_OPERATIONS",
            Self::HeavyExecutions => "HEAVY_EXECUTIONS",
            Self::Depth => "DEPTH",
            Self::IntrospectionDepth => "INTROSPECTION_DEPTH",
            Self::Cost => "COST",
            Self::Rate => "RATE",
        }
    }
}

/// A refusal: `code`, `limit`, and `field` when one argument is at fault.
pub fn refusal(code: ErrorCode, limit: Limit, message: impl Into<String>, pos: Option<Pos>, field: Option<&str>) -> ServerError {
    let mut err = ServerError::new(message, pos);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", code.as_str());
    ext.set("limit", limit.as_str());
    if let Some(field) = field {
        ext.set("field", field);
    }
    err.extensions = Some(ext);
    err
}

/// Registers the request guard on the schema.
pub struct RequestGuard;

impl ExtensionFactory for RequestGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Guard { operation_name: Mutex::new(None), heavy_selected: AtomicUsize::new(0), heavy_runs: AtomicUsize::new(0), heavy_slots: tokio::sync::Semaphore::new(HEAVY_CONCURRENCY) })
    }
}

/// One request's guard (the factory makes one per request).
struct Guard {
    operation_name: Mutex<Option<String>>,
    /// Heavy selections found in the operation.
    heavy_selected: AtomicUsize,
    heavy_runs: AtomicUsize,
    heavy_slots: tokio::sync::Semaphore,
}

/// The first string in `value` (at any depth) that the databases cannot store, as its path below
/// the argument.
fn bad_text(value: &Value, path: &mut Vec<String>) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().enumerate().any(|(i, v)| {
            path.push(i.to_string());
            let bad = bad_text(v, path);
            if !bad {
                path.pop();
            }
            bad
        }),
        Value::Object(map) => map.iter().any(|(k, v)| {
            path.push(k.to_string());
            let bad = k.contains('\0') || bad_text(v, path);
            if !bad {
                path.pop();
            }
            bad
        }),
        _ => false,
    }
}

fn text_refusal(field: &str, of: Option<&str>, pos: Option<Pos>) -> ServerError {
    let of = of.map(|f| format!(" (argument of {f})")).unwrap_or_default();
    let message = format!("{field}: contains a NUL character (\\u0000), which cannot be stored; remove it{of}");
    refusal(ErrorCode::Validation, Limit::Text, message, pos, Some(field))
}

/// Every argument of every field (operations and fragments), variables substituted, then every
/// variable: no NUL anywhere.
fn check_text(doc: &ExecutableDocument, variables: &Variables) -> ServerResult<()> {
    fn in_set(set: &SelectionSet, variables: &Variables) -> ServerResult<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        let value = value.node.clone().into_const_with(|var| Ok::<_, std::convert::Infallible>(variables.get(&var).cloned().unwrap_or(Value::Null)));
                        let Ok(value) = value;
                        let mut path = vec![name.node.to_string()];
                        if bad_text(&value, &mut path) {
                            // `email`, `input.accountIds.1`: the argument, then where inside it.
                            return Err(text_refusal(&path.join("."), Some(field.node.name.node.as_str()), Some(name.pos)));
                        }
                    }
                    in_set(&field.node.selection_set.node, variables)?;
                }
                Selection::InlineFragment(f) => in_set(&f.node.selection_set.node, variables)?,
                Selection::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }
    for (_, op) in doc.operations.iter() {
        in_set(&op.node.selection_set.node, variables)?;
    }
    for fragment in doc.fragments.values() {
        in_set(&fragment.node.selection_set.node, variables)?;
    }
    for (name, value) in variables.iter() {
        let mut path = vec![name.to_string()];
        if bad_text(value, &mut path) {
            return Err(text_refusal(&format!("${}", path.join(".")), None, None));
        }
    }
    Ok(())
}

/// What the walk over the chosen operation counted.
#[derive(Default)]
struct Counts {
    root_fields: usize,
    aliases: usize,
    selections: usize,
    heavy: Vec<String>,
}

struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    introspection: bool,
    counts: Counts,
    fragments: Vec<&'a str>,
}

#[derive(Clone, Copy)]
struct At {
    depth: usize,
    introspection: bool,
    introspection_lists: usize,
    /// Below a heavy field: a heavy field here belongs to that operation (e.g. the `document` of
    /// the policy `createPolicy` returns) and is not counted again; it still runs at most
    /// [`MAX_HEAVY_EXECUTIONS`] times.
    in_heavy: bool,
}

impl<'a> Walk<'a> {
    fn field_type(&self, parent: Option<&str>, field: &str) -> Option<&'a str> {
        let ty = self.registry.types.get(parent?)?;
        let fields = match ty {
            MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => fields,
            _ => return None,
        };
        Some(MetaTypeName::concrete_typename(fields.get(field)?.ty.as_str()))
    }

    fn set(&mut self, set: &'a SelectionSet, parent: Option<&'a str>, at: At) -> ServerResult<()> {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let f = &field.node;
                    let name = f.name.node.as_str();
                    self.counts.selections += 1;
                    if self.counts.selections > MAX_SELECTIONS {
                        let message = format!("the query selects more than {MAX_SELECTIONS} fields (fragments expanded); the limit is {MAX_SELECTIONS} per request");
                        return Err(refusal(ErrorCode::Validation, Limit::Selections, message, Some(field.pos), None));
                    }
                    if f.alias.is_some() {
                        self.counts.aliases += 1;
                        if self.counts.aliases > MAX_ALIASES {
                            let message = format!("the query uses more than {MAX_ALIASES} aliases; the limit is {MAX_ALIASES} aliased fields per request");
                            return Err(refusal(ErrorCode::Validation, Limit::Aliases, message, Some(field.pos), None));
                        }
                    }
                    if at.depth == 0 && name != "__typename" {
                        self.counts.root_fields += 1;
                        if self.counts.root_fields > MAX_ROOT_FIELDS {
                            let message = format!("the query has more than {MAX_ROOT_FIELDS} root fields; the limit is {MAX_ROOT_FIELDS} per request");
                            return Err(refusal(ErrorCode::Validation, Limit::RootFields, message, Some(field.pos), None));
                        }
                    }
                    let mut next = At { depth: at.depth + 1, ..at };
                    if at.depth == 0 && self.introspection && (name == "__schema" || name == "__type") {
                        next.introspection = true;
                    }
                    if next.introspection && matches!(name, "fields" | "interfaces" | "possibleTypes" | "inputFields") {
                        next.introspection_lists += 1;
                        if next.introspection_lists >= MAX_INTROSPECTION_LISTS {
                            let message = format!("introspection nests type lists (fields, interfaces, possibleTypes, inputFields) {MAX_INTROSPECTION_LISTS} times; fewer are allowed");
                            return Err(refusal(ErrorCode::Validation, Limit::IntrospectionDepth, message, Some(field.pos), None));
                        }
                    }
                    if next.introspection && next.depth > MAX_INTROSPECTION_DEPTH {
                        let message = format!("introspection is nested deeper than {MAX_INTROSPECTION_DEPTH} levels; the limit is {MAX_INTROSPECTION_DEPTH}");
                        return Err(refusal(ErrorCode::Validation, Limit::IntrospectionDepth, message, Some(field.pos), None));
                    }
                    if !next.introspection && next.depth > MAX_DEPTH {
                        let message = format!("the query is nested deeper than {MAX_DEPTH} levels; the limit is {MAX_DEPTH}");
                        return Err(refusal(ErrorCode::Validation, Limit::Depth, message, Some(field.pos), None));
                    }
                    if let Some(parent) = parent
                        && is_heavy(parent, name)
                        && !std::mem::replace(&mut next.in_heavy, true)
                    {
                        self.counts.heavy.push(format!("{}{name}", if parent == "Query" || parent == "Mutation" { String::new() } else { format!("{parent}.") }));
                        if self.counts.heavy.len() > MAX_HEAVY {
                            let message = format!(
                                "at most {MAX_HEAVY} heavy operation (an export, a report, an AWS call or a credential change) per request; this one asks for {}: send them in separate requests",
                                self.counts.heavy.join(", ")
                            );
                            return Err(refusal(ErrorCode::Validation, Limit::HeavyOperations, message, Some(field.pos), None));
                        }
                    }
                    if !f.selection_set.node.items.is_empty() {
                        let child = self.field_type(parent, name);
                        self.set(&f.selection_set.node, child, next)?;
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let on = fragment.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(parent);
                    self.set(&fragment.node.selection_set.node, on, at)?;
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    // A cycle is refused by validation later; here it just ends the walk.
                    if self.fragments.contains(&name) {
                        continue;
                    }
                    let Some(fragment) = self.doc.fragments.get(&Name::new(name)) else { continue };
                    self.fragments.push(name);
                    let on = Some(fragment.node.type_condition.node.on.node.as_str());
                    let result = self.set(&fragment.node.selection_set.node, on, at);
                    self.fragments.pop();
                    result?;
                }
            }
        }
        Ok(())
    }
}

/// The operation that will run: the named one, the only one, or (when that is ambiguous and
/// validation will refuse anyway) every one.
fn chosen<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Vec<&'a Positioned<OperationDefinition>> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => vec![op],
        (DocumentOperations::Multiple(ops), Some(name)) if ops.contains_key(&Name::new(name)) => ops.get(&Name::new(name)).into_iter().collect(),
        (DocumentOperations::Multiple(ops), _) => ops.values().collect(),
    }
}

fn check_shape(registry: &Registry, doc: &ExecutableDocument, operation: Option<&str>) -> ServerResult<usize> {
    let introspection = !matches!(registry.introspection_mode, IntrospectionMode::Disabled);
    let mut heavy = 0;
    for op in chosen(doc, operation) {
        let root = match op.node.ty {
            async_graphql::parser::types::OperationType::Query => Some(registry.query_type.as_str()),
            async_graphql::parser::types::OperationType::Mutation => registry.mutation_type.as_deref(),
            async_graphql::parser::types::OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let mut walk = Walk { registry, doc, introspection, counts: Counts::default(), fragments: Vec::new() };
        walk.set(&op.node.selection_set.node, root, At { depth: 0, introspection: false, introspection_lists: 0, in_heavy: false })?;
        heavy = heavy.max(walk.counts.heavy.len());
    }
    Ok(heavy)
}

#[async_trait::async_trait]
impl Extension for Guard {
    async fn prepare_request(&self, ctx: &ExtensionContext<'_>, request: Request, next: NextPrepareRequest<'_>) -> ServerResult<Request> {
        *self.operation_name.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = request.operation_name.clone();
        next.run(ctx, request).await
    }

    async fn parse_query(&self, ctx: &ExtensionContext<'_>, query: &str, variables: &Variables, next: NextParseQuery<'_>) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        check_text(&doc, variables)?;
        let operation = self.operation_name.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let heavy = check_shape(&ctx.schema_env.registry, &doc, operation.as_deref())?;
        self.heavy_selected.store(heavy, Ordering::Relaxed);
        Ok(doc)
    }

    async fn validation(&self, ctx: &ExtensionContext<'_>, next: NextValidation<'_>) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.complexity > MAX_COST {
            let message = format!(
                "the query costs {} and the limit is {MAX_COST} per request (lists cost their page size times their fields; exports, reports, AWS calls and credential changes cost more): ask for fewer items or fields",
                result.complexity
            );
            return Err(vec![refusal(ErrorCode::Validation, Limit::Cost, message, None, None)]);
        }
        Ok(result)
    }

    async fn execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>, next: NextExecute<'_>) -> Response {
        let before = crate::audit::CallScope::current().map_or(0, |s| s.aws_calls());
        #[allow(unused_mut)]
        let mut response = next.run(ctx, operation_name).await;
        let made = crate::audit::CallScope::current().map_or(0, |s| s.aws_calls()).saturating_sub(before);
        if made > 0 && self.heavy_selected.load(Ordering::Relaxed) == 0 {
            // A field that calls AWS is missing from `HEAVY`: it escapes the one-heavy-field rule.
            tracing::error!(operation = ?operation_name, aws_calls = made, "a request without a heavy field made AWS calls: add the field to graphql::limits::HEAVY");
            #[cfg(debug_assertions)]
            response.errors.push(refusal(
                ErrorCode::Internal,
                Limit::HeavyOperations,
                "a field that is not listed in graphql::limits::HEAVY called AWS (debug builds refuse this)",
                None,
                None,
            ));
        }
        response
    }

    async fn resolve(&self, ctx: &ExtensionContext<'_>, info: ResolveInfo<'_>, next: NextResolve<'_>) -> ServerResult<Option<Value>> {
        if !is_heavy(info.parent_type, info.name) {
            return next.run(ctx, info).await;
        }
        let runs = self.heavy_runs.fetch_add(1, Ordering::Relaxed) + 1;
        if runs > MAX_HEAVY_EXECUTIONS {
            let message = format!("{}.{} ran {MAX_HEAVY_EXECUTIONS} times in this request, the limit; ask for fewer items", info.parent_type, info.name);
            return Err(refusal(ErrorCode::Validation, Limit::HeavyExecutions, message, None, None));
        }
        let _slot = self.heavy_slots.acquire().await;
        next.run(ctx, info).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graphql::build_schema;

    /// The error of a request refused before execution (no state: nothing could run).
    async fn refusal_of(query: &str, variables: serde_json::Value, introspection: bool) -> (String, String, Option<String>, String) {
        let schema = build_schema(None, introspection);
        let request = Request::new(query).variables(Variables::from_json(variables));
        let response = schema.execute(request).await;
        let err = response.errors.first().unwrap_or_else(|| panic!("{query} was not refused: {:?}", response.data));
        let ext = err.extensions.clone().unwrap_or_default();
        let get = |k: &str| match ext.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        (get("code").unwrap_or_default(), get("limit").unwrap_or_default(), get("field"), err.message.clone())
    }

    #[tokio::test]
    async fn every_heavy_field_is_refused_when_asked_for_twice() {
        for (ty, field, _) in HEAVY {
            let query = match *ty {
                "Query" => format!("query {{ a: {field} b: {field} }}"),
                "Mutation" => format!("mutation {{ a: {field} b: {field} }}"),
                // Reached through a list of its type.
                "Policy" => format!("query {{ policies(payerId: \"x\") {{ a: {field} b: {field} }} }}"),
                other => panic!("add a path to {other} in this test"),
            };
            let (code, limit, _, message) = refusal_of(&query, serde_json::json!({}), true).await;
            assert_eq!((code.as_str(), limit.as_str()), ("VALIDATION", "HEAVY_OPERATIONS"), "{ty}.{field}: {message}");
            assert!(message.contains(field), "{message}");
        }
    }

    #[tokio::test]
    async fn a_heavy_field_below_a_heavy_field_is_part_of_it() {
        // The document of the policy a mutation returns is read with it; two mutations are not.
        let schema = build_schema(None, true);
        let one = schema.execute("mutation { createPolicy(payerId: \"x\", name: \"n\", document: \"{}\") { id document } }").await;
        let limit = one.errors.first().and_then(|e| e.extensions.as_ref()).and_then(|x| x.get("limit").cloned());
        assert!(limit.is_none(), "refused by a limit: {:?}", one.errors);
        let (_, limit, _, _) = refusal_of("mutation { createPolicy(payerId: \"x\", name: \"n\", document: \"{}\") { document } deletePolicy(payerId: \"x\", policyId: \"p\") { id } }", serde_json::json!({}), true).await;
        assert_eq!(limit, "HEAVY_OPERATIONS");
    }

    #[tokio::test]
    async fn heavy_fields_exist_in_the_schema() {
        let schema = build_schema(None, true);
        let sdl = schema.sdl();
        for (ty, field, _) in HEAVY {
            let in_type = sdl.split(&format!("type {ty} {{")).nth(1).and_then(|rest| rest.split("\n}").next()).unwrap_or_default();
            assert!(in_type.contains(&format!("\t{field}(")) || in_type.contains(&format!("\t{field}:")), "{ty}.{field} is listed in HEAVY but is not in the schema");
        }
    }

    #[tokio::test]
    async fn credential_fields_are_heavy() {
        // Any field with a secret argument (a password, a token, a code) is a credential field.
        let schema = build_schema(None, true);
        let sdl = schema.sdl();
        for (ty, field) in [("Mutation", "login"), ("Mutation", "setPassword"), ("Mutation", "bootstrapAdmin"), ("Mutation", "changePassword"), ("Mutation", "refreshSession")] {
            assert!(HEAVY.iter().any(|(t, f, k)| *t == ty && *f == field && *k == Heavy::Credential), "{field}");
            assert!(sdl.contains(&format!("\t{field}(")), "{field}");
        }
    }

    #[tokio::test]
    async fn nul_in_any_string_argument_is_refused_naming_it() {
        let q = "mutation($e: String!) { login(email: $e, password: \"p\") { accessToken } }";
        let (code, limit, field, message) = refusal_of(q, serde_json::json!({ "e": "a\u{0}@b.example" }), true).await;
        assert_eq!((code.as_str(), limit.as_str(), field.as_deref()), ("VALIDATION", "TEXT", Some("email")), "{message}");
        // Inline, nested in an input object and a list.
        let q = "mutation { createBillingGroup(input: { payerId: \"p\", name: \"n\", primaryAccountId: \"1\", accountIds: [\"1\", \"2\\u0000\"], pricingPlanId: \"x\" }) { id } }";
        let (code, _, field, _) = refusal_of(q, serde_json::json!({}), true).await;
        assert_eq!((code.as_str(), field.as_deref()), ("VALIDATION", Some("input.accountIds.1")));
        // A variable holding an input object.
        let q = "query($f: AuditEventFilter) { auditEvents(filter: $f) { nodes { eventId } } }";
        let (code, _, field, _) = refusal_of(q, serde_json::json!({ "f": { "eventName": "x\u{0}" } }), true).await;
        assert_eq!((code.as_str(), field.as_deref()), ("VALIDATION", Some("filter.eventName")));
    }

    #[tokio::test]
    async fn aliases_root_fields_and_fragment_fan_out_are_capped() {
        let many: String = (0..=MAX_ROOT_FIELDS).map(|i| format!("f{i}: me {{ id }} ")).collect();
        let (_, limit, _, message) = refusal_of(&format!("{{ {many} }}"), serde_json::json!({}), true).await;
        assert!(limit == "ALIASES" || limit == "ROOT_FIELDS", "{message}");
        // Root fields without aliases, through fragments.
        let frags: String = (0..=MAX_ROOT_FIELDS).map(|i| format!("fragment F{i} on Query {{ me {{ id }} }} ")).collect();
        let spreads: String = (0..=MAX_ROOT_FIELDS).map(|i| format!("...F{i} ")).collect();
        let (_, limit, _, message) = refusal_of(&format!("query {{ {spreads} }} {frags}"), serde_json::json!({}), true).await;
        assert_eq!(limit, "ROOT_FIELDS", "{message}");
        assert!(message.contains(&MAX_ROOT_FIELDS.to_string()), "{message}");
        // Aliases inside a fragment count once per use.
        let (_, limit, _, message) =
            refusal_of("query { me { ...A } u: me { ...A } } fragment A on User { a1: id a2: id a3: id a4: id a5: id a6: id a7: id a8: id a9: id a10: id a11: id }", serde_json::json!({}), true).await;
        assert_eq!(limit, "ALIASES", "{message}");
        // A fragment bomb: each level spreads the next twice.
        let mut doc = String::from("query { me { ...L0 } } ");
        for i in 0..16 {
            doc.push_str(&format!("fragment L{i} on User {{ ...L{} ...L{} }} ", i + 1, i + 1));
        }
        doc.push_str("fragment L16 on User { id email }");
        let (_, limit, _, _) = refusal_of(&doc, serde_json::json!({}), true).await;
        assert_eq!(limit, "SELECTIONS");
    }

    #[tokio::test]
    async fn depth_is_limited_but_introspection_is_allowed_its_own() {
        let deep = format!("{{ tenants {{ nodes {{ {} id {} }} }} }}", "parent { ".repeat(12), "}".repeat(12));
        let (code, limit, _, _) = refusal_of(&deep, serde_json::json!({}), true).await;
        assert_eq!((code.as_str(), limit.as_str()), ("VALIDATION", "DEPTH"));
        // The standard introspection query (graphql-js 16 / graphql-core 3) passes when introspection is on.
        let schema = build_schema(None, true);
        let response = schema.execute(STANDARD_INTROSPECTION_QUERY).await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        // Exponential variants do not.
        let bomb = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }";
        let (_, limit, _, _) = refusal_of(bomb, serde_json::json!({}), true).await;
        assert_eq!(limit, "INTROSPECTION_DEPTH");
        // With introspection off, the introspection query gets ordinary limits (and no answer).
        let schema = build_schema(None, false);
        let response = schema.execute(STANDARD_INTROSPECTION_QUERY).await;
        assert!(!response.errors.is_empty());
    }

    #[tokio::test]
    async fn suggestions_are_off_with_introspection() {
        let schema = build_schema(None, false);
        let response = schema.execute("{ tenantz { id } }").await;
        let message = &response.errors[0].message;
        assert!(!message.contains("Did you mean"), "{message}");
        let schema = build_schema(None, true);
        let response = schema.execute("{ tenantz { id } }").await;
        assert!(response.errors[0].message.contains("Did you mean"), "suggestions stay on with introspection");
    }

    #[tokio::test]
    async fn cost_limit_names_the_cost() {
        let wide: String = (0..15).map(|i| format!("a{i}: users(first: 100) {{ nodes {{ id email memberships {{ id role }} }} }} ")).collect();
        let (code, limit, _, message) = refusal_of(&format!("{{ {wide} }}"), serde_json::json!({}), true).await;
        assert_eq!((code.as_str(), limit.as_str()), ("VALIDATION", "COST"), "{message}");
        assert!(message.contains("5000"), "{message}");
    }

    /// `getIntrospectionQuery()` of graphql-js 16 (what GraphiQL and graphql-core send).
    pub const STANDARD_INTROSPECTION_QUERY: &str = r"
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types { ...FullType }
        directives { name description locations args { ...InputValue } }
      }
    }
    fragment FullType on __Type {
      kind name description
      fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
      inputFields { ...InputValue }
      interfaces { ...TypeRef }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ...TypeRef }
    }
    fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
    fragment TypeRef on __Type {
      kind name
      ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
    }";
}
