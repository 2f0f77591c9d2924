//! The GraphQL side: one `ApiCall` event per top-level mutation field and per sensitive read.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ErrorExtensionValues, ServerError, ServerResult, Value as GqlValue};
use entity::billing_transfers;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::audit::{Actor, CallScope, NewEvent, Target};
use crate::auth::AuthOutcome;
use crate::graphql::context::RequestContext;
use crate::state::AppState;

/// Query fields that are audited like mutations (they hand out bulk or sensitive data).
pub const SENSITIVE_READS: &[&str] = &[
    "exportAuditEvents",
    // A customer's bill (with its CSV download) and billing results.
    "accountMonthlyBill",
    "billingGroupCostReports",
    "billingGroupCostReport",
    "myCharges",
    // Demo mode: caught mail with set-password links.
    "demoOutbox",
];

/// Mutations whose `id` argument is a payer / a tenant.
const PAYER_BY_ID: &[&str] = &["updatePayer", "removePayer", "checkPayerConnection", "movePayer"];
const TENANT_BY_ID: &[&str] = &["updateTenant"];
/// Mutations whose `id` argument is a billing transfer (audited against its payer).
const TRANSFER_BY_ID: &[&str] = &["withdrawBillingTransfer", "endBillingTransfer"];

/// Registers the audit hook on the schema.
pub struct AuditExtension;

impl ExtensionFactory for AuditExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(AuditHook)
    }
}

struct AuditHook;

/// The field's arguments with the request's variables substituted.
fn arguments(info: &ResolveInfo<'_>, request: Option<&RequestContext>) -> Value {
    let mut out = Map::new();
    for (name, value) in &info.field.arguments {
        let value = value.node.clone().into_const_with(|var| {
            Ok::<_, ()>(request.and_then(|r| r.variables.get(&var).cloned()).unwrap_or(GqlValue::Null))
        });
        let json = value.ok().and_then(|v| v.into_json().ok()).unwrap_or(Value::Null);
        out.insert(name.node.to_string(), json);
    }
    Value::Object(out)
}

/// Ids and states only, a few levels deep: enough to say what changed, never bulk data.
fn response_elements(value: &Value, depth: usize) -> Value {
    match value {
        Value::Object(map) if depth < 4 => {
            let mut out = Map::new();
            for (k, v) in map {
                let keep = k == "id" || k.ends_with("Id") || k == "status" || k == "state";
                match v {
                    Value::Object(_) | Value::Array(_) => {
                        let inner = response_elements(v, depth + 1);
                        if !inner.is_null() {
                            out.insert(k.clone(), inner);
                        }
                    }
                    scalar if keep => {
                        out.insert(k.clone(), scalar.clone());
                    }
                    _ => {}
                }
            }
            if out.is_empty() { Value::Null } else { Value::Object(out) }
        }
        Value::Array(items) if depth < 4 => {
            let kept: Vec<Value> = items.iter().take(100).map(|v| response_elements(v, depth + 1)).filter(|v| !v.is_null()).collect();
            if kept.is_empty() { Value::Null } else { Value::Array(kept) }
        }
        Value::Bool(_) | Value::Number(_) if depth == 0 => value.clone(),
        _ => Value::Null,
    }
}

fn find_id(args: &Value, key: &str) -> Option<Uuid> {
    args.get(key).or_else(|| args.get("input").and_then(|i| i.get(key))).and_then(Value::as_str).and_then(|s| s.parse().ok())
}

/// What the field acts on, read before it runs (a removed payer is still there).
async fn target(state: &AppState, field: &str, args: &Value) -> Target {
    let by_id = || args.get("id").and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok());
    let transfer = find_id(args, "billingTransferId").or_else(|| if TRANSFER_BY_ID.contains(&field) { by_id() } else { None });
    let transfer_payer = match transfer {
        Some(id) => state.platform().payer_of::<billing_transfers::Entity>(id).await.ok().flatten().map(|p| p.id),
        None => None,
    };
    let payer = find_id(args, "payerId").or(transfer_payer).or_else(|| if PAYER_BY_ID.contains(&field) { by_id() } else { None });
    let tenant = find_id(args, "tenantId")
        .or_else(|| find_id(args, "parentId"))
        .or_else(|| if TENANT_BY_ID.contains(&field) { by_id() } else { None });
    if let Some(payer) = payer
        && let Ok(Some(found)) = state.platform().find_payer(crate::ids::PayerId(payer)).await
    {
        let row = found.model();
        return Target { tenant_id: Some(row.tenant_id), payer_id: Some(row.id), account_id: Some(row.account_id.clone()) };
    }
    Target { tenant_id: tenant, payer_id: None, account_id: None }
}

fn audit_failed() -> ServerError {
    internal("the change could not be written to the audit trail, so it was not made; see the server log")
}

fn internal(message: &str) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", "INTERNAL");
    err.extensions = Some(ext);
    err
}

