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
    // Not GraphQL at all, and an unknown field: sent as they are.
    let nobody = app.anonymous();
    nobody.run("this is { not graphql", json!({})).await.assert_code("VALIDATION");
    nobody.run("{ secretAdminStuff }", json!({})).await.assert_code("VALIDATION");
    still_serving(&app).await;
}

async fn depth_and_complexity_limits(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let root = app.platform_admin().await;
    let admin = app.as_user(&root);
    // The queries are built to break the limits, so they are sent as they are.
    // Parent chains nest arbitrarily deep; the depth limit stops them.
    let deep = format!("{{ tenants {{ nodes {{ {} id {} }} }} }}", "parent { ".repeat(12), "}".repeat(12));
    admin.run(&deep, json!({})).await.assert_code("VALIDATION");
    // Many aliases of a list field exceed the complexity limit.
    let wide: String = (0..60).map(|i| format!("a{i}: users(first: 100) {{ nodes {{ id email memberships {{ id role }} }} }} ")).collect();
    admin.run(&format!("{{ {wide} }}"), json!({})).await.assert_code("VALIDATION");
    // Page size is capped.
    admin.run("{ tenants(first: 1000) { nodes { id } } }", json!({})).await.assert_invalid("first");
    still_serving(&app).await;
}

async fn bad_values_change_nothing(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Input Co").await;
    let users = app.count("users").await;
    let tenants = app.count("tenants").await;
    let admin = app.as_user(&p.admin);
    for (email, password, field) in [
        ("not-an-email", "a fine long passphrase", "email"),
        ("two@@at.example", "a fine long passphrase", "email"),
        ("weak@input.example", "short", "password"),
        ("common@input.example", "qwerty123456", "password"),
    ] {
        let res = admin.try_add_user(json!({ "email": email, "password": password, "role": "VIEWER", "tenantId": p.tenant_id })).await;
        res.assert_code("VALIDATION");
        assert_eq!(res.body["errors"][0]["extensions"]["field"], field, "{email}");
    }
    // Neither or both targets.
    admin.try_add_user(json!({ "email": "x@input.example", "password": "a fine long passphrase", "role": "VIEWER" })).await.assert_code("VALIDATION");
    // Duplicate email.
    admin.try_add_user(json!({ "email": p.viewer.email, "password": "a fine long passphrase", "role": "VIEWER", "tenantId": p.tenant_id })).await.assert_code("CONFLICT");
    // Unknown and malformed ids.
    for id in ["not-a-uuid", &uuid::Uuid::now_v7().to_string()] {
        admin.try_tenant(id).await.assert_code("NOT_FOUND");
        admin.try_add_user(json!({ "email": "y@input.example", "password": "a fine long passphrase", "role": "VIEWER", "tenantId": id })).await.assert_code("NOT_FOUND");
    }
    // Blank and over-long names.
    admin.try_create_tenant(&p.tenant_id, "CUSTOMER", "   ").await.assert_code("VALIDATION");
    admin.try_create_tenant(&p.tenant_id, "CUSTOMER", &"n".repeat(300)).await.assert_code("VALIDATION");
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
