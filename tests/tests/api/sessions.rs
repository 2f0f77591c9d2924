//! Sign-in, refresh rotation, logout, lockout, equal-time failures, JWT forgery, bootstrap.

use chrono::Utc;
use e2e::{DbKind, TestApp, on_both_databases};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::EntityTrait;
use serde_json::json;

async fn login_returns_tokens_and_user(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let res = app.login_raw(&admin.email, &admin.password, &[]).await;
    let payload = res.data("login");
    assert_eq!(payload["user"]["email"], admin.email.as_str());
    assert_eq!(payload["user"]["id"], admin.user_id.as_str());
    let expires: chrono::DateTime<Utc> = payload["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(expires <= Utc::now() + chrono::Duration::minutes(15) && expires > Utc::now());
    assert!(payload["refreshToken"].as_str().unwrap().starts_with("pbr_"));
    // The access token works.
    let me = app.with_token(payload["accessToken"].as_str().unwrap()).me().await;
    assert_eq!(me["email"], admin.email.as_str());
    assert_eq!(me["memberships"][0]["role"], "ADMIN");
    assert_eq!(me["memberships"][0]["tenant"]["kind"], "PLATFORM");
    // Wrong password and unknown email answer the same way.
    let wrong = app.login_raw(&admin.email, "not the password at all", &[]).await;
    wrong.assert_code("UNAUTHENTICATED");
    let unknown = app.login_raw("nobody@nowhere.example", "not the password at all", &[]).await;
    unknown.assert_code("UNAUTHENTICATED");
    assert_eq!(wrong.message(), unknown.message());
    // No credentials → UNAUTHENTICATED.
    app.anonymous().try_me().await.assert_code("UNAUTHENTICATED");
}

async fn refresh_rotates_and_reuse_revokes_the_family(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let nobody = app.anonymous();
    let first = nobody.refresh_session(&admin.refresh).await;
    let rotated = first["refreshToken"].as_str().unwrap().to_owned();
    let access2 = first["accessToken"].as_str().unwrap().to_owned();
    assert_ne!(rotated, admin.refresh);
    assert_eq!(first["user"]["id"], admin.user_id.as_str());
    app.with_token(&access2).me().await;

    // The old token again: refused, and the whole session ends — the rotated token and every
    // access token of the session stop working.
    nobody.try_refresh_session(&admin.refresh).await.assert_code("UNAUTHENTICATED");
    nobody.try_refresh_session(&rotated).await.assert_code("UNAUTHENTICATED");
    app.with_token(&access2).try_me().await.assert_code("UNAUTHENTICATED");
    app.as_user(&admin).try_me().await.assert_code("UNAUTHENTICATED");
    // Other sessions of the same user are untouched.
    let other = app.login(&admin.email, &admin.password).await;
    app.as_user(&other).me().await;
    // Refresh tokens are stored only as digests.
    let rows = entity::refresh_tokens::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.iter().all(|r| r.token_hash != rotated && r.token_hash.len() == 64));
}

async fn logout_ends_the_session(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let me = app.as_user(&admin);
    assert_eq!(me.logout().await, true);
    me.try_me().await.assert_code("UNAUTHENTICATED");
    app.anonymous().try_refresh_session(&admin.refresh).await.assert_code("UNAUTHENTICATED");
}

async fn account_locks_after_five_failures(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("trust_proxy_headers", "true".into())]).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Lock Co").await;
    let victim = &partner.viewer;
    // Five failures from five different addresses lock the account itself…
    for i in 1..=5 {
        let ip = format!("198.51.100.{i}");
        app.login_raw(&victim.email, "wrong password guess", &[("x-forwarded-for", &ip)]).await.assert_code("UNAUTHENTICATED");
    }
    let locked = app.login_raw(&victim.email, &victim.password, &[("x-forwarded-for", "198.51.100.99")]).await;
    locked.assert_code("RATE_LIMITED");
    assert!(!locked.message().contains("account") && !locked.message().contains("address"), "must not say which part: {}", locked.message());
    // …while another account from that same address signs in fine.
    let ok = app.login_raw(&partner.operator.email, &partner.operator.password, &[("x-forwarded-for", "198.51.100.99")]).await;
    ok.data("login");
}

/// Behind the proxy (which appends the address it saw), a client that writes its own
/// `X-Forwarded-For` or `Forwarded` still counts as the address the proxy saw: after five
/// failures from 203.0.113.7, a new "address" of the client's choosing is still locked out.
async fn a_client_cannot_choose_its_address_behind_the_proxy(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("trust_proxy_headers", "true".into())]).await;
    let admin = app.platform_admin().await;
    for i in 1..=5 {
        let spoofed = format!("198.51.100.{i}, 203.0.113.7");
        let res = app.login_raw(&format!("guess{i}@nowhere.example"), "some password here", &[("x-forwarded-for", &spoofed)]).await;
        res.assert_code("UNAUTHENTICATED");
    }
    let headers = [("x-forwarded-for", "198.51.100.200, 203.0.113.7"), ("forwarded", "for=198.51.100.201")];
    app.login_raw(&admin.email, &admin.password, &headers).await.assert_code("RATE_LIMITED");
    app.login_raw(&admin.email, &admin.password, &[("x-forwarded-for", "203.0.113.7, 203.0.113.8")]).await.data("login");
}

