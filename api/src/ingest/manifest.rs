//! Turning what the operator named into data files: a Data Exports manifest (CUR 2.0, FOCUS) or a
//! legacy CUR manifest becomes the files it lists — only the latest execution per export and
//! billing period when several manifests of one period are given — and a folder becomes the
//! manifests inside it, or its data files when it has none.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

/// One manifest, read.
struct Manifest {
    path: PathBuf,
    /// Export (ARN or name) and billing period: only the latest manifest per key is used.
    key: (String, String),
    /// Newest first: the manifest file's modification time, then its execution/assembly id.
    rank: (SystemTime, String),
    files: Vec<PathBuf>,
}

fn is_manifest(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.to_ascii_lowercase().ends_with("manifest.json"))
}

fn is_data_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_ascii_lowercase();
    name.ends_with(".parquet") || name.ends_with(".csv") || name.ends_with(".csv.gz") || name.ends_with(".gz")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot list the folder: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// The billing period `YYYY-MM` written in a path as `BILLING_PERIOD=YYYY-MM`.
fn period_in_path(s: &str) -> Option<String> {
    let at = s.find("BILLING_PERIOD=")? + "BILLING_PERIOD=".len();
    s.get(at..at + 7).map(str::to_owned)
}

/// Where a listed S3 object sits locally: the longest tail of its key found below the manifest's
/// folder or one of its parents (exports are usually copied with their folder layout).
fn locate(manifest: &Path, uri: &str) -> Option<PathBuf> {
    let key = uri.strip_prefix("s3://").map_or(uri, |rest| rest.split_once('/').map_or("", |(_, k)| k));
    let parts: Vec<&str> = key.split('/').filter(|p| !p.is_empty()).collect();
    let bases: Vec<&Path> = manifest.ancestors().skip(1).take(6).collect();
    for start in 0..parts.len() {
        for dir in &bases {
            let candidate = parts[start..].iter().fold(dir.to_path_buf(), |p, part| p.join(part));
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read the manifest: {e}", path.display()))?;
    let json: Value = serde_json::from_str(&text).map_err(|e| format!("{}: not a JSON manifest: {e}", path.display()))?;
    let str_of = |v: &Value| v.as_str().map(str::to_owned);
    // Data Exports (CUR 2.0, FOCUS): dataFiles + executionId; legacy CUR: reportKeys + assemblyId.
    let (listed, id) = if let Some(files) = json.get("dataFiles").and_then(Value::as_array) {
        (files, json.get("executionId").and_then(str_of).unwrap_or_default())
    } else if let Some(files) = json.get("reportKeys").and_then(Value::as_array) {
        (files, json.get("assemblyId").and_then(str_of).unwrap_or_default())
    } else {
        return Err(format!("{}: a manifest needs dataFiles (Data Exports) or reportKeys (legacy CUR)", path.display()));
    };
    let export = ["exportArn", "exportName", "reportName"].iter().find_map(|k| json.get(*k).and_then(str_of)).unwrap_or_default();
    let period = json
        .pointer("/billingPeriod/start")
        .and_then(str_of)
        .map(|s| if s.contains('-') { s.chars().take(7).collect() } else { format!("{}-{}", s.get(..4).unwrap_or(""), s.get(4..6).unwrap_or("")) })
        .or_else(|| period_in_path(&path.to_string_lossy()))
        .unwrap_or_default();
    let mut files = Vec::new();
    for f in listed {
        let uri = f.as_str().ok_or_else(|| format!("{}: a listed data file is not a string", path.display()))?;
        let local = locate(path, uri).ok_or_else(|| format!("{}: lists {uri}, which is not found beside the manifest", path.display()))?;
        files.push(local);
    }
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
    Ok(Manifest { path: path.to_owned(), key: (export, period), rank: (modified, id), files })
}

/// The data files to read, in a stable order.
pub fn expand(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut manifests = Vec::new();
    let mut data = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut all = Vec::new();
            walk(input, &mut all)?;
            let found: Vec<PathBuf> = all.iter().filter(|p| is_manifest(p)).cloned().collect();
            if found.is_empty() {
                data.extend(all.into_iter().filter(|p| is_data_file(p)));
            } else {
                manifests.extend(found);
            }
        } else if is_manifest(input) {
            manifests.push(input.clone());
        } else if input.exists() {
            data.push(input.clone());
        } else {
            return Err(format!("{}: no such file", input.display()));
        }
    }
    let mut latest: BTreeMap<(String, String), Manifest> = BTreeMap::new();
    for path in manifests {
        let m = read_manifest(&path)?;
        match latest.get(&m.key) {
            Some(seen) if seen.rank >= m.rank => {}
            _ => {
                latest.insert(m.key.clone(), m);
            }
        }
    }
    for m in latest.into_values() {
        tracing::debug!(manifest = %m.path.display(), files = m.files.len(), "using manifest");
        data.extend(m.files);
    }
    data.sort();
    data.dedup();
    if data.is_empty() {
        return Err("no data files found (give Parquet, CSV or CSV.gz files, a folder, or a manifest)".to_owned());
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn the_latest_manifest_of_a_period_wins() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("exports/my-cur");
        let data = root.join("data/BILLING_PERIOD=2024-09");
        fs::create_dir_all(data.join("exec-1")).unwrap();
        fs::create_dir_all(data.join("exec-2")).unwrap();
        fs::write(data.join("exec-1/my-cur-00001.snappy.parquet"), b"x").unwrap();
        fs::write(data.join("exec-2/my-cur-00001.snappy.parquet"), b"x").unwrap();
        fs::write(data.join("exec-2/my-cur-00002.snappy.parquet"), b"x").unwrap();
        let meta = root.join("metadata/BILLING_PERIOD=2024-09");
        fs::create_dir_all(meta.join("old")).unwrap();
        let uri = |e: &str, n: u32| format!("s3://bucket/exports/my-cur/data/BILLING_PERIOD=2024-09/{e}/my-cur-0000{n}.snappy.parquet");
        let old = serde_json::json!({"executionId": "exec-1", "exportArn": "arn:x", "dataFiles": [uri("exec-1", 1)]});
        let new = serde_json::json!({"executionId": "exec-2", "exportArn": "arn:x", "dataFiles": [uri("exec-2", 1), uri("exec-2", 2)]});
        fs::write(meta.join("old/my-cur-Manifest.json"), old.to_string()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(meta.join("my-cur-Manifest.json"), new.to_string()).unwrap();

        let files = expand(std::slice::from_ref(&root)).unwrap();
        assert_eq!(files, vec![data.join("exec-2/my-cur-00001.snappy.parquet"), data.join("exec-2/my-cur-00002.snappy.parquet")]);

        let e = expand(&[root.join("nope.parquet")]).unwrap_err();
        assert!(e.contains("no such file"), "{e}");
        let bad = serde_json::json!({"executionId": "e", "dataFiles": ["s3://b/elsewhere/x.parquet"]});
        fs::write(meta.join("my-cur-Manifest.json"), bad.to_string()).unwrap();
        let e = expand(&[meta.join("my-cur-Manifest.json")]).unwrap_err();
        assert!(e.contains("lists s3://b/elsewhere/x.parquet, which is not found"), "{e}");
    }
}
