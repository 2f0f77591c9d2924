//! The layer check of docs/architecture.md: the files of `api/src` import each other (by their
//! `crate::` paths) without circles, and no module imports one of a higher layer than its own.
//! The layers are read from the table in docs/architecture.md, so the page and the check agree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The source of each module of `src`, by its path (`audit::digest`).
fn sources(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut dirs = vec![src.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut segments: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            if segments.last().is_some_and(|s| s == "mod") {
                segments.pop();
            }
            // The crate root declares modules, and main.rs is the binary: neither is a layer.
            if segments == ["lib"] || segments == ["main"] {
                continue;
            }
            out.insert(segments.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// Every path named after `crate::` in `text`, with `{a, b::{c, d}}` groups spelled out.
fn crate_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        // `partner_billing::crate::` does not occur; an identifier ending in `crate` would.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let (paths, used) = tree(rest);
        out.extend(paths);
        rest = &rest[used..];
    }
    out
}

/// Parses one use-tree (`a::b`, `a::{b, c::d}`) at the start of `s`: its paths and its length.
fn tree(s: &str) -> (Vec<String>, usize) {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut prefix = String::new();
    loop {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i > start {
            if !prefix.is_empty() {
                prefix.push_str("::");
            }
            prefix.push_str(&s[start..i]);
        }
        if s[i..].starts_with("::{") {
            i += 3;
            let mut paths = Vec::new();
            loop {
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    i += 1;
                    break;
                }
                let (inner, used) = tree(&s[i..]);
                paths.extend(inner.into_iter().map(|p| if p.is_empty() { prefix.clone() } else { format!("{prefix}::{p}") }));
                i += used.max(1);
                // Skip `as alias` and anything else up to the next item of the group.
                while i < bytes.len() && bytes[i] != b',' && bytes[i] != b'}' && bytes[i] != b'{' {
                    i += 1;
                }
            }
            return (paths, i);
        }
        if s[i..].starts_with("::") && s[i + 2..].starts_with(|c: char| c.is_alphanumeric() || c == '_') {
            i += 2;
            continue;
        }
        return (vec![prefix], i);
    }
}

/// The module a path lands in: its longest prefix that is a module of the crate.
fn module_of<'a>(path: &str, modules: &'a BTreeMap<String, String>) -> Option<&'a str> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len()).rev().find_map(|n| modules.get_key_value(&segments[..n].join("::")).map(|(k, _)| k.as_str()))
}

/// Which module imports which (self-imports left out). A module's text is read up to its
/// `#[cfg(test)]`: tests may reach up (an adapter's test builds the real clients).
fn graph(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    modules
        .iter()
        .map(|(name, text)| {
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            let deps = crate_paths(code).iter().filter_map(|p| module_of(p, modules)).filter(|m| *m != name).map(str::to_owned).collect();
            (name.clone(), deps)
        })
        .collect()
}

/// The circles of the graph (strongly connected components of more than one module), Tarjan.
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on.insert(v);
            for w in self.g.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut comp = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on.remove(w);
                    comp.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    self.out.push(comp);
                }
            }
        }
    }
    let mut walk = Walk { g, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), on: BTreeSet::new(), out: Vec::new() };
    for v in g.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.out
}

/// The layer table of docs/architecture.md (between its `layers:begin`/`layers:end` markers):
/// rows `| n | name | `module`, `module::sub` | … |`; a module takes the row of its longest prefix.
fn layers(doc: &str) -> BTreeMap<String, u32> {
    let begin = doc.find("<!-- layers:begin -->").expect("docs/architecture.md has a layers:begin marker");
    let end = doc.find("<!-- layers:end -->").expect("docs/architecture.md has a layers:end marker");
    let mut out = BTreeMap::new();
    for line in doc[begin..end].lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(level) = cells.get(1).and_then(|c| c.parse::<u32>().ok()) else { continue };
        for module in cells.get(3).unwrap_or(&"").split(',') {
            let module = module.trim().trim_matches('`');
            if !module.is_empty() {
                assert!(out.insert(module.to_owned(), level).is_none(), "{module} is in two rows of the layer table");
            }
        }
    }
    out
}

fn layer_of(module: &str, table: &BTreeMap<String, u32>) -> Option<u32> {
    let segments: Vec<&str> = module.split("::").collect();
    (1..=segments.len()).rev().find_map(|n| table.get(&segments[..n].join("::")).copied())
}