async fn source_address_locks_after_five_failures(db: DbKind) {
    let app = TestApp::spawn_with(db, vec![("trust_proxy_headers", "true".into())]).await;
    let admin = app.platform_admin().await;
    // Five different unknown accounts from one address lock the address…
    for i in 1..=5 {
        let res = app.login_raw(&format!("guess{i}@nowhere.example"), "some password here", &[("x-forwarded-for", "203.0.113.7")]).await;
        res.assert_code("UNAUTHENTICATED");
    }
    app.login_raw(&admin.email, &admin.password, &[("x-forwarded-for", "203.0.113.7")]).await.assert_code("RATE_LIMITED");
    // …but not the account, which works from elsewhere.
    app.login_raw(&admin.email, &admin.password, &[("x-forwarded-for", "203.0.113.8")]).await.data("login");
}

async fn unknown_email_costs_the_same_as_a_wrong_password(db: DbKind) {
    // Measured in CPU time of this process (the server runs in it), which other processes'
    // load does not inflate the way it inflates wall-clock time.
    use cpu_time::ProcessTime;
    let app = TestApp::spawn_with(db, vec![("trust_proxy_headers", "true".into())]).await;
    let admin = app.platform_admin().await;
    let hash = partner_billing::auth::password::hash_password("some passphrase to hash".to_owned().into()).await.unwrap();
    let t = ProcessTime::now();
    for _ in 0..4 {
        partner_billing::auth::password::verify_password("another passphrase".to_owned().into(), Some(hash.clone())).await.unwrap();
    }
    let four_hashes = t.elapsed();
    let t = ProcessTime::now();
    for i in 0..4 {
        let ip = format!("192.0.2.{i}");
        app.login_raw(&admin.email, "wrong password guess", &[("x-forwarded-for", &ip)]).await.assert_code("UNAUTHENTICATED");
    }
    let known = t.elapsed();
    let t = ProcessTime::now();
    for i in 0..4 {
        let ip = format!("192.0.2.{}", 10 + i);
        app.login_raw(&format!("ghost{i}@nowhere.example"), "wrong password guess", &[("x-forwarded-for", &ip)])
            .await
            .assert_code("UNAUTHENTICATED");
    }
    let unknown = t.elapsed();
    // An unknown email must still pay for a hash: skipping it would cost a few milliseconds.
    assert!(unknown * 2 >= four_hashes, "unknown emails {unknown:?} cost less than half of four hashes {four_hashes:?}");
    assert!(known * 2 >= four_hashes, "wrong passwords {known:?} vs four hashes {four_hashes:?}");
    assert!(unknown * 2 > known && known * 2 > unknown, "wrong password {known:?} vs unknown email {unknown:?}");
}

fn forged(alg: Algorithm, key: &EncodingKey, claims: serde_json::Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), &claims, key).unwrap()
}

async fn forged_and_stale_tokens_are_unauthenticated(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    // Claims copied from a real token, so only the attacked property differs.
    let parts: Vec<&str> = admin.token.split('.').collect();
    use base64::Engine;
    let claims: serde_json::Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let secret = entity::settings::Entity::find_by_id("jwt_signing_key".to_owned()).one(&app.db).await.unwrap().unwrap().value;
    let real_key = EncodingKey::from_secret(secret.as_bytes());

    // Sanity: re-signing the same claims with the real key works, so the cases below fail only
    // for the reason they test.
    app.with_token(&forged(Algorithm::HS256, &real_key, claims.clone())).me().await;

    let mut cases: Vec<(&str, String)> = Vec::new();
    // alg "none": header says none, no signature.
    let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    cases.push(("alg none", format!("{none_header}.{}.", parts[1])));
    // Wrong key.
    cases.push(("wrong key", forged(Algorithm::HS256, &EncodingKey::from_secret(b"attacker-secret-attacker-secret!"), claims.clone())));
    // Algorithm confusion: RS256 and HS512 are not accepted, whatever the key.
    let rsa = EncodingKey::from_rsa_pem(include_bytes!("../../fixtures/test-rsa-key.pem")).unwrap();
    cases.push(("RS256", forged(Algorithm::RS256, &rsa, claims.clone())));
    cases.push(("HS512 with the real key", forged(Algorithm::HS512, &real_key, claims.clone())));
    // Expired, signed with the real key.
    let mut expired = claims.clone();
    expired["exp"] = json!(Utc::now().timestamp() - 120);
    expired["iat"] = json!(Utc::now().timestamp() - 1000);
    cases.push(("expired", forged(Algorithm::HS256, &real_key, expired)));
    // Wrong audience and wrong issuer, signed with the real key.
    let mut aud = claims.clone();
    aud["aud"] = json!("some-other-service");
    cases.push(("wrong aud", forged(Algorithm::HS256, &real_key, aud)));
    let mut iss = claims.clone();
    iss["iss"] = json!("https://evil.example");
    cases.push(("wrong iss", forged(Algorithm::HS256, &real_key, iss)));
    // Tampered payload keeping the old signature.
    let mut other_sub = claims.clone();
    other_sub["sub"] = json!(uuid::Uuid::now_v7().to_string());
    let tampered_body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other_sub).unwrap());
    cases.push(("tampered", format!("{}.{}.{}", parts[0], tampered_body, parts[2])));
    cases.push(("garbage", "not.a.jwt".to_owned()));

    for (name, token) in cases {
        let res = app.with_token(&token).try_me().await;
        assert_eq!(res.code(), Some("UNAUTHENTICATED"), "{name}: {}", res.body);
        assert!(res.body["data"].is_null(), "{name}: no data");
    }
    // A non-Bearer scheme is refused too.
    let basic = app.client.post(format!("{}/graphql", app.base_url)).header("authorization", "Basic YTpi").json(&json!({ "query": "{ me { id } }" })).send().await.unwrap();
    let body: serde_json::Value = basic.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