#[async_trait::async_trait]
impl Extension for AuditHook {
    async fn resolve(&self, ctx: &ExtensionContext<'_>, info: ResolveInfo<'_>, next: NextResolve<'_>) -> ServerResult<Option<GqlValue>> {
        let top = info.path_node.parent.is_none();
        let sensitive_read = info.parent_type == "Query" && SENSITIVE_READS.contains(&info.name);
        if !top || !(info.parent_type == "Mutation" || sensitive_read) {
            return next.run(ctx, info).await;
        }
        let Some(state) = ctx.data_opt::<AppState>() else {
            return next.run(ctx, info).await;
        };
        let request = ctx.data_opt::<RequestContext>();
        let args = arguments(&info, request);
        let actor = match request.map(|r| &r.auth) {
            Some(AuthOutcome::Authenticated(p)) => Actor::from_principal(p),
            _ => Actor::unknown(args.get("email").and_then(Value::as_str).map(str::to_owned)),
        };
        let target = target(state, info.name, &args).await;
        let scope = CallScope::current();
        if let Some(scope) = &scope {
            scope.set_target(target.clone());
        }
        let name = info.name.to_owned();
        // A mutation's writes and its audit record share one transaction: no unaudited change.
        let tx = if info.parent_type == "Mutation" {
            match state.platform().begin_request_transaction().await {
                Ok(tx) => Some(tx),
                Err(e) => {
                    tracing::error!(error = ?e, field = %name, "beginning the request transaction failed");
                    return Err(internal("the database is not available; nothing was changed"));
                }
            }
        } else {
            None
        };
        let result = match &tx {
            Some(tx) => tx.scope(next.run(ctx, info)).await,
            None => next.run(ctx, info).await,
        };

        // Sign-ins and refreshes carry no credential: name the user they signed in as.
        let actor = match scope.as_ref().and_then(|s| s.signed_in()) {
            Some((user_id, email)) if actor.kind == "Unknown" => Actor { kind: "User", user_id: Some(user_id), user_name: Some(email), ..Actor::default() },
            _ => actor,
        };
        let mut event = NewEvent::api(&name, actor);
        event.read_only = sensitive_read;
        event.request_parameters = args;
        event.target = target;
        if let Some(r) = request {
            event.source_ip = r.client.ip.clone();
            event.user_agent = r.client.user_agent.clone();
            event.request_id = Some(r.request_id.clone()).filter(|s| !s.is_empty());
        }
        match &result {
            Ok(value) if !sensitive_read => {
                let json = value.clone().and_then(|v| v.into_json().ok()).unwrap_or(Value::Null);
                event.response_elements = response_elements(&json, 0);
            }
            Ok(_) => {}
            Err(e) => {
                let code = e.extensions.as_ref().and_then(|x| x.get("code")).and_then(|c| match c {
                    GqlValue::String(s) => Some(s.clone()),
                    GqlValue::Enum(n) => Some(n.to_string()),
                    _ => None,
                });
                // Ours always carry a code; async-graphql's own (argument coercion) get the code the
                // client sees for them (see http::graphql).
                event.error_code = Some(code.unwrap_or_else(|| crate::graphql::error::REQUEST_ERROR_CODE.as_str().to_owned()));
                event.error_message = Some(e.message.clone());
            }
        }
        // The AWS calls this field made come first, then the field itself, in one append.
        let mut events = scope.map(|s| s.take_pending()).unwrap_or_default();
        events.push(event);
        let Some(tx) = tx else {
            if let Err(e) = state.audit.append(events).await {
                tracing::error!(error = %e.for_log(), field = %name, "writing the audit trail failed");
                return Err(audit_failed());
            }
            return result;
        };
        let written = match tx.scope(state.audit.append(events.clone())).await {
            Ok(()) => tx.commit().await.map_err(crate::error::AppError::from),
            Err(e) => {
                if let Err(rb) = tx.rollback().await {
                    tracing::error!(error = ?rb, field = %name, "rolling back the request transaction failed");
                }
                Err(e)
            }
        };
        match written {
            Ok(()) => {
                // Jobs enqueued by the mutation are visible only now.
                state.jobs_wakeup.notify_one();
                result
            }
            Err(e) => {
                tracing::error!(error = %e.for_log(), field = %name, "writing the audit trail failed; the change was rolled back");
                // Nothing of the change stays; the attempt (and any AWS call it made) is still
                // recorded, outside the rolled-back transaction, as failed.
                if result.is_ok()
                    && let Some(last) = events.last_mut()
                {
                    last.error_code = Some("INTERNAL".to_owned());
                    last.error_message = Some("the change was rolled back: its audit record could not be written".to_owned());
                    last.response_elements = Value::Null;
                }
                match (state.audit.append(events).await, result) {
                    (Ok(()), Err(original)) => Err(original),
                    (Err(again), _) => {
                        tracing::error!(error = %again.for_log(), field = %name, "recording the failed attempt failed too");
                        Err(audit_failed())
                    }
                    (Ok(()), Ok(_)) => Err(audit_failed()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::response_elements;

    #[test]
    fn response_elements_keep_ids_and_states() {
        let v = json!({ "id": "1", "name": "Acme", "status": "CONNECTED", "tenant": { "id": "t", "name": "x" }, "secret": "pbt_x",
                        "accounts": [{ "accountId": "123", "email": "a@b" }] });
        assert_eq!(response_elements(&v, 0), json!({ "id": "1", "status": "CONNECTED", "tenant": { "id": "t" }, "accounts": [{ "accountId": "123" }] }));
        assert_eq!(response_elements(&json!(true), 0), json!(true));
    }
}
