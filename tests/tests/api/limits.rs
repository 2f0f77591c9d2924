//! Issue 16, items 1, 6 and 9: what one request may ask for. Each amplification of the outside
//! test is refused before anything runs (no session, no AWS call, no audit record), with a code
//! and a message naming the limit; NUL in any string argument is VALIDATION naming it, with
//! nothing logged as an internal error; introspection has its own depth.

use std::io::Write;
use std::sync::{Arc, Mutex};

use e2e::{DbKind, Gql, TestApp, aws, on_both_databases};
use serde_json::json;

#[track_caller]
fn assert_limit(res: &Gql, code: &str, limit: &str) {
    assert_eq!(res.code(), Some(code), "{}", res.body);
    assert_eq!(res.body["errors"][0]["extensions"]["limit"], limit, "{}", res.body);
    assert!(res.body["data"].is_null(), "nothing ran: {}", res.body);
}

fn aliases(n: usize, field: impl Fn(usize) -> String) -> String {
    (0..n).map(|i| format!("a{i}: {} ", field(i))).collect()
}

async fn amplified_requests_are_refused_before_anything_runs(db: DbKind) {
    // No job worker: nothing in the background writes audit records or calls AWS meanwhile.
    let clients = partner_billing::aws::AwsClients::from_sdk_config(&aws::sdk_config(&aws::moto_url()).await);
    let app = TestApp::spawn_with_aws(db, vec![("run_jobs", "false".into())], clients).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Amplify Co").await;
    let other = app.new_partner(&admin, "Bystander Co").await;
    let org = aws::organization(1).await;
    let payer = app.connected_payer(&p, &org.management).await;
    let (sessions, audit, jobs) = (app.count("sessions").await, app.count("audit_events").await, app.count("jobs").await);

    // 100 aliases of exportAuditEvents by a tenant admin; and even two.
    // (The walk stops at the first limit it reaches: here the second heavy field.)
    let res = app.gql(p.admin.bearer(), &format!("{{ {} }}", aliases(100, |_| "exportAuditEvents".into())), json!({})).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    let res = app.gql(p.admin.bearer(), "{ a: exportAuditEvents b: exportAuditEvents }", json!({})).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    assert!(res.message().contains("exportAuditEvents, exportAuditEvents"), "{}", res.message());

    // 2,000 aliases of payer(id) by a viewer; another tenant's `{ me }` answers meanwhile.
    let wide = format!("query($id: ID!) {{ {} }}", aliases(2000, |_| "payer(id: $id) { id name }".into()));
    let (res, me) = tokio::join!(app.gql(p.viewer.bearer(), &wide, json!({ "id": payer })), app.gql(other.viewer.bearer(), "{ me { email } }", json!({})));
    assert_limit(&res, "VALIDATION", "ALIASES");
    assert!(res.message().contains("20 aliased fields"), "{}", res.message());
    assert_eq!(me.data("me.email"), other.viewer.email.as_str());
    // Without aliases, through fragments, the root field cap holds.
    let frags: String = (0..30).map(|i| format!("fragment F{i} on Query {{ payer(id: $id) {{ id }} }} ")).collect();
    let spreads: String = (0..30).map(|i| format!("...F{i} ")).collect();
    let res = app.gql(p.viewer.bearer(), &format!("query($id: ID!) {{ {spreads} }} {frags}"), json!({ "id": payer })).await;
    assert_limit(&res, "VALIDATION", "ROOT_FIELDS");

    // 300 aliases of policiesForTarget (an AWS call each); and two.
    let pft = |_| "policiesForTarget(payerId: $p, targetId: $t) { id }".to_owned();
    let res = app.gql(p.viewer.bearer(), &format!("query($p: ID!, $t: String!) {{ {} }}", aliases(300, pft)), json!({ "p": payer, "t": org.members[0] })).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    let res = app.gql(p.viewer.bearer(), &format!("query($p: ID!, $t: String!) {{ {} }}", aliases(2, pft)), json!({ "p": payer, "t": org.members[0] })).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    // One is fine, and its AWS call is audited (so the count below would have seen the others).
    app.as_user(&p.viewer).policies_for_target(&payer, &org.members[0]).await;
    let audit_after_one = app.count("audit_events").await;
    assert!(audit_after_one > audit, "the one AWS call was audited");

    // 300 aliased logins, anonymous; and two, also through fragments.
    let login = |_| format!("login(email: \"{}\", password: \"{}\") {{ accessToken }}", p.viewer.email, p.viewer.password);
    let res = app.gql(None, &format!("mutation {{ {} }}", aliases(300, login)), json!({})).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    let res = app.gql(None, &format!("mutation {{ {} }}", aliases(2, login)), json!({})).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    let l = login(0);
    let res = app.gql(None, &format!("mutation {{ ...A ...B }} fragment A on Mutation {{ {l} }} fragment B on Mutation {{ b: {l} }}"), json!({})).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    assert_eq!(app.count("sessions").await, sessions, "no session was created");

    // A wide query of cheap fields is refused by its cost, naming it.
    let res = app.gql(p.admin.bearer(), &format!("{{ {} }}", aliases(15, |_| "users(first: 100) { nodes { id email memberships { id role } } }".into())), json!({})).await;
    assert_limit(&res, "VALIDATION", "COST");
    assert!(res.message().contains("limit is 5000"), "{}", res.message());

    // Two heavy fields of different kinds in one mutation.
    let res = app.gql(p.operator.bearer(), "mutation($p: ID!) { checkPayerConnection(id: $p) { id } syncAccounts(payerId: $p) { id } }", json!({ "p": payer })).await;
    assert_limit(&res, "VALIDATION", "HEAVY_OPERATIONS");
    assert_eq!(app.count("audit_events").await, audit_after_one, "nothing refused was audited or called AWS");
    assert_eq!(app.count("jobs").await, jobs, "no job was started");
}