async fn bootstrap_code_works_once(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let code = app.bootstrap_code.clone().unwrap();
    assert!(code.starts_with("pbb_"));
    let nobody = app.anonymous();
    // Wrong code: refused, nothing created.
    nobody.try_bootstrap_admin("pbb_wrong", "first@platform.example", "a good long passphrase").await.assert_code("UNAUTHENTICATED");
    assert_eq!(app.count("users").await, 0);
    // Weak password: refused, code still valid.
    nobody.try_bootstrap_admin(&code, "first@platform.example", "short").await.assert_code("VALIDATION");
    assert_eq!(app.count("users").await, 0);
    let ok = nobody.try_bootstrap_admin(&code, "first@platform.example", "a good long passphrase").await;
    assert_eq!(ok.data("bootstrapAdmin.user.email"), "first@platform.example");
    // Second use: refused.
    nobody.try_bootstrap_admin(&code, "second@platform.example", "a good long passphrase").await.assert_code("UNAUTHENTICATED");
    assert_eq!(app.count("users").await, 1);
    // The code is not stored in clear.
    let rows = entity::settings::Entity::find().all(&app.db).await.unwrap();
    assert!(rows.iter().all(|r| r.value != code));
}

async fn disabling_a_user_ends_their_access(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Disable Co").await;
    let victim = &partner.operator;
    assert_eq!(app.as_user(&partner.admin).disable_user(&victim.user_id).await["disabled"], true);
    app.as_user(victim).try_me().await.assert_code("UNAUTHENTICATED");
    app.anonymous().try_refresh_session(&victim.refresh).await.assert_code("UNAUTHENTICATED");
    app.login_raw(&victim.email, &victim.password, &[]).await.assert_code("UNAUTHENTICATED");
}

/// Nobody can disable themselves, and a tenant admin cannot disable the platform admin.
async fn nobody_disables_themselves_or_an_admin_above(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let partner = app.new_partner(&admin, "Disable Co").await;
    let partner_admin = app.as_user(&partner.admin);
    partner_admin.try_disable_user(&partner.admin.user_id).await.assert_code("VALIDATION");
    partner_admin.try_disable_user(&admin.user_id).await.assert_code("NOT_FOUND");
}

async fn changing_password_ends_other_sessions(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let other = app.login(&admin.email, &admin.password).await;
    let me = app.as_user(&admin);
    me.try_change_password("wrong current password", "a brand new passphrase").await.assert_code("VALIDATION");
    me.try_change_password(&admin.password, "qwerty123456").await.assert_code("VALIDATION");
    assert_eq!(me.change_password(&admin.password, "a brand new passphrase").await, true);
    me.me().await;
    app.as_user(&other).try_me().await.assert_code("UNAUTHENTICATED");
    app.login_raw(&admin.email, &admin.password, &[]).await.assert_code("UNAUTHENTICATED");
    app.login(&admin.email, "a brand new passphrase").await;
}

on_both_databases!(
    a_client_cannot_choose_its_address_behind_the_proxy,
    login_returns_tokens_and_user,
    refresh_rotates_and_reuse_revokes_the_family,
    logout_ends_the_session,
    account_locks_after_five_failures,
    source_address_locks_after_five_failures,
    unknown_email_costs_the_same_as_a_wrong_password,
    forged_and_stale_tokens_are_unauthenticated,
    bootstrap_code_works_once,
    disabling_a_user_ends_their_access,
    nobody_disables_themselves_or_an_admin_above,
    changing_password_ends_other_sessions,
);
