//! What each role may do inside its own tenant.

use e2e::{DbKind, TestApp, on_both_databases};
use serde_json::{Value, json};

async fn tenant_tree_rules(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Tree Co").await;
    let partner_admin = app.as_user(&p.admin);
    // A distributor admin creates a reseller, and a customer below it.
    let reseller = partner_admin.add_tenant(&p.tenant_id, "RESELLER", "Reseller One").await;
    assert_eq!(reseller["parent"]["id"], p.tenant_id.as_str());
    let reseller_id = reseller["id"].as_str().unwrap().to_owned();
    assert_eq!(partner_admin.add_tenant(&reseller_id, "CUSTOMER", "Customer One").await["kind"], "CUSTOMER");
    // Tiers only go down.
    partner_admin.try_create_tenant(&reseller_id, "DISTRIBUTOR", "Nope").await.assert_invalid("kind");
    // Tenant admins work only below their node: the root is out of sight.
    let root = partner_billing::ids::ROOT_TENANT_ID.to_string();
    partner_admin.try_create_tenant(&root, "DISTRIBUTOR", "Sibling").await.assert_code("NOT_FOUND");
    // Operators and viewers create no tenants.
    app.as_user(&p.operator).try_create_tenant(&p.tenant_id, "CUSTOMER", "X").await.assert_code("FORBIDDEN");
    app.as_user(&p.viewer).try_create_tenant(&p.tenant_id, "CUSTOMER", "X").await.assert_code("FORBIDDEN");
    // The viewer sees the subtree.
    let seen = app.as_user(&p.viewer).tenants().await;
    let names: Vec<&str> = seen.as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Tree Co", "Reseller One", "Customer One"]);
    // A reseller admin does not see the distributor above.
    let reseller_admin = partner_admin.create_user("admin@reseller-one.example", "ADMIN", ("tenantId", &reseller_id)).await;
    let reseller_admin = app.as_user(&reseller_admin);
    reseller_admin.try_tenant(&p.tenant_id).await.assert_code("NOT_FOUND");
    let own = reseller_admin.tenant(&reseller_id).await;
    assert_eq!(own["name"], "Reseller One");
    assert!(own["parent"].is_null(), "the upstream parent stays hidden");
}

/// Only admins create users; operators and viewers change no roles (a viewer does not even see
/// other users), and nothing is written when they try.
async fn only_admins_create_users_and_grant_roles(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Roles Co").await;
    let new_user = |role: &str| json!({ "email": format!("new-{role}@roles.example").to_lowercase(), "password": "another fine passphrase", "role": role, "tenantId": p.tenant_id });
    let users_before = app.count("users").await;
    app.as_user(&p.operator).try_add_user(new_user("VIEWER")).await.assert_code("FORBIDDEN");
    app.as_user(&p.viewer).try_add_user(new_user("VIEWER")).await.assert_code("FORBIDDEN");
    app.as_user(&p.payer_admin).try_add_user(new_user("VIEWER")).await.assert_code("NOT_FOUND");
    assert_eq!(app.count("users").await, users_before);
    // The operator cannot promote themselves; to a viewer, other users are not even visible.
    let memberships = app.count("memberships").await;
    let grant = json!({ "userId": p.operator.user_id, "role": "ADMIN", "tenantId": p.tenant_id });
    app.as_user(&p.operator).try_grant_membership(grant.clone()).await.assert_code("FORBIDDEN");
    app.as_user(&p.viewer).try_grant_membership(grant).await.assert_code("NOT_FOUND");
    assert_eq!(app.count("memberships").await, memberships);
}

