//! The deployment files: `docker compose config` validates docker-compose.yml (no Docker engine
//! is needed for that, and none is used), required secrets have no defaults, and the image is
//! built the way docs/operations.md says.

use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// `docker compose` (v2 plugin), else the standalone `docker-compose`; None when neither runs.
fn compose_command() -> Option<Vec<&'static str>> {
    let works = |program: &str, args: &[&str]| Command::new(program).args(args).output().is_ok_and(|o| o.status.success());
    if works("docker", &["compose", "version"]) {
        Some(vec!["docker", "compose"])
    } else if works("docker-compose", &["version"]) {
        Some(vec!["docker-compose"])
    } else {
        None
    }
}

/// Runs compose in the repository with `env` as its only .env file.
fn compose(cmd: &[&str], env: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let env_file = dir.path().join("test.env");
    std::fs::write(&env_file, env).unwrap();
    Command::new(cmd[0])
        .args(&cmd[1..])
        .args(["--project-directory", ROOT, "-f", &format!("{ROOT}/docker-compose.yml"), "--env-file", env_file.to_str().unwrap()])
        .args(args)
        // Only the env file speaks: a developer's shell must not fill in what it lacks.
        .env_remove("POSTGRES_PASSWORD")
        .env_remove("PB_JWT_SECRET")
        .output()
        .unwrap()
}

const SECRETS: &str = "POSTGRES_PASSWORD=test-only-postgres-password\nPB_JWT_SECRET=test-only-signing-key-0123456789abcdef0123\n";

