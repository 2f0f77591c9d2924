//! Bad input gets an error with a code, nothing is written, and the server keeps serving.

use e2e::{DbKind, TestApp, on_both_databases};
use serde_json::json;

async fn still_serving(app: &TestApp) {
    let res = app.client.get(format!("{}/healthz", app.base_url)).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

async fn raw(app: &TestApp, body: Vec<u8>) -> (u16, serde_json::Value) {
    let res = app
        .client
        .post(format!("{}/graphql", app.base_url))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(serde_json::Value::Null))
}

async fn malformed_and_oversized_requests(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("max_body_bytes", "4096".into())]).await;
    let (status, body) = raw(&app, b"{ this is not json".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");
    let (status, body) = raw(&app, format!("{{\"query\": \"{{ me {{ id }} }}\", \"pad\": \"{}\"}}", "x".repeat(10_000)).into_bytes()).await;
    assert_eq!(status, 413);
    assert_eq!(body["errors"][0]["extensions"]["code"], "VALIDATION");
    // Not GraphQL at all.
    let res = app.gql(None, "this is { not graphql", json!({})).await;
    res.assert_code("VALIDATION");
    // Unknown field.
    app.gql(None, "{ secretAdminStuff }", json!({})).await.assert_code("VALIDATION");
    still_serving(&app).await;
}

async fn depth_and_complexity_limits(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    // Parent chains nest arbitrarily deep; the depth limit stops them.
    let deep = format!("{{ tenants {{ nodes {{ {} id {} }} }} }}", "parent { ".repeat(12), "}".repeat(12));
    app.gql(admin.bearer(), &deep, json!({})).await.assert_code("VALIDATION");
    // Many aliases of a list field exceed the complexity limit.
    let wide: String = (0..60).map(|i| format!("a{i}: users(first: 100) {{ nodes {{ id email memberships {{ id role }} }} }} ")).collect();
    app.gql(admin.bearer(), &format!("{{ {wide} }}"), json!({})).await.assert_code("VALIDATION");
    // Page size is capped.
    let res = app.gql(admin.bearer(), "{ tenants(first: 1000) { nodes { id } } }", json!({})).await;
    res.assert_code("VALIDATION");
    assert_eq!(res.body["errors"][0]["extensions"]["field"], "first");
    still_serving(&app).await;
}

async fn bad_values_change_nothing(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Input Co").await;
    let users = app.count("users").await;
    let tenants = app.count("tenants").await;
    let q = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
    for (email, password, field) in [
        ("not-an-email", "a fine long passphrase", "email"),
        ("two@@at.example", "a fine long passphrase", "email"),
        ("weak@input.example", "short", "password"),
        ("common@input.example", "qwerty123456", "password"),
    ] {
        let res = app.gql(p.admin.bearer(), q, json!({ "i": { "email": email, "password": password, "role": "VIEWER", "tenantId": p.tenant_id } })).await;
        res.assert_code("VALIDATION");
        assert_eq!(res.body["errors"][0]["extensions"]["field"], field, "{email}");
    }
    // Neither or both targets.
    let res = app.gql(p.admin.bearer(), q, json!({ "i": { "email": "x@input.example", "password": "a fine long passphrase", "role": "VIEWER" } })).await;
    res.assert_code("VALIDATION");
    // Duplicate email.
    let res = app.gql(p.admin.bearer(), q, json!({ "i": { "email": p.viewer.email, "password": "a fine long passphrase", "role": "VIEWER", "tenantId": p.tenant_id } })).await;
    res.assert_code("CONFLICT");
    // Unknown and malformed ids.
    for id in ["not-a-uuid", &uuid::Uuid::now_v7().to_string()] {
        app.gql(p.admin.bearer(), "query($id: ID!) { tenant(id: $id) { id } }", json!({ "id": id })).await.assert_code("NOT_FOUND");
        let res = app.gql(p.admin.bearer(), q, json!({ "i": { "email": "y@input.example", "password": "a fine long passphrase", "role": "VIEWER", "tenantId": id } })).await;
        res.assert_code("NOT_FOUND");
    }
    // Blank and over-long names.
    let ct = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id } }";
    app.gql(p.admin.bearer(), ct, json!({ "i": { "parentId": p.tenant_id, "kind": "CUSTOMER", "name": "   " } })).await.assert_code("VALIDATION");
    app.gql(p.admin.bearer(), ct, json!({ "i": { "parentId": p.tenant_id, "kind": "CUSTOMER", "name": "n".repeat(300) } })).await.assert_code("VALIDATION");
    assert_eq!(app.count("users").await, users);
    assert_eq!(app.count("tenants").await, tenants);
    still_serving(&app).await;
}

async fn internal_errors_are_not_leaked(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    // Break the database under the server: the error is INTERNAL with a generic message.
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared("DROP TABLE login_throttles").await.unwrap();
    let res = app.login_raw(&admin.email, "a wrong password here", &[]).await;
    res.assert_code("INTERNAL");
    let msg = res.message().to_lowercase();
    assert!(!msg.contains("login_throttles") && !msg.contains("table") && !msg.contains("sql"), "{msg}");
    still_serving(&app).await;
}

on_both_databases!(malformed_and_oversized_requests, depth_and_complexity_limits, bad_values_change_nothing, internal_errors_are_not_leaked);