/// An admin adds a payer role and removes it again (one role per place); lists their own
/// people only; and the last platform admin cannot be removed.
async fn admins_grant_and_revoke_memberships(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Roles Co").await;
    let partner_admin = app.as_user(&p.admin);
    let g = partner_admin.grant_membership(json!({ "userId": p.viewer.user_id, "role": "OPERATOR", "payerId": p.payer_id })).await;
    assert_eq!(g["role"], "OPERATOR");
    let mid = g["id"].as_str().unwrap().to_owned();
    // Holding a role there already → CONFLICT.
    partner_admin.try_grant_membership(json!({ "userId": p.viewer.user_id, "role": "ADMIN", "payerId": p.payer_id })).await.assert_code("CONFLICT");
    assert_eq!(partner_admin.revoke_membership(&mid).await, mid);
    // The users list of a tenant admin holds their people, not the platform admin.
    let listed = partner_admin.users().await;
    let emails: Vec<&str> = listed.as_array().unwrap().iter().map(|n| n["email"].as_str().unwrap()).collect();
    assert!(emails.contains(&p.viewer.email.as_str()) && emails.contains(&p.payer_admin.email.as_str()));
    assert!(!emails.contains(&admin.email.as_str()));
    // The last platform admin cannot be removed.
    let root = app.as_user(&admin);
    let root_membership = root.me().await["memberships"][0]["id"].as_str().unwrap().to_owned();
    root.try_revoke_membership(&root_membership).await.assert_code("CONFLICT");
}

async fn single_payer_admin_sees_only_that_payer(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Single Co").await;
    let pa = app.as_user(&p.payer_admin);
    let me = pa.me().await;
    let memberships = me["memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["payer"]["id"], p.payer_id.as_str());
    assert_eq!(memberships[0]["payer"]["accountId"], p.payer_account_id.as_str());
    assert_eq!(pa.tenants().await.as_array().unwrap().len(), 0);
    pa.try_tenant(&p.tenant_id).await.assert_code("NOT_FOUND");
    // They can add a colleague on their payer, but not on the tenant.
    let colleague = pa.create_user("colleague@single.example", "VIEWER", ("payerId", &p.payer_id)).await;
    assert_eq!(app.as_user(&colleague).me().await["memberships"][0]["payer"]["id"], p.payer_id.as_str());
}

/// A page of users answers each one's roles, and each role's tenant or payer, as asking for
/// that user alone does: what the page reads ahead (four queries for the page, not one per user
/// and role) shows no role on a target the caller cannot see.
async fn a_page_of_users_shows_each_ones_roles_as_asking_for_that_user_does(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Paged Co").await;
    let q = app.new_partner(&admin, "Elsewhere Co").await;
    // The platform gives Paged Co's operator a role at Elsewhere Co too.
    app.as_user(&admin).grant_membership(json!({ "userId": p.operator.user_id, "role": "VIEWER", "tenantId": q.tenant_id })).await;

    for (who, caller) in [("partner admin", &p.admin), ("platform admin", &admin)] {
        let page = app.as_user(caller).users_with_roles().await;
        for user in &page {
            let alone = app.as_user(caller).user_roles(user["id"].as_str().unwrap()).await;
            assert_eq!(user["memberships"], alone["memberships"], "{who}: the page and the user alone differ for {}", user["id"]);
        }
        let roles_of = |user: &str| page.iter().find(|u| u["id"] == user).map(|u| u["memberships"].as_array().unwrap().clone()).unwrap_or_default();
        let operator_tenants: Vec<Value> = roles_of(&p.operator.user_id).iter().map(|m| m["tenant"]["id"].clone()).collect();
        let payer_admin = roles_of(&p.payer_admin.user_id);
        assert_eq!(payer_admin.len(), 1, "{who}: {payer_admin:?}");
        assert_eq!((payer_admin[0]["payer"]["id"].as_str(), payer_admin[0]["tenant"].is_null()), (Some(p.payer_id.as_str()), true), "{who}");
        if who == "partner admin" {
            assert_eq!(operator_tenants, [json!(p.tenant_id)], "the role at Elsewhere Co stays out of Paged Co's sight");
        } else {
            assert_eq!(operator_tenants.len(), 2, "the platform sees both roles: {operator_tenants:?}");
            assert!(operator_tenants.contains(&json!(q.tenant_id)));
        }
    }
}

on_both_databases!(a_page_of_users_shows_each_ones_roles_as_asking_for_that_user_does, tenant_tree_rules, only_admins_create_users_and_grant_roles, admins_grant_and_revoke_memberships, single_payer_admin_sees_only_that_payer);