#[test]
fn docker_compose_config_validates() {
    let Some(cmd) = compose_command() else {
        println!("SKIPPED: neither `docker compose` (the v2 plugin) nor `docker-compose` is installed, so docker-compose.yml was not validated");
        return;
    };
    println!("validating docker-compose.yml with `{}`", cmd.join(" "));
    let out = compose(&cmd, SECRETS, &["config", "-q"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let services = |profile: &[&str]| {
        let mut args = profile.to_vec();
        args.extend(["config", "--services"]);
        let out = compose(&cmd, SECRETS, &args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
        names.sort();
        names
    };
    assert_eq!(services(&["--profile", "sandbox"]), ["api", "mailpit", "moto", "postgres"], "the sandbox profile adds moto");
    // Compose v2 leaves moto out without the profile; v1 lists it but keeps it in the profile.
    let plain = services(&[]);
    let resolved = String::from_utf8_lossy(&compose(&cmd, SECRETS, &["config"]).stdout).into_owned();
    let moto: Vec<&str> = resolved.lines().skip_while(|l| *l != "  moto:").skip(1).take_while(|l| l.starts_with("    ")).collect();
    let in_profile = moto.iter().any(|l| l.trim() == "profiles:") && moto.iter().any(|l| l.trim() == "- sandbox");
    assert!(
        plain == ["api", "mailpit", "postgres"] || (plain.contains(&"moto".to_owned()) && in_profile),
        "moto runs only in the sandbox profile: {plain:?}\n{resolved}"
    );

    // No default secrets: without them compose refuses, naming what is missing.
    for missing in ["PB_JWT_SECRET", "POSTGRES_PASSWORD"] {
        let env: String = SECRETS.lines().filter(|l| !l.starts_with(missing)).map(|l| format!("{l}\n")).collect();
        let out = compose(&cmd, &env, &["config", "-q"]);
        assert!(!out.status.success(), "compose accepted a stack without {missing}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(missing), "{}", String::from_utf8_lossy(&out.stderr));
    }

    // The sandbox points the API at moto only when asked to.
    let sandbox = format!("{SECRETS}PB_AWS_ENDPOINT_URL=http://moto:5000\n");
    let sandboxed = String::from_utf8_lossy(&compose(&cmd, &sandbox, &["--profile", "sandbox", "config"]).stdout).into_owned();
    assert!(sandboxed.contains("http://moto:5000"), "{sandboxed}");
    assert!(!resolved.contains("moto:5000"), "without the sandbox the API talks to AWS");
}

#[test]
fn image_and_env_example_follow_the_rules() {
    let read = |p: &str| std::fs::read_to_string(Path::new(ROOT).join(p)).unwrap();
    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("AS frontend") && dockerfile.contains("npm run build"), "the web app is built in");
    assert!(dockerfile.contains("cargo build --release --locked -p partner-billing"));
    // Numeric, so Kubernetes' runAsNonRoot can check it without a runAsUser of its own.
    assert!(dockerfile.lines().any(|l| l == "USER 65532:65532"), "the final image runs as a numeric non-root user");
    assert!(dockerfile.contains("HEALTHCHECK") && dockerfile.contains("\"healthcheck\""), "the image checks /readyz");
    assert!(read(".dockerignore").lines().any(|l| l == ".env"), "secrets stay out of the build context");

    // Every variable in .env.example is empty, a placeholder or commented out: no real secret.
    let example = read(".env.example");
    for line in example.lines().filter(|l| !l.starts_with('#') && l.contains('=')) {
        let (key, value) = line.split_once('=').unwrap();
        assert!(value.is_empty() || !(key.contains("SECRET") || key.contains("PASSWORD") || key.contains("TOKEN")), "{key} has a value in .env.example");
    }
    for required in ["POSTGRES_PASSWORD=", "PB_JWT_SECRET="] {
        assert!(example.lines().any(|l| l == required), "{required} is listed, empty");
    }
}

// ---- Kubernetes (deploy/kubernetes) ----

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The pinned tools scripts/validate-kubernetes installs (`--install`; scripts/test does it).
const K8S_VENV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv-kubernetes");
const NOT_INSTALLED: &str = "the Kubernetes tools are not installed: run scripts/validate-kubernetes --install (scripts/test does)";

/// `scripts/validate-kubernetes` renders every overlay (and production with the ServiceMonitor
/// component) with kustomize, validates each strictly with kubernetes-validate against the current
/// Kubernetes and the oldest supported one, and runs checkov's Kubernetes checks. Then what the
/// manifests promise is checked on what kustomize rendered.
#[test]
fn kubernetes_manifests_validate_and_keep_their_promises() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(format!("{ROOT}/scripts/validate-kubernetes")).args(["--out", out.path().to_str().unwrap()]).output().unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&run.stdout), String::from_utf8_lossy(&run.stderr));
    assert_ne!(run.status.code(), Some(3), "{NOT_INSTALLED}\n{log}");
    assert!(run.status.success(), "scripts/validate-kubernetes failed:\n{log}");
    println!("{log}");
    assert!(log.contains("kubernetes-validate --strict (Kubernetes 1.37.0): passed"), "{log}");
    assert!(log.contains(" 0 failed, ") && log.contains("0 parsing errors"), "checkov ran and found nothing: {log}");

    let mut overlays: Vec<String> = std::fs::read_dir(format!("{ROOT}/deploy/kubernetes/overlays"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    overlays.sort();
    assert_eq!(overlays, ["production", "small"]);
    let operations = std::fs::read_to_string(format!("{ROOT}/docs/operations.md")).unwrap();
    for name in overlays.iter().map(String::as_str).chain(["production-servicemonitor"]) {
        let docs: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(out.path().join(format!("{name}.json"))).unwrap()).unwrap();
        check_rendering(name, &docs, &operations);
    }
    // The connection budget each overlay states matches its replica counts (16 per process).
    for overlay in &overlays {
        let docs: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(out.path().join(format!("{overlay}.json"))).unwrap()).unwrap();
        let hpa_max = find(&docs, "HorizontalPodAutoscaler", "partner-billing-api")["spec"]["maxReplicas"].as_u64().unwrap();
        let workers = find(&docs, "Deployment", "partner-billing-worker")["spec"]["replicas"].as_u64().unwrap();
        let most = 16 * (hpa_max + 1 + workers + 1 + 1);
        let kustomization = std::fs::read_to_string(format!("{ROOT}/deploy/kubernetes/overlays/{overlay}/kustomization.yaml")).unwrap();
        assert!(kustomization.contains(&format!("= {most};")), "{overlay}: the stated connection budget is not 16 x ({hpa_max} + 1 + {workers} + 1 + 1) = {most}");
    }
}

