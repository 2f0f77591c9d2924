//! Signed digests of the audit chain, after CloudTrail's log file integrity validation.
//!
//! The hash chain in the database shows a record altered, inserted or removed, but someone who can
//! write the database can also rewrite the whole chain consistently (and sign a new retention
//! checkpoint with a key kept there). A digest pins the chain's head at a moment — its sequence
//! number and hash — and is signed with an Ed25519 key the database never sees; each digest names
//! the previous one by file name and SHA-256, so removing or editing one breaks the next. Verifying
//! needs only the public key: `partner-billing audit verify --digests DIR --public-key pub.pem`, or
//! `openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in X.json -sigfile X.json.sig` per file.
//!
//! Files: `digest-<UTC time>.json` (the digest, pretty JSON) and `<that>.sig` (the raw 64-byte
//! signature of exactly those bytes), written to `PB_AUDIT_DIGEST_DIR` hourly by the
//! `audit.digest` job. With `PB_AUDIT_DIGEST_S3_URI`, each file is then also put to S3 under the
//! same name ([`upload_pending`]), with the platform's own AWS identity, never over an existing
//! key (`If-None-Match: *`) and, with `PB_AUDIT_DIGEST_S3_RETAIN_DAYS`, locked (Object Lock,
//! COMPLIANCE mode): write-once storage out of reach of whoever can reach the server. The local
//! file comes first, so a failed upload loses nothing: every run uploads what S3 still lacks.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use entity::audit_events;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::audit::chain;
use crate::aws::s3::S3Api;
use crate::config::S3Location;
use crate::error::{AppError, AppResult};

const PREFIX: &str = "digest-";

/// One digest file's content.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuditDigest {
    pub digest_version: String,
    pub digest_time: DateTime<Utc>,
    /// The chain's head when the digest was made.
    pub head_seq: i64,
    pub head_hash: String,
    /// Records deleted by retention up to here (they are gone on purpose).
    pub pruned_through: i64,
    pub previous_digest_file: Option<String>,
    /// SHA-256 (hex) of the previous digest file's bytes.
    pub previous_digest_hash: Option<String>,
    /// SHA-256 (hex) of the signing key's public key, to tell keys apart after a rotation.
    pub public_key_sha256: String,
}

/// Reads an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519`).
pub fn signing_key_from_pem_file(path: &Path) -> anyhow::Result<SigningKey> {
    let pem = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading the audit digest key {}: {e}", path.display()))?;
    SigningKey::from_pkcs8_pem(&pem).map_err(|_| anyhow::anyhow!("{} is not an Ed25519 private key in PKCS#8 PEM", path.display()))
}

/// Reads an Ed25519 public key in SPKI PEM (`openssl pkey -pubout`).
pub fn verifying_key_from_pem_file(path: &Path) -> anyhow::Result<VerifyingKey> {
    let pem = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading the public key {}: {e}", path.display()))?;
    VerifyingKey::from_public_key_pem(&pem).map_err(|_| anyhow::anyhow!("{} is not an Ed25519 public key in PEM", path.display()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::internal(anyhow::anyhow!("{what} {}: {e}", path.display()))
}

/// The digest files in `dir`, oldest first (their names sort by time).
fn digest_files(dir: &Path) -> AppResult<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io("reading the digest folder", dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(PREFIX) && n.ends_with(".json")))
        .collect();
    files.sort();
    Ok(files)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Writes a digest of the chain's current head into `dir`, linked to the latest digest there.
pub async fn write<C: ConnectionTrait>(db: &C, dir: &Path, key: &SigningKey, now: DateTime<Utc>) -> AppResult<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| io("creating the digest folder", dir, e))?;
    let previous = digest_files(dir)?.pop();
    let previous_hash = match &previous {
        Some(path) => Some(sha256_hex(&std::fs::read(path).map_err(|e| io("reading", path, e))?)),
        None => None,
    };
    let (head_seq, head_hash) = chain::head(db).await?;
    let digest = AuditDigest {
        digest_version: "1".to_owned(),
        digest_time: now,
        head_seq,
        head_hash,
        pruned_through: chain::pruned_through(db).await?,
        previous_digest_file: previous.as_deref().map(file_name),
        previous_digest_hash: previous_hash,
        public_key_sha256: sha256_hex(key.verifying_key().as_bytes()),
    };
    let bytes = serde_json::to_vec_pretty(&digest).map_err(|e| AppError::internal(anyhow::Error::from(e)))?;
    let path = dir.join(format!("{PREFIX}{}.json", now.format("%Y%m%dT%H%M%S%3fZ")));
    let signature = key.sign(&bytes);
    // The signature first, then the digest by rename: a reader never sees a digest without one.
    let sig_path = PathBuf::from(format!("{}.sig", path.display()));
    std::fs::write(&sig_path, signature.to_bytes()).map_err(|e| io("writing", &sig_path, e))?;
    let partial = PathBuf::from(format!("{}.partial", path.display()));
    std::fs::write(&partial, &bytes).map_err(|e| io("writing", &partial, e))?;
    std::fs::rename(&partial, &path).map_err(|e| io("writing", &path, e))?;
    Ok(path)
}

/// Files one run puts to S3 at most (the oldest first): a long outage is caught up over runs.
pub const MAX_UPLOADS_PER_RUN: usize = 200;

/// What [`upload_pending`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// Files put now (digests and signatures).
    pub uploaded: Vec<String>,
    /// Files whose key was found in S3 when putting them (left as they are, never overwritten).
    pub already_there: Vec<String>,
    /// Files still to upload after this run (over [`MAX_UPLOADS_PER_RUN`]).
    pub remaining: usize,
}