/// Everything wrong with the imports of `modules` against `table`, one line each.
fn problems(modules: &BTreeMap<String, String>, table: &BTreeMap<String, u32>) -> Vec<String> {
    let g = graph(modules);
    let mut out: Vec<String> = circles(&g).into_iter().map(|c| format!("circle of {} modules: {}", c.len(), c.join(", "))).collect();
    for (from, deps) in &g {
        let Some(own) = layer_of(from, table) else {
            out.push(format!("{from} is in no row of the layer table"));
            continue;
        };
        for to in deps {
            if let Some(theirs) = layer_of(to, table).filter(|theirs| *theirs > own) {
                out.push(format!("{from} (layer {own}) imports {to} (layer {theirs}), a higher layer"));
            }
        }
    }
    out
}

#[test]
fn api_layers_run_one_way_without_circles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = sources(&root.join("src"));
    let doc = std::fs::read_to_string(root.join("../docs/architecture.md")).unwrap();
    let table = layers(&doc);
    assert!(modules.len() > 100, "read the sources of api/src");
    let found = problems(&modules, &table);
    assert!(found.is_empty(), "the layers of docs/architecture.md are broken:\n{}", found.join("\n"));
}

/// The GraphQL types a module declares as a wrapper of a storage row (`struct X(pub …::Model)`).
fn row_wrappers(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("pub struct ") && l.contains("(pub ") && l.trim_end_matches(';').ends_with("::Model)"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn graphql_types_wrap_domain_types_not_storage_rows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = sources(&root.join("src"));
    let found: Vec<String> = modules
        .iter()
        .filter(|(path, _)| path.starts_with("graphql"))
        .flat_map(|(path, text)| row_wrappers(text).into_iter().map(move |l| format!("{path}: {l}")))
        .collect();
    assert!(found.is_empty(), "GraphQL types that wrap an entity model (wrap the domain's type instead):\n{}", found.join("\n"));
    assert_eq!(row_wrappers("pub struct Payer(pub payers::Model);\npub struct Job(pub JobView);"), ["pub struct Payer(pub payers::Model);"]);
}

/// How domain code would hold a raw connection: asking a scope or the platform for it, a job
/// context's or application state's `db`, or taking one as a parameter.
const RAW_CONNECTION: &[&str] = &[".db()", "ctx.db", "state.db", "&Db", "&impl ConnectionTrait", "DatabaseConnection", "DatabaseTransaction"];

/// The domain modules still allowed a raw connection, and how many uses: the first platform
/// admin's bootstrap (no caller, no tenant yet: the one-time code is the capability) and
/// `users`' CLI insert and password-by-token (the token is the capability). Nothing else.
const RAW_CONNECTION_ALLOWANCE: &[(&str, usize)] = &[("domain::bootstrap", 2), ("domain::users", 2)];

/// Domain code reaches rows only through the capability handles of `tenancy` (#18 item 1):
/// scoped payers, tenants and users for requests, the platform's payer handles for jobs.
#[test]
fn domain_code_reaches_rows_through_handles_not_the_raw_connection() {
    let modules = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut wrong = Vec::new();
    for (path, text) in modules.iter().filter(|(path, _)| path.starts_with("domain")) {
        // Tests set up rows as they like.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let uses: usize = RAW_CONNECTION.iter().map(|p| code.matches(p).count()).sum();
        let allowed = RAW_CONNECTION_ALLOWANCE.iter().find(|(m, _)| m == path).map_or(0, |(_, n)| *n);
        if uses != allowed {
            wrong.push(format!("{path}: {uses} raw-connection uses, {allowed} allowed (use a handle's finders)"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A handle's transaction is handed to the lower layers that must join it (the outbox, the job
/// queue, the audit trail, the session store) and to nothing else: domain code uses the handle's finders.
#[test]
fn only_the_outbox_the_job_queue_and_the_audit_trail_join_a_handles_transaction() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let modules = sources(&root.join("src"));
    let callers: Vec<&String> = modules
        .iter()
        .filter(|(_, text)| text.contains(".joined()"))
        .map(|(path, _)| path)
        .filter(|path| !["tenancy", "notify::outbox", "ingest::rollup", "jobs::queue", "audit", "auth::sessions"].iter().any(|allowed| path.starts_with(allowed)))
        .collect();
    assert!(callers.is_empty(), "modules that reach a handle's raw transaction: {callers:?}");
}

/// Platform access (no tenant filter) is built by start-up and the CLI
/// (main.rs) only; everything else is handed one (`JobContext::platform()`).
#[test]
fn only_the_worker_start_up_and_the_cli_build_platform_access() {
    let modules = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let builders: Vec<&String> = modules
        .iter()
        .filter(|(_, text)| text.contains("UnscopedPlatformAccess::new("))
        .map(|(path, _)| path)
        .filter(|path| !["tenancy::unscoped", "startup"].iter().any(|allowed| path.starts_with(allowed)))
        .collect();
    assert!(builders.is_empty(), "modules that build platform access themselves (take JobContext::platform() instead): {builders:?}");
}

/// The platform's own machinery that takes the connection pool from the platform module
/// (`UnscopedPlatformAccess::db()`), each with the reason it works below any caller's scope.
/// A request gets a `Scope` from it and a job a payer's handle; nothing else asks for the pool.
const POOL_TAKERS: &[(&str, &str)] = &[
    ("jobs::context", "enqueues a schedule's fan-out on the platform's queue"),
    ("jobs::worker", "claims, leases and records the jobs of every payer"),
    ("notify::dispatch", "sends every tenant's deliveries"),
    ("metrics::scrape", "counts jobs and deliveries platform-wide"),
    ("audit::jobs", "signs digests of the whole trail"),
    ("ingest", "the cost-export writer replaces a payer's period, called by the platform's job and the CLI"),
    ("state", "AuthContext: a credential is checked before any scope exists"),
    ("graphql::mutation::sessions", "setting a password with an invitation token, which is the capability"),
];

/// Outside `tenancy/`, the pool is taken from the platform module only by the machinery listed in
/// [`POOL_TAKERS`]; `Scope::db()` and `JobContext`'s pool are private (the compiler keeps them so).
#[test]
fn only_the_platforms_own_machinery_takes_the_connection_pool() {
    let modules = sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let mut wrong = Vec::new();
    for (path, text) in modules.iter().filter(|(path, _)| !path.starts_with("tenancy")) {
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let takes = code.matches(".db()").count();
        let listed = POOL_TAKERS.iter().any(|(m, _)| path == m);
        if takes > 0 && !listed {
            wrong.push(format!("{path} takes the pool {takes} times (use a Scope or a payer handle)"));
        }
        if listed && takes == 0 {
            wrong.push(format!("{path} is listed in POOL_TAKERS but no longer takes the pool: remove it"));
        }
        if code.contains("Scope::new(") && !path.starts_with("auth::") {
            wrong.push(format!("{path} builds a Scope (take one from the platform handle or the request)"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn use_trees_are_spelled_out() {
    let paths = crate_paths("use crate::a::{b, c::{d, e as f}, self};\nlet x = crate::g::h(1); // crate::i\nuse my_crate::j;");
    assert_eq!(paths, ["a::b", "a::c::d", "a::c::e", "a::self", "g::h", "i"]);
}

#[test]
fn the_check_reports_a_circle_and_an_upward_import() {
    let doc = "<!-- layers:begin -->\n| 0 | leaves | `error` |\n| 1 | adapters | `aws`, `aws::special` |\n| 2 | top | `state` |\n<!-- layers:end -->";
    let table = layers(doc);
    assert_eq!(layer_of("aws::s3", &table), Some(1));
    let modules = |files: &[(&str, &str)]| files.iter().map(|(m, t)| ((*m).to_owned(), (*t).to_owned())).collect::<BTreeMap<_, _>>();
    let good = modules(&[("error", ""), ("aws", "use crate::error::E;"), ("aws::s3", "use crate::aws::X;"), ("state", "use crate::{aws::s3::S3, error};")]);
    assert_eq!(problems(&good, &table), Vec::<String>::new());
    // A leaf that reaches up to an adapter, and through it into a circle; test code is not read.
    let bad = modules(&[
        ("error", "fn f(e: crate::aws::s3::Error) {}\n#[cfg(test)]\nuse crate::state::AppState;"),
        ("aws", ""),
        ("aws::s3", "use crate::error::AppError;"),
        ("state", ""),
        ("stray", ""),
    ]);
    assert_eq!(
        problems(&bad, &table),
        [
            "circle of 2 modules: aws::s3, error",
            "error (layer 0) imports aws::s3 (layer 1), a higher layer",
            "stray is in no row of the layer table",
        ]
    );
}
