//! What each role may do inside its own tenant.

use e2e::{DbKind, TestApp, on_both_databases};
use serde_json::json;

const CREATE_TENANT: &str = "mutation($i: CreateTenantInput!) { createTenant(input: $i) { id kind parent { id } } }";
const CREATE_USER: &str = "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }";
const GRANT: &str = "mutation($i: GrantMembershipInput!) { grantMembership(input: $i) { id role } }";

async fn tenant_tree_rules(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Tree Co").await;
    // A distributor admin creates a reseller, and a customer below it.
    let reseller = app.gql(p.admin.bearer(), CREATE_TENANT, json!({ "i": { "parentId": p.tenant_id, "kind": "RESELLER", "name": "Reseller One" } })).await;
    assert_eq!(reseller.data("createTenant.parent.id"), p.tenant_id.as_str());
    let reseller_id = reseller.data("createTenant.id").as_str().unwrap().to_owned();
    let customer = app.gql(p.admin.bearer(), CREATE_TENANT, json!({ "i": { "parentId": reseller_id, "kind": "CUSTOMER", "name": "Customer One" } })).await;
    assert_eq!(customer.data("createTenant.kind"), "CUSTOMER");
    // Tiers only go down.
    let upward = app.gql(p.admin.bearer(), CREATE_TENANT, json!({ "i": { "parentId": reseller_id, "kind": "DISTRIBUTOR", "name": "Nope" } })).await;
    upward.assert_code("VALIDATION");
    assert_eq!(upward.body["errors"][0]["extensions"]["field"], "kind");
    // Tenant admins work only below their node: the root is out of sight.
    let root = partner_billing::ids::ROOT_TENANT_ID.to_string();
    app.gql(p.admin.bearer(), CREATE_TENANT, json!({ "i": { "parentId": root, "kind": "DISTRIBUTOR", "name": "Sibling" } })).await.assert_code("NOT_FOUND");
    // Operators and viewers create no tenants.
    app.gql(p.operator.bearer(), CREATE_TENANT, json!({ "i": { "parentId": p.tenant_id, "kind": "CUSTOMER", "name": "X" } })).await.assert_code("FORBIDDEN");
    app.gql(p.viewer.bearer(), CREATE_TENANT, json!({ "i": { "parentId": p.tenant_id, "kind": "CUSTOMER", "name": "X" } })).await.assert_code("FORBIDDEN");
    // The viewer sees the subtree.
    let seen = app.gql(p.viewer.bearer(), "{ tenants { nodes { name } } }", json!({})).await;
    let names: Vec<&str> = seen.data("tenants.nodes").as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Tree Co", "Reseller One", "Customer One"]);
    // A reseller admin does not see the distributor above.
    let reseller_admin = app.create_user(&p.admin, "admin@reseller-one.example", "ADMIN", ("tenantId", &reseller_id)).await;
    app.gql(reseller_admin.bearer(), "query($id: ID!) { tenant(id: $id) { id } }", json!({ "id": p.tenant_id })).await.assert_code("NOT_FOUND");
    let own = app.gql(reseller_admin.bearer(), "query($id: ID!) { tenant(id: $id) { name parent { id } } }", json!({ "id": reseller_id })).await;
    assert_eq!(own.data("tenant.name"), "Reseller One");
    assert!(own.data("tenant.parent").is_null(), "the upstream parent stays hidden");
}

