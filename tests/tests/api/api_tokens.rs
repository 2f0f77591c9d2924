use chrono::{Duration, Utc};
use e2e::{DbKind, TestApp, on_both_databases};
use sea_orm::EntityTrait;
use serde_json::json;

fn expiry(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

fn token_input(name: &str, role: &str, tenant: &str, days: i64) -> serde_json::Value {
    json!({ "name": name, "role": role, "tenantId": tenant, "expiresAt": expiry(days) })
}

async fn token_create_use_revoke(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Token Co").await;
    let op = &partner.operator;
    let created = app.as_user(op).create_api_token(token_input("billing export", "VIEWER", &partner.tenant_id, 30)).await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let token_id = created["token"]["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("pbt_"));
    assert!(secret.starts_with(created["token"]["prefix"].as_str().unwrap()));
    assert_eq!(created["token"]["role"], "VIEWER");

    // Use it: it acts as the creator, limited to a viewer on the partner's tenant.
    let token = app.with_token(&secret);
    assert_eq!(token.me().await["email"], op.email.as_str());
    assert_eq!(token.tenants().await[0]["id"], partner.tenant_id.as_str());
    // Last use is recorded; the secret is stored only as a digest.
    let row = entity::api_tokens::Entity::find_by_id(token_id.parse::<uuid::Uuid>().unwrap()).one(&app.db).await.unwrap().unwrap();
    assert!(row.last_used_at.is_some());
    assert_ne!(row.token_hash, secret);
    assert!(!row.token_hash.contains(&secret[4..]));
    // A viewer token cannot write, and tokens cannot mint tokens.
    token.try_update_tenant(&partner.tenant_id, json!({ "name": "x" })).await.assert_code("FORBIDDEN");
    token.try_create_api_token(token_input("child", "VIEWER", &partner.tenant_id, 1)).await.assert_code("FORBIDDEN");

    // Listed for its creator and for the tenant admin, never with the secret.
    let listed = app.as_user(&partner.admin).api_tokens().await;
    assert_eq!(listed.data("apiTokens.nodes.0.id"), token_id.as_str());
    assert!(!listed.body.to_string().contains(&secret));

    assert!(app.as_user(op).revoke_api_token(&token_id).await["revokedAt"].is_string());
    token.try_me().await.assert_code("UNAUTHENTICATED");
}

async fn nobody_mints_more_than_they_hold(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Mint Co").await;
    let before = app.count("api_tokens").await;
    app.as_user(&partner.operator).try_create_api_token(token_input("too strong", "ADMIN", &partner.tenant_id, 30)).await.assert_code("FORBIDDEN");
    app.as_user(&partner.viewer).try_create_api_token(token_input("too strong", "OPERATOR", &partner.tenant_id, 30)).await.assert_code("FORBIDDEN");
    // Expiry must be in the future and within a year.
    let partner_admin = app.as_user(&partner.admin);
    partner_admin.try_create_api_token(token_input("old", "VIEWER", &partner.tenant_id, -1)).await.assert_invalid("expiresAt");
    partner_admin.try_create_api_token(token_input("forever", "VIEWER", &partner.tenant_id, 400)).await.assert_code("VALIDATION");
    assert_eq!(app.count("api_tokens").await, before, "nothing written");
}

async fn token_loses_power_with_its_creator(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Demote Co").await;
    let created = app.as_user(&partner.operator).create_api_token(token_input("ops", "OPERATOR", &partner.tenant_id, 30)).await;
    let token = app.with_token(created["secret"].as_str().unwrap());
    token.me().await;
    // Disable the creator: the token stops working at once.
    app.as_user(&partner.admin).disable_user(&partner.operator.user_id).await;
    token.try_me().await.assert_code("UNAUTHENTICATED");
}

on_both_databases!(token_create_use_revoke, nobody_mints_more_than_they_hold, token_loses_power_with_its_creator);
