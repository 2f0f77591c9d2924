use chrono::{Duration, Utc};
use e2e::{DbKind, TestApp, on_both_databases};
use sea_orm::EntityTrait;
use serde_json::json;

const CREATE: &str = "mutation($i: CreateApiTokenInput!) { createApiToken(input: $i) { secret token { id prefix role tenantId lastUsedAt } } }";

fn expiry(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

async fn token_create_use_revoke(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Token Co").await;
    let op = &partner.operator;
    let created = app
        .gql(op.bearer(), CREATE, json!({ "i": { "name": "billing export", "role": "VIEWER", "tenantId": partner.tenant_id, "expiresAt": expiry(30) } }))
        .await;
    let secret = created.data("createApiToken.secret").as_str().unwrap().to_owned();
    let token_id = created.data("createApiToken.token.id").as_str().unwrap().to_owned();
    assert!(secret.starts_with("pbt_"));
    assert!(secret.starts_with(created.data("createApiToken.token.prefix").as_str().unwrap()));
    assert_eq!(created.data("createApiToken.token.role"), "VIEWER");

    // Use it: it acts as the creator, limited to a viewer on the partner's tenant.
    let me = app.gql(Some(&secret), "{ me { email } tenants { nodes { id } } }", json!({})).await;
    assert_eq!(me.data("me.email"), op.email.as_str());
    assert_eq!(me.data("tenants.nodes.0.id"), partner.tenant_id.as_str());
    // Last use is recorded; the secret is stored only as a digest.
    let row = entity::api_tokens::Entity::find_by_id(token_id.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
    assert!(row.last_used_at.is_some());
    assert_ne!(row.token_hash, secret);
    assert!(!row.token_hash.contains(&secret[4..]));
    // A viewer token cannot write, and tokens cannot mint tokens.
    app.gql(Some(&secret), "mutation($id: ID!) { updateTenant(id: $id, input: { name: \"x\" }) { id } }", json!({ "id": partner.tenant_id }))
        .await
        .assert_code("FORBIDDEN");
    app.gql(Some(&secret), CREATE, json!({ "i": { "name": "child", "role": "VIEWER", "tenantId": partner.tenant_id, "expiresAt": expiry(1) } }))
        .await
        .assert_code("FORBIDDEN");

    // Listed for its creator and for the tenant admin, never with the secret.
    let listed = app.gql(partner.admin.bearer(), "{ apiTokens { nodes { id name } } }", json!({})).await;
    assert_eq!(listed.data("apiTokens.nodes.0.id"), token_id.as_str());
    assert!(!listed.body.to_string().contains(&secret));

    let revoked = app.gql(op.bearer(), "mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }", json!({ "id": token_id })).await;
    assert!(revoked.data("revokeApiToken.revokedAt").is_string());
    app.gql(Some(&secret), "{ me { email } }", json!({})).await.assert_code("UNAUTHENTICATED");
}

async fn nobody_mints_more_than_they_hold(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Mint Co").await;
    let before = app.count("api_tokens").await;
    let res = app
        .gql(partner.operator.bearer(), CREATE, json!({ "i": { "name": "too strong", "role": "ADMIN", "tenantId": partner.tenant_id, "expiresAt": expiry(30) } }))
        .await;
    res.assert_code("FORBIDDEN");
    let res = app
        .gql(partner.viewer.bearer(), CREATE, json!({ "i": { "name": "too strong", "role": "OPERATOR", "tenantId": partner.tenant_id, "expiresAt": expiry(30) } }))
        .await;
    res.assert_code("FORBIDDEN");
    // Expiry must be in the future and within a year.
    let res = app
        .gql(partner.admin.bearer(), CREATE, json!({ "i": { "name": "old", "role": "VIEWER", "tenantId": partner.tenant_id, "expiresAt": expiry(-1) } }))
        .await;
    res.assert_code("VALIDATION");
    assert_eq!(res.body["errors"][0]["extensions"]["field"], "expiresAt");
    let res = app
        .gql(partner.admin.bearer(), CREATE, json!({ "i": { "name": "forever", "role": "VIEWER", "tenantId": partner.tenant_id, "expiresAt": expiry(400) } }))
        .await;
    res.assert_code("VALIDATION");
    assert_eq!(app.count("api_tokens").await, before, "nothing written");
}

async fn token_loses_power_with_its_creator(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Demote Co").await;
    let created = app
        .gql(partner.operator.bearer(), CREATE, json!({ "i": { "name": "ops", "role": "OPERATOR", "tenantId": partner.tenant_id, "expiresAt": expiry(30) } }))
        .await;
    let secret = created.data("createApiToken.secret").as_str().unwrap().to_owned();
    app.gql(Some(&secret), "{ me { id } }", json!({})).await.data("me");
    // Disable the creator: the token stops working at once.
    app.gql(partner.admin.bearer(), "mutation($id: ID!) { disableUser(id: $id) { id } }", json!({ "id": partner.operator.user_id }))
        .await
        .data("disableUser");
    app.gql(Some(&secret), "{ me { id } }", json!({})).await.assert_code("UNAUTHENTICATED");
}

on_both_databases!(token_create_use_revoke, nobody_mints_more_than_they_hold, token_loses_power_with_its_creator);
