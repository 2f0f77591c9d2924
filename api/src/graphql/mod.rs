//! The GraphQL API: schema, request context, error mapping, types and resolvers.

pub mod audit_extension;
pub mod context;
pub mod error;
pub mod limits;
pub mod mutation;
pub mod pagination;
pub mod prefetch;
pub mod query;
pub mod types;

use async_graphql::{EmptySubscription, Schema};

use crate::state::AppState;
use mutation::MutationRoot;
use query::QueryRoot;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// The schema with its limits; `state` is `None` only when printing the SDL. Depth and cost are
/// checked by [`limits::RequestGuard`] (which lets introspection have its own depth), before the
/// audit hook and before anything runs.
pub fn build_schema(state: Option<AppState>, introspection: bool) -> AppSchema {
    let mut builder = Schema::build(QueryRoot::default(), MutationRoot::default(), EmptySubscription)
        .limit_recursive_depth(32)
        .limit_directives(8)
        .extension(limits::RequestGuard)
        .extension(crate::graphql::audit_extension::AuditExtension);
    if !introspection {
        // "Did you mean …" would name the fields introspection hides.
        builder = builder.disable_introspection().disable_suggestions();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The SDL exported to `api/schema.graphql`.
pub fn sdl() -> String {
    build_schema(None, true).sdl()
}

#[cfg(test)]
mod tests {
    #[test]
    fn exported_schema_file_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == super::sdl(),
            "api/schema.graphql is stale: run `cargo run -p partner-billing -- schema > api/schema.graphql`"
        );
    }
}