async fn rate_limit_is_per_principal_and_refuses_before_running(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("rate_limit_per_minute", "1".into()), ("rate_limit_burst", "6".into())]).await;
    // Anonymous: the client address's bucket (one request used by the bootstrap).
    let admin = app.platform_admin().await;
    let root = partner_billing::ids::ROOT_TENANT_ID.to_string();
    let tenants = app.count("tenants").await;
    let me = app.as_user(&admin);
    for _ in 0..6 {
        me.me().await;
    }
    let res = me.try_create_tenant(&root, "DISTRIBUTOR", "Late").await;
    assert_eq!(res.status, 429);
    res.assert_code("RATE_LIMITED");
    assert_eq!(res.body["errors"][0]["extensions"]["limit"], "RATE");
    assert!(res.message().contains("1 requests per minute") && res.message().contains("bursts of 6"), "{}", res.message());
    assert_eq!(app.count("tenants").await, tenants, "the refused mutation did not run");
    // Another principal (anonymous, by address) still has its own bucket.
    app.login_raw(&admin.email, "not the password at all", &[]).await.assert_code("UNAUTHENTICATED");
}

/// Log output of this test process (the server runs in it).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn nul_in_any_string_argument_is_validation(db: DbKind) {
    // anyhow captures a backtrace for every error when this is set; none may reach the log.
    // SAFETY: set first thing in this test's own process, before the server starts.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "1") };
    let logs = Captured::default();
    let writer = logs.clone();
    tracing::subscriber::set_global_default(tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).with_writer(move || writer.clone()).finish()).unwrap();

    let app = TestApp::spawn_with(db, vec![("run_jobs", "false".into())]).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Nul Co").await;
    let (tenants, audit) = (app.count("tenants").await, app.count("audit_events").await);

    // login's email, unauthenticated, as a variable and inline.
    let res = app.login_raw("admin\u{0}@nul-co.example", "whatever password", &[]).await;
    res.assert_code("VALIDATION");
    assert_eq!(res.body["errors"][0]["extensions"]["field"], "email", "{}", res.body);
    let res = app.gql(None, "mutation { login(email: \"a\\u0000@b.example\", password: \"x\") { accessToken } }", json!({})).await;
    res.assert_code("VALIDATION");
    assert_eq!(res.body["errors"][0]["extensions"]["field"], "email", "{}", res.body);

    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        // A name and a description, nested in an input object.
        ("mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }", json!({ "i": { "parentId": p.tenant_id, "kind": "CUSTOMER", "name": "Acme\u{0}" } }), "input.name"),
        (
            "mutation($i: CreatePricingPlanInput!) { createPricingPlan(input: $i) { id } }",
            json!({ "i": { "payerId": p.payer_id, "name": "Plan", "description": "cheap\u{0}", "base": "BILLED", "pricingRuleIds": [] } }),
            "input.description",
        ),
        // Search and filter arguments.
        ("query($p: ID!, $f: LinkedAccountFilter) { linkedAccounts(payerId: $p, filter: $f) { nodes { accountId } } }", json!({ "p": p.payer_id, "f": { "search": "prod\u{0}" } }), "filter.search"),
        ("query($f: AuditEventFilter) { auditEvents(filter: $f) { nodes { eventId } } }", json!({ "f": { "eventName": "login\u{0}" } }), "filter.eventName"),
        // The export prefix.
        ("mutation($p: ID!) { setPayerCostExport(payerId: $p, bucket: \"b\", prefix: \"cur/\\u0000\") { id } }", json!({ "p": p.payer_id }), "prefix"),
    ];
    for (query, variables, field) in cases {
        let res = app.gql(p.admin.bearer(), query, variables).await;
        res.assert_code("VALIDATION");
        assert_eq!(res.body["errors"][0]["extensions"]["field"], field, "{}", res.body);
        assert!(res.message().contains("NUL"), "{}", res.message());
    }
    assert_eq!(app.count("tenants").await, tenants);
    assert_eq!(app.count("audit_events").await, audit, "refused before the audited resolver ran");

    // An internal error is logged once, as its cause chain, without a backtrace.
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared("DROP TABLE login_throttles").await.unwrap();
    app.login_raw(&admin.email, "a wrong password here", &[]).await.assert_code("INTERNAL");

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logged.contains("request done"), "logs were captured");
    assert_eq!(logged.matches("internal error").count(), 1, "only the broken table logged an internal error:\n{logged}");
    assert!(logged.contains("login_throttles"), "the internal error's cause is in the log");
    assert!(!logged.to_lowercase().contains("backtrace"), "no backtrace in the log:\n{logged}");
}