fn kind_of(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

fn name_of(doc: &Value) -> &str {
    doc["metadata"]["name"].as_str().unwrap_or_default()
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = docs.iter().filter(|d| kind_of(d) == kind && name_of(d) == name).collect();
    assert_eq!(found.len(), 1, "exactly one {kind}/{name}");
    found[0]
}

fn items(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or_default()
}

/// `name: value` of a container's plain `env` entries.
fn plain_env(container: &Value) -> BTreeMap<String, String> {
    items(&container["env"]).iter().filter_map(|e| Some((e["name"].as_str()?.to_owned(), e["value"].as_str()?.to_owned()))).collect()
}

fn check_rendering(name: &str, docs: &[Value], operations: &str) {
    let ctx = |what: &str| format!("{name}: {what}");
    assert!(!docs.is_empty(), "{}", ctx("nothing rendered"));

    // Secrets are never part of the manifests: no Secret object, no data but the ConfigMap's.
    for doc in docs {
        assert_ne!(kind_of(doc), "Secret", "{}", ctx("a Secret is in the manifests"));
        if kind_of(doc) != "ConfigMap" {
            assert!(doc.get("data").is_none() && doc.get("stringData").is_none(), "{}", ctx(&format!("{} has data", name_of(doc))));
        }
        if kind_of(doc) != "Namespace" {
            assert_eq!(doc["metadata"]["namespace"], "partner-billing", "{}", ctx(&format!("{}/{} namespace", kind_of(doc), name_of(doc))));
        }
    }
    let namespace = find(docs, "Namespace", "partner-billing");
    assert_eq!(namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted", "{}", ctx("pod security"));

    // The PB_ settings: every key is a documented variable, none is a secret, PB_RUN_JOBS is
    // per Deployment, and the server listens on all interfaces in the pod.
    let config_maps: Vec<&Value> = docs.iter().filter(|d| kind_of(d) == "ConfigMap").collect();
    assert_eq!(config_maps.len(), 1, "{}", ctx("one ConfigMap"));
    let config = config_maps[0];
    let config_name = name_of(config);
    assert!(config_name.starts_with("partner-billing-config-"), "{}", ctx("the ConfigMap's name carries its content hash"));
    let settings = config["data"].as_object().unwrap();
    assert_eq!(settings["PB_LISTEN"], "0.0.0.0:8080", "{}", ctx("PB_LISTEN"));
    assert_eq!(settings["PB_LOG_FORMAT"], "json");
    for key in settings.keys().filter(|k| k.starts_with("PB_")) {
        assert!(operations.contains(&format!("| `{key}` |")), "{}", ctx(&format!("{key} is not a documented variable")));
        assert!(!["PB_RUN_JOBS", "PB_JWT_SECRET", "PB_DATABASE_URL", "PB_SMTP_URL", "PB_AUDIT_SIGNING_KEY", "PB_METRICS_TOKEN"].contains(&key.as_str()), "{}", ctx(&format!("{key} in the ConfigMap")));
    }

    let sa = find(docs, "ServiceAccount", "partner-billing");
    assert_eq!(sa["automountServiceAccountToken"], false, "{}", ctx("service account token"));
    assert!(sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].as_str().is_some_and(|a| a.starts_with("arn:aws:iam::")), "{}", ctx("IRSA role"));

    // Every workload's pods: non-root, read-only, nothing extra, pinned image, emptyDir scratch.
    let api = find(docs, "Deployment", "partner-billing-api");
    let worker = find(docs, "Deployment", "partner-billing-worker");
    let job = find(docs, "Job", "partner-billing-migrate");
    let mut secret_refs = BTreeSet::new();
    for workload in [api, worker, job] {
        let what = format!("{}/{}", kind_of(workload), name_of(workload));
        let pod = &workload["spec"]["template"]["spec"];
        assert_eq!(pod["serviceAccountName"], "partner-billing", "{}", ctx(&what));
        assert_eq!(pod["automountServiceAccountToken"], false, "{}", ctx(&what));
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{}", ctx(&what));
        assert_eq!(pod["securityContext"]["runAsUser"], 65532, "{}", ctx(&what));
        assert_eq!(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault", "{}", ctx(&what));
        assert!(pod["initContainers"].is_null(), "{}", ctx(&what));
        let containers = items(&pod["containers"]);
        assert_eq!(containers.len(), 1, "{}", ctx(&what));
        let volumes: BTreeMap<&str, &Value> = items(&pod["volumes"]).iter().map(|v| (v["name"].as_str().unwrap(), v)).collect();
        for c in containers {
            let sc = &c["securityContext"];
            assert_eq!(sc["readOnlyRootFilesystem"], true, "{}", ctx(&what));
            assert_eq!(sc["allowPrivilegeEscalation"], false, "{}", ctx(&what));
            assert_eq!(sc["runAsNonRoot"], true, "{}", ctx(&what));
            assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]), "{}", ctx(&what));
            assert!(sc["capabilities"]["add"].is_null(), "{}", ctx(&what));
            for kind in ["requests", "limits"] {
                for resource in ["cpu", "memory"] {
                    assert!(c["resources"][kind][resource].is_string(), "{}", ctx(&format!("{what}: {kind}.{resource}")));
                }
            }
            let image = c["image"].as_str().unwrap();
            let tag = image.rsplit_once(':').map(|(_, t)| t).unwrap_or_default();
            assert!(image.contains("@sha256:") || (!tag.is_empty() && !tag.contains('/') && tag != "latest"), "{}", ctx(&format!("{what}: image {image} is not pinned")));
            let mounts: BTreeMap<&str, &str> = items(&c["volumeMounts"]).iter().map(|m| (m["mountPath"].as_str().unwrap(), m["name"].as_str().unwrap())).collect();
            let tmp = mounts.get("/tmp").unwrap_or_else(|| panic!("{}", ctx(&format!("{what}: /tmp is not mounted"))));
            for volume in mounts.values() {
                assert!(volumes[volume]["emptyDir"]["sizeLimit"].is_string(), "{}", ctx(&format!("{what}: {volume} is a bounded emptyDir")));
            }
            assert!(volumes.contains_key(tmp));
            assert_eq!(items(&c["envFrom"]).iter().map(|e| e["configMapRef"]["name"].as_str().unwrap()).collect::<Vec<_>>(), [config_name], "{}", ctx(&what));
            for e in items(&c["env"]) {
                // Inline values: only PB_RUN_JOBS; the rest comes from the ConfigMap or a Secret.
                assert!(e["valueFrom"].is_object() || e["name"] == "PB_RUN_JOBS", "{}", ctx(&format!("{what}: {} set inline", e["name"])));
                if let Some(r) = e["valueFrom"]["secretKeyRef"].as_object() {
                    assert!(r.get("optional").is_none_or(|o| o == false), "{}", ctx("every secret is required"));
                    secret_refs.insert((e["name"].as_str().unwrap().to_owned(), r["name"].as_str().unwrap().to_owned(), r["key"].as_str().unwrap().to_owned()));
                }
            }
        }
    }
    let expected: BTreeSet<(String, String, String)> = [
        ("PB_DATABASE_URL", "partner-billing", "PB_DATABASE_URL"),
        ("PB_JWT_SECRET", "partner-billing", "PB_JWT_SECRET"),
        ("PB_SMTP_URL", "partner-billing", "PB_SMTP_URL"),
        ("PB_AUDIT_SIGNING_KEY", "partner-billing", "PB_AUDIT_SIGNING_KEY"),
        ("PB_METRICS_TOKEN", "partner-billing-metrics", "token"),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()))
    .collect();
    assert_eq!(secret_refs, expected, "{}", ctx("the secrets come from the two existing Secrets"));

    // API and worker: the same server, jobs only on the worker; probes on the named port.
    for (deployment, run_jobs) in [(api, "false"), (worker, "true")] {
        let what = name_of(deployment);
        let c = &deployment["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["args"], serde_json::json!(["serve"]), "{}", ctx(what));
        assert_eq!(plain_env(c).get("PB_RUN_JOBS").map(String::as_str), Some(run_jobs), "{}", ctx(&format!("{what}: PB_RUN_JOBS")));
        assert_eq!(c["ports"], serde_json::json!([{"name": "http", "containerPort": 8080, "protocol": "TCP"}]), "{}", ctx(what));
        for (probe, path) in [("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
            assert_eq!(c[probe]["httpGet"]["path"], path, "{}", ctx(&format!("{what}: {probe}")));
            assert_eq!(c[probe]["httpGet"]["port"], "http", "{}", ctx(&format!("{what}: {probe}")));
        }
        assert_eq!(deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], 0, "{}", ctx(what));
        let pdb = find(docs, "PodDisruptionBudget", what);
        assert_eq!(pdb["spec"]["selector"]["matchLabels"], deployment["spec"]["selector"]["matchLabels"], "{}", ctx(what));
    }
    assert!(api["spec"]["replicas"].is_null(), "{}", ctx("the HPA owns the API's replica count"));
    assert!(worker["spec"]["replicas"].as_u64().is_some_and(|n| n >= 1), "{}", ctx("workers"));
    assert!(worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].as_u64().unwrap() > 120, "{}", ctx("a worker may finish its step"));
    let migrate = &job["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(migrate["args"], serde_json::json!(["migrate"]), "{}", ctx("the Job migrates"));
    assert!(!plain_env(migrate).contains_key("PB_RUN_JOBS"));

    let hpa = find(docs, "HorizontalPodAutoscaler", "partner-billing-api");
    assert_eq!(hpa["apiVersion"], "autoscaling/v2");
    assert_eq!(hpa["spec"]["scaleTargetRef"], serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "partner-billing-api"}));
    let (min, max) = (hpa["spec"]["minReplicas"].as_u64().unwrap(), hpa["spec"]["maxReplicas"].as_u64().unwrap());
    assert!(min >= 2 && max >= min, "{}", ctx("HPA bounds"));

    // Services: the Ingress reaches the API's http port; both Services name a metrics port.
    let api_service = find(docs, "Service", "partner-billing-api");
    let worker_service = find(docs, "Service", "partner-billing-worker");
    for (service, deployment) in [(api_service, api), (worker_service, worker)] {
        assert_eq!(service["spec"]["selector"], deployment["spec"]["selector"]["matchLabels"], "{}", ctx(name_of(service)));
        assert!(items(&service["spec"]["ports"]).iter().any(|p| p["name"] == "metrics" && p["targetPort"] == "http"), "{}", ctx(name_of(service)));
    }
    let ingress = find(docs, "Ingress", "partner-billing");
    let backend = &ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"];
    assert_eq!(backend, &serde_json::json!({"name": "partner-billing-api", "port": {"name": "http"}}), "{}", ctx("Ingress backend"));
    assert!(items(&api_service["spec"]["ports"]).iter().any(|p| p["name"] == "http"));
    assert!(!ingress["spec"]["tls"].is_null(), "{}", ctx("Ingress TLS"));

    // NetworkPolicies: every pod is selected by a policy that restricts both directions, and
    // what each needs is open.
    let policies: Vec<&Value> = docs.iter().filter(|d| kind_of(d) == "NetworkPolicy").collect();
    let selects = |policy: &Value, labels: &Value| {
        policy["spec"]["podSelector"]["matchLabels"].as_object().unwrap().iter().all(|(k, v)| &labels[k] == v)
    };
    let egress_ports = |labels: &Value| -> BTreeSet<u64> {
        policies
            .iter()
            .filter(|p| selects(p, labels))
            .flat_map(|p| items(&p["spec"]["egress"]).iter().flat_map(|rule| items(&rule["ports"]).iter().filter_map(|port| port["port"].as_u64())))
            .collect()
    };
    for workload in [api, worker, job] {
        let labels = &workload["spec"]["template"]["metadata"]["labels"];
        let covering: Vec<&&Value> = policies.iter().filter(|p| selects(p, labels)).collect();
        assert!(
            covering.iter().any(|p| p["spec"]["policyTypes"] == serde_json::json!(["Ingress", "Egress"])),
            "{}",
            ctx(&format!("{} has no default-deny NetworkPolicy", name_of(workload)))
        );
        let ports = egress_ports(labels);
        assert!(ports.contains(&53) && ports.contains(&5432), "{}", ctx(&format!("{}: DNS and PostgreSQL: {ports:?}", name_of(workload))));
    }
    let api_ports = egress_ports(&api["spec"]["template"]["metadata"]["labels"]);
    assert!(api_ports.contains(&443) && !api_ports.contains(&587), "{}", ctx(&format!("API egress {api_ports:?}")));
    let worker_ports = egress_ports(&worker["spec"]["template"]["metadata"]["labels"]);
    assert!(worker_ports.is_superset(&[443, 587, 465, 80].into()), "{}", ctx(&format!("worker egress {worker_ports:?}")));
    let api_policy = find(docs, "NetworkPolicy", "partner-billing-api");
    assert!(items(&api_policy["spec"]["ingress"]).iter().all(|r| items(&r["ports"]).iter().all(|p| p["port"] == 8080)), "{}", ctx("API ingress only on 8080"));

    // docs/operations.md migrates first with `kubectl apply -k <overlay> -l <this selector>`: it
    // must pick what the migration Job needs (namespace, settings, service account, its network
    // policy) and nothing that rolls.
    assert!(operations.contains("-l 'app.kubernetes.io/component notin (api,worker)'"), "the documented selector");
    let mut first: Vec<String> = docs
        .iter()
        .filter(|d| !matches!(d["metadata"]["labels"]["app.kubernetes.io/component"].as_str(), Some("api" | "worker")))
        .map(|d| format!("{}/{}", kind_of(d), name_of(d)))
        .collect();
    first.sort();
    let mut expected_first = vec![
        format!("ConfigMap/{config_name}"),
        "Job/partner-billing-migrate".to_owned(),
        "Namespace/partner-billing".to_owned(),
        "NetworkPolicy/partner-billing".to_owned(),
        "ServiceAccount/partner-billing".to_owned(),
    ];
    if name.ends_with("servicemonitor") {
        expected_first.push("ServiceMonitor/partner-billing".to_owned());
        expected_first.sort();
    }
    assert_eq!(first, expected_first, "{}", ctx("what the migration step applies"));

    if name.ends_with("servicemonitor") {
        let monitor = find(docs, "ServiceMonitor", "partner-billing");
        let endpoint = &monitor["spec"]["endpoints"][0];
        assert_eq!(endpoint["port"], "metrics");
        assert_eq!(endpoint["path"], "/metrics");
        assert_eq!(endpoint["authorization"]["credentials"], serde_json::json!({"name": "partner-billing-metrics", "key": "token"}));
        assert!(selects(&serde_json::json!({"spec": {"podSelector": monitor["spec"]["selector"]}}), &api_service["metadata"]["labels"]));
        assert!(selects(&serde_json::json!({"spec": {"podSelector": monitor["spec"]["selector"]}}), &worker_service["metadata"]["labels"]));
    } else {
        assert!(docs.iter().all(|d| kind_of(d) != "ServiceMonitor"), "{}", ctx("the ServiceMonitor is optional (its CRD may be absent)"));
    }
}