/// Puts every digest file of `dir` (and its signature, first) that S3 lacks under `to`, oldest
/// first, at most `max` files: a digest whose upload failed before is uploaded now. Keys are
/// never overwritten; with `retain_days`, each object is locked until then.
pub async fn upload_pending(s3: &dyn S3Api, to: &S3Location, dir: &Path, retain_days: Option<u32>, now: DateTime<Utc>, max: usize) -> AppResult<UploadReport> {
    let present: std::collections::HashSet<String> = s3.list_own(&to.bucket, &to.prefix).await?.into_iter().map(|o| o.key).collect();
    let mut pending = Vec::new();
    for digest in digest_files(dir)? {
        let name = file_name(&digest);
        // The signature first: a digest is never in S3 without one.
        for file in [format!("{name}.sig"), name] {
            if !present.contains(&format!("{}{file}", to.prefix)) && dir.join(&file).exists() {
                pending.push(file);
            }
        }
    }
    let retain_until = retain_days.map(|d| now + chrono::Duration::days(i64::from(d)));
    let mut report = UploadReport { remaining: pending.len().saturating_sub(max), ..UploadReport::default() };
    for file in pending.into_iter().take(max) {
        let path = dir.join(&file);
        let bytes = std::fs::read(&path).map_err(|e| io("reading", &path, e))?;
        if s3.put_new(&to.bucket, &format!("{}{file}", to.prefix), bytes, retain_until).await? {
            report.uploaded.push(file);
        } else {
            report.already_there.push(file);
        }
    }
    Ok(report)
}

/// Copies every digest file under `from` into `dir` (for `audit verify --digests s3://…`).
pub async fn download_all(s3: &dyn S3Api, from: &S3Location, dir: &Path) -> AppResult<usize> {
    let mut n = 0;
    for object in s3.list_own(&from.bucket, &from.prefix).await? {
        let Some(name) = object.key.strip_prefix(&from.prefix) else { continue };
        // Only digest files directly under the prefix (never a path that leaves `dir`).
        if !name.starts_with(PREFIX) || name.contains('/') || !(name.ends_with(".json") || name.ends_with(".json.sig")) {
            continue;
        }
        s3.download_own(&from.bucket, &object.key, &dir.join(name)).await?;
        n += 1;
    }
    Ok(n)
}

/// What a verification with digests found.
#[derive(Debug, PartialEq, Eq)]
pub struct DigestReport {
    pub digests: usize,
    /// The head the newest digest pins (0 without digests).
    pub last_digest_seq: i64,
}

/// Why the digests do not vouch for the database.
#[derive(Debug, PartialEq, Eq)]
pub enum DigestBreak {
    NoSignature { file: String },
    BadSignature { file: String },
    Unreadable { file: String },
    /// A digest does not name the one before it (one was removed, replaced or reordered).
    Unlinked { file: String },
    /// The record a digest pins is gone (and retention did not delete it).
    RecordMissing { file: String, seq: i64 },
    /// The record a digest pins has another hash now: the chain was rewritten.
    RecordRewritten { file: String, seq: i64 },
}

impl fmt::Display for DigestBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSignature { file } => write!(f, "digest {file} has no signature file ({file}.sig)"),
            Self::BadSignature { file } => write!(f, "digest {file} is not signed by this public key (altered, or another key)"),
            Self::Unreadable { file } => write!(f, "digest {file} is not a digest"),
            Self::Unlinked { file } => write!(f, "digest {file} does not name the digest before it: a digest was removed, replaced or reordered"),
            Self::RecordMissing { file, seq } => write!(f, "record {seq}, pinned by digest {file}, is missing: the trail was truncated or records deleted"),
            Self::RecordRewritten { file, seq } => write!(f, "record {seq}, pinned by digest {file}, has another hash now: the chain was rewritten"),
        }
    }
}

/// Checks every digest in `dir` against `public` and against the database's records.
pub async fn verify<C: ConnectionTrait>(db: &C, dir: &Path, public: &VerifyingKey) -> AppResult<Result<DigestReport, DigestBreak>> {
    let pruned = chain::pruned_through(db).await?;
    let mut previous: Option<(String, String)> = None;
    let mut report = DigestReport { digests: 0, last_digest_seq: 0 };
    for path in digest_files(dir)? {
        let file = file_name(&path);
        let bytes = std::fs::read(&path).map_err(|e| io("reading", &path, e))?;
        let Ok(sig) = std::fs::read(format!("{}.sig", path.display())) else { return Ok(Err(DigestBreak::NoSignature { file })) };
        let signed = Signature::from_slice(&sig).is_ok_and(|s| public.verify(&bytes, &s).is_ok());
        if !signed {
            return Ok(Err(DigestBreak::BadSignature { file }));
        }
        let Ok(digest) = serde_json::from_slice::<AuditDigest>(&bytes) else { return Ok(Err(DigestBreak::Unreadable { file })) };
        let expected = previous.as_ref().map(|(name, hash)| (Some(name.clone()), Some(hash.clone())));
        if expected.unwrap_or((None, None)) != (digest.previous_digest_file.clone(), digest.previous_digest_hash.clone()) {
            return Ok(Err(DigestBreak::Unlinked { file }));
        }
        if digest.head_seq > pruned.max(0) {
            match audit_events::Entity::find_by_id(digest.head_seq).one(db).await? {
                None => return Ok(Err(DigestBreak::RecordMissing { file, seq: digest.head_seq })),
                Some(row) if row.hash != digest.head_hash => return Ok(Err(DigestBreak::RecordRewritten { file, seq: digest.head_seq })),
                Some(_) => {}
            }
        }
        report.digests += 1;
        report.last_digest_seq = digest.head_seq;
        previous = Some((file, sha256_hex(&bytes)));
    }
    Ok(Ok(report))
}
