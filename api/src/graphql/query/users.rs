use async_graphql::{Context, Object, connection::Connection};

use crate::domain;
use crate::graphql::context::ContextExt;
use crate::graphql::error::ApiResult;
use crate::graphql::pagination::{connection, page};
use crate::graphql::types::users::User;

#[derive(Default)]
pub struct UsersQuery;

#[Object]
impl UsersQuery {
    /// The signed-in user (for an API token: the user who created it).
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<User> {
        let scope = ctx.scope()?;
        let me = scope.principal().user_id;
        Ok(User(domain::users::get(&scope, me, crate::tenancy::Role::Viewer).await?))
    }

    /// A user the caller administers (or the caller).
    async fn user(&self, ctx: &Context<'_>, id: async_graphql::ID) -> ApiResult<User> {
        let id = crate::ids::UserId::parse(&id)?;
        Ok(User(domain::users::get(&ctx.scope()?, id, crate::tenancy::Role::Admin).await?))
    }

    /// Users the caller administers, and the caller.
    #[graphql(complexity = "super::page_complexity(first, child_complexity)")]
    async fn users(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> ApiResult<Connection<String, User>> {
        let page = page(first, after)?;
        let scope = ctx.scope()?;
        let rows = domain::users::list(&scope, page.clone()).await?;
        let ids: Vec<crate::ids::UserId> = rows.iter().map(|u| u.id).collect();
        read_memberships_ahead(ctx, &scope, &ids).await?;
        Ok(connection(rows, page.clone(), |u| u.id, User))
    }
}

/// For a connection of users: reads their memberships (and the memberships' tenants and payers)
/// ahead when the query selects them under `edges.node` or `nodes`.
async fn read_memberships_ahead(ctx: &Context<'_>, scope: &crate::tenancy::Scope, users: &[crate::ids::UserId]) -> ApiResult<()> {
    let look = ctx.look_ahead();
    let selections = [look.field("edges").field("node").field("memberships"), look.field("nodes").field("memberships")];
    if !selections.iter().any(|s| s.exists()) || users.is_empty() {
        return Ok(());
    }
    let tenants = selections.iter().any(|s| s.field("tenant").exists());
    let payers = selections.iter().any(|s| s.field("payer").exists());
    ctx.request()?.prefetched.load_memberships(scope, users, tenants, payers).await?;
    Ok(())
}