/// `getIntrospectionQuery()` of graphql-js 16.15, exactly as GraphiQL (the version the web app
/// builds) sends it: nine levels of `ofType`, depth 15.
const INTROSPECTION: &str = r"
    query IntrospectionQuery {
      __schema {
        
        queryType { name kind }
        mutationType { name kind }
        subscriptionType { name kind }
        types {
          ...FullType
        }
        directives {
          name
          description
          
          
          
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      
      
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
      
      
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        name
        kind
        ofType {
          name
          kind
          ofType {
            name
            kind
            ofType {
              name
              kind
              ofType {
                name
                kind
                ofType {
                  name
                  kind
                  ofType {
                    name
                    kind
                    ofType {
                      name
                      kind
                      ofType {
                        name
                        kind
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  ";

async fn introspection_depth_and_suggestions(db: DbKind) {
    let app = TestApp::spawn(db).await;
    // The standard introspection query (graphql-js 16, graphql-core 3, GraphiQL) is answered.
    let res = app.gql(None, INTROSPECTION, json!({})).await;
    assert_eq!(res.data("__schema.queryType.name"), "Query");
    // Ordinary queries are still limited to depth 10.
    let admin = app.platform_admin().await;
    let deep = format!("{{ tenants {{ nodes {{ {} id {} }} }} }}", "parent { ".repeat(9), "}".repeat(9));
    assert_limit(&app.gql(admin.bearer(), &deep, json!({})).await, "VALIDATION", "DEPTH");
    assert!(app.gql(admin.bearer(), "{ tenantz { id } }", json!({})).await.message().contains("Did you mean"), "suggestions with introspection on");

    let closed = TestApp::spawn_with(db, vec![("introspection", "false".into())]).await;
    let res = closed.gql(None, INTROSPECTION, json!({})).await;
    assert!(res.body["data"].is_null() || res.body["data"]["__schema"].is_null(), "{}", res.body);
    let res = closed.gql(None, "{ tenantz { id } }", json!({})).await;
    res.assert_code("VALIDATION");
    assert!(!res.message().contains("Did you mean"), "no suggestions with introspection off: {}", res.message());
}

on_both_databases!(
    amplified_requests_are_refused_before_anything_runs,
    rate_limit_is_per_principal_and_refuses_before_running,
    nul_in_any_string_argument_is_validation,
    introspection_depth_and_suggestions,
);