async fn only_admins_manage_users_and_memberships(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Roles Co").await;
    let new_user = |role: &str| json!({ "i": { "email": format!("new-{role}@roles.example").to_lowercase(), "password": "another fine passphrase", "role": role, "tenantId": p.tenant_id } });
    let users_before = app.count("users").await;
    app.gql(p.operator.bearer(), CREATE_USER, new_user("VIEWER")).await.assert_code("FORBIDDEN");
    app.gql(p.viewer.bearer(), CREATE_USER, new_user("VIEWER")).await.assert_code("FORBIDDEN");
    app.gql(p.payer_admin.bearer(), CREATE_USER, new_user("VIEWER")).await.assert_code("NOT_FOUND");
    assert_eq!(app.count("users").await, users_before);
    // The operator cannot promote themselves; to a viewer, other users are not even visible.
    let grant = json!({ "i": { "userId": p.operator.user_id, "role": "ADMIN", "tenantId": p.tenant_id } });
    app.gql(p.operator.bearer(), GRANT, grant.clone()).await.assert_code("FORBIDDEN");
    app.gql(p.viewer.bearer(), GRANT, grant).await.assert_code("NOT_FOUND");
    let memberships = app.count("memberships").await;
    assert_eq!(app.count("memberships").await, memberships);
    // The admin can add a payer role and remove it again.
    let g = app.gql(p.admin.bearer(), GRANT, json!({ "i": { "userId": p.viewer.user_id, "role": "OPERATOR", "payerId": p.payer_id } })).await;
    assert_eq!(g.data("grantMembership.role"), "OPERATOR");
    let mid = g.data("grantMembership.id").as_str().unwrap().to_owned();
    // Holding a role there already → CONFLICT.
    app.gql(p.admin.bearer(), GRANT, json!({ "i": { "userId": p.viewer.user_id, "role": "ADMIN", "payerId": p.payer_id } })).await.assert_code("CONFLICT");
    let r = app.gql(p.admin.bearer(), "mutation($id: ID!) { revokeMembership(id: $id) { id } }", json!({ "id": mid })).await;
    assert_eq!(r.data("revokeMembership.id"), mid.as_str());
    // The users list of a tenant admin holds their people, not the platform admin.
    let listed = app.gql(p.admin.bearer(), "{ users(first: 100) { nodes { email } } }", json!({})).await;
    let emails: Vec<&str> = listed.data("users.nodes").as_array().unwrap().iter().map(|n| n["email"].as_str().unwrap()).collect();
    assert!(emails.contains(&p.viewer.email.as_str()) && emails.contains(&p.payer_admin.email.as_str()));
    assert!(!emails.contains(&admin.email.as_str()));
    // The last platform admin cannot be removed.
    let me = app.gql(admin.bearer(), "{ me { memberships { id } } }", json!({})).await;
    let root_membership = me.data("me.memberships.0.id").as_str().unwrap().to_owned();
    app.gql(admin.bearer(), "mutation($id: ID!) { revokeMembership(id: $id) { id } }", json!({ "id": root_membership })).await.assert_code("CONFLICT");
}

async fn single_payer_admin_sees_only_that_payer(db: DbKind) {
    let app = TestApp::spawn(db).await;
    let admin = app.platform_admin().await;
    let p = app.new_partner(&admin, "Single Co").await;
    let pa = &p.payer_admin;
    let me = app.gql(pa.bearer(), "{ me { memberships { role tenant { id } payer { id accountId } } } }", json!({})).await;
    let memberships = me.data("me.memberships").as_array().unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["payer"]["id"], p.payer_id.as_str());
    assert_eq!(memberships[0]["payer"]["accountId"], p.payer_account_id.as_str());
    let tenants = app.gql(pa.bearer(), "{ tenants { nodes { id } } }", json!({})).await;
    assert_eq!(tenants.data("tenants.nodes").as_array().unwrap().len(), 0);
    app.gql(pa.bearer(), "query($id: ID!) { tenant(id: $id) { id } }", json!({ "id": p.tenant_id })).await.assert_code("NOT_FOUND");
    // They can add a colleague on their payer, but not on the tenant.
    let colleague = app.create_user(pa, "colleague@single.example", "VIEWER", ("payerId", &p.payer_id)).await;
    let seen = app.gql(colleague.bearer(), "{ me { memberships { payer { id } } } }", json!({})).await;
    assert_eq!(seen.data("me.memberships.0.payer.id"), p.payer_id.as_str());
}

on_both_databases!(tenant_tree_rules, only_admins_manage_users_and_memberships, single_payer_admin_sees_only_that_payer);