/// The validators the test above relies on really reject: an unknown field fails
/// kubernetes-validate --strict, and a writable root filesystem fails checkov.
#[test]
fn kubernetes_validators_reject_bad_manifests() {
    let bin = |tool: &str| {
        let path = format!("{K8S_VENV}/bin/{tool}");
        assert!(Path::new(&path).exists(), "{NOT_INSTALLED}");
        path
    };
    let dir = tempfile::tempdir().unwrap();
    let deployment = |extra: &str, read_only: bool| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: n\nspec:\n  selector:\n    matchLabels: {{app: d}}\n  template:\n    metadata:\n      labels: {{app: d}}\n    spec:\n{extra}      containers:\n        - name: c\n          image: example/c:1.0\n          securityContext:\n            readOnlyRootFilesystem: {read_only}\n"
        )
    };
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, deployment("", true)).unwrap();
    let unknown_field = dir.path().join("unknown-field.yaml");
    std::fs::write(&unknown_field, deployment("      terminationGracePeriodSecondz: 5\n", true)).unwrap();
    let validate = |file: &Path| Command::new(bin("kubernetes-validate")).args(["--strict", "--quiet", "-k", "1.37.0"]).arg(file).output().unwrap();
    let ok = validate(&good);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let bad = validate(&unknown_field);
    assert!(!bad.status.success(), "kubernetes-validate --strict accepted an unknown field");
    assert!(String::from_utf8_lossy(&bad.stdout).contains("terminationGracePeriodSecondz"), "{}", String::from_utf8_lossy(&bad.stdout));

    let writable = dir.path().join("writable.yaml");
    std::fs::write(&writable, deployment("", false)).unwrap();
    let checkov = Command::new(bin("checkov"))
        .args(["--skip-download", "--framework", "kubernetes", "--check", "CKV_K8S_22", "--compact", "-f"])
        .arg(&writable)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&checkov.stdout);
    assert!(!checkov.status.success(), "checkov accepted a writable root filesystem: {report}");
    assert!(report.contains("CKV_K8S_22") && report.contains("FAILED"), "{report}");
}

/// #19.4: the README's configuration table and docs/operations.md name every setting `Config`
/// has (read from its source: a field added without a row fails here).
#[test]
fn every_setting_is_documented_in_the_readme_and_operations() {
    let source = std::fs::read_to_string(format!("{ROOT}/api/src/config.rs")).unwrap();
    let body = source.split("pub struct Config {").nth(1).unwrap().split("\n}").next().unwrap();
    let settings: Vec<String> = body
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub ")?.split(':').next().map(|name| format!("PB_{}", name.trim().to_uppercase())))
        .collect();
    assert!(settings.len() > 30 && settings.contains(&"PB_METRICS_TOKEN".to_owned()), "{settings:?}");
    for doc in ["README.md", "docs/operations.md"] {
        let text = std::fs::read_to_string(format!("{ROOT}/{doc}")).unwrap();
        let missing: Vec<&String> = settings.iter().filter(|s| !text.contains(&format!("| `{s}` |"))).collect();
        assert!(missing.is_empty(), "{doc} has no table row for {missing:?}");
    }
}
