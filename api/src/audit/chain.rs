//! The hash chain: append, verify, and retention behind a signed checkpoint.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use entity::{audit_events, settings};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::{BeginWrite, Db};
use crate::audit::NewEvent;
use crate::auth::secrets::random_secret;
use crate::error::{AppError, AppResult};

/// `prev_hash` of the first record ever.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_KEY: &str = "audit_chain_head";
const CHECKPOINT_KEY: &str = "audit_checkpoint";
const CHECKPOINT_SIGNING_KEY: &str = "audit_checkpoint_key";

/// The one writer of the chain in this process.
#[derive(Clone)]
pub struct Auditor {
    db: Db,
    lock: Arc<tokio::sync::Mutex<()>>,
    /// Appends waiting for `lock`: whoever takes it next writes them all (see `append`).
    waiting: Arc<std::sync::Mutex<Vec<Waiting>>>,
    /// The operator's checkpoint key (`PB_AUDIT_SIGNING_KEY`), if set.
    operator_key: Option<SecretString>,
}

/// An append waiting to be written, and where its outcome goes.
struct Waiting {
    events: Vec<NewEvent>,
    done: tokio::sync::oneshot::Sender<AppResult<()>>,
}

fn waiting_list(list: &std::sync::Mutex<Vec<Waiting>>) -> std::sync::MutexGuard<'_, Vec<Waiting>> {
    list.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The row's hash: SHA-256 over a JSON array of every column but `hash`.
pub fn row_hash(m: &audit_events::Model) -> String {
    let canonical = json!([
        m.seq,
        m.event_id,
        m.event_ms,
        m.event_source,
        m.event_name,
        m.event_type,
        m.read_only,
        m.error_code,
        m.user_id,
        m.token_id,
        m.tenant_id,
        m.payer_id,
        m.body,
        m.prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The head of the chain, kept in `settings` so a truncated tail is noticed too.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
struct Head {
    seq: i64,
    hash: String,
}

/// What retention left behind: the last pruned record, signed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub pruned_before: DateTime<Utc>,
    pub signature: String,
    /// Which key signed it: `operator` (`PB_AUDIT_SIGNING_KEY`) or `database` (generated).
    #[serde(default = "database_key")]
    pub key: String,
}

const OPERATOR_KEY: &str = "operator";
const DATABASE_KEY: &str = "database";

fn database_key() -> String {
    DATABASE_KEY.to_owned()
}

impl Checkpoint {
    fn message(&self) -> String {
        json!([self.seq, self.hash, self.pruned_before.timestamp_millis()]).to_string()
    }
}

/// HMAC-SHA256 (RFC 2104), hex.
fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut k = if key.len() > BLOCK { Sha256::digest(key).to_vec() } else { key.to_vec() };
    k.resize(BLOCK, 0);
    let inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner_hash = Sha256::new().chain_update(&inner).chain_update(message).finalize();
    hex::encode(Sha256::new().chain_update(&outer).chain_update(inner_hash).finalize())
}

async fn setting<C: ConnectionTrait>(db: &C, key: &str) -> AppResult<Option<String>> {
    Ok(settings::Entity::find_by_id(key.to_owned()).one(db).await?.map(|s| s.value))
}

async fn put_setting<C: ConnectionTrait>(db: &C, key: &str, value: String) -> AppResult<()> {
    let row = settings::ActiveModel { key: Set(key.to_owned()), value: Set(value), expires_at: Set(None), updated_at: Set(Utc::now()) };
    settings::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(settings::Column::Key)
                .update_columns([settings::Column::Value, settings::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

fn parse<T: for<'de> Deserialize<'de>>(what: &str, text: &str) -> AppResult<T> {
    serde_json::from_str(text).map_err(|e| AppError::internal(anyhow::anyhow!("audit {what} unreadable: {e}")))
}

/// The checkpoint signing key, generated on first use (first writer wins across replicas).
async fn signing_key<C: ConnectionTrait>(db: &C) -> AppResult<Vec<u8>> {
    if let Some(key) = setting(db, CHECKPOINT_SIGNING_KEY).await? {
        return Ok(key.into_bytes());
    }
    let row = settings::ActiveModel {
        key: Set(CHECKPOINT_SIGNING_KEY.to_owned()),
        value: Set(random_secret("")),
        expires_at: Set(None),
        updated_at: Set(Utc::now()),
    };
    settings::Entity::insert(row).on_conflict_do_nothing_on([settings::Column::Key]).exec(db).await?;
    let key = setting(db, CHECKPOINT_SIGNING_KEY).await?.ok_or_else(|| AppError::internal(anyhow::anyhow!("audit key missing after insert")))?;
    Ok(key.into_bytes())
}

async fn checkpoint<C: ConnectionTrait>(db: &C) -> AppResult<Option<Checkpoint>> {
    setting(db, CHECKPOINT_KEY).await?.map(|t| parse("checkpoint", &t)).transpose()
}

impl Auditor {
    pub fn new(db: impl Into<Db>) -> Self {
        Self { db: db.into(), lock: Arc::new(tokio::sync::Mutex::new(())), waiting: Arc::default(), operator_key: None }
    }

    /// Signs retention checkpoints with the operator's key instead of the database's.
    pub fn with_signing_key(mut self, key: Option<SecretString>) -> Self {
        self.operator_key = key;
        self
    }

    /// Appends events in order, in one transaction; returns once they are committed. Fails
    /// rather than forking the chain.
    pub async fn append(&self, events: Vec<NewEvent>) -> AppResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        // Inside a request transaction the database already serializes writers (SQLite's write
        // lock, PostgreSQL's row lock on the head below, held until the request commits); taking
        // the process lock there could wait on a job that itself waits for that lock.
        if Db::in_request_transaction() {
            let txn = self.db.begin_write().await?;
            append_rows(&txn, events).await?;
            txn.commit().await?;
            return Ok(());
        }
        // Outside one, appends group: those that arrive while another is being written wait
        // together, and the next to hold the lock writes them all in one transaction, one
        // writer's turn for all (twenty readers of audited reports at once on SQLite took
        // twenty turns in the writers' queue). Each caller still returns only once its own
        // events are committed, and fails if they are not. The write runs in a task of its
        // own, so a caller that goes away (its request cancelled) leaves no one else's events
        // unwritten.
        let (done, outcome) = tokio::sync::oneshot::channel();
        waiting_list(&self.waiting).push(Waiting { events, done });
        let held = Arc::clone(&self.lock).lock_owned().await;
        let batch = std::mem::take(&mut *waiting_list(&self.waiting));
        // Empty: an earlier holder wrote ours (its outcome is in `outcome` already).
        if !batch.is_empty() {
            let db = self.db.clone();
            tokio::spawn(async move {
                let _held = held;
                write_waiting(&db, batch).await;
            });
        }
        outcome.await.unwrap_or_else(|_| Err(AppError::internal(anyhow::anyhow!("the audit writer stopped before writing"))))
    }

    /// Deletes every whole UTC day older than `days` days and signs a checkpoint at the last
    /// deleted record. Returns how many records went.
    pub async fn prune(&self, days: u32, now: DateTime<Utc>) -> AppResult<u64> {
        let today = now.date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or(now);
        let cutoff = today - Duration::days(i64::from(days));
        let _guard = self.lock.lock().await;
        let (key, key_name) = match &self.operator_key {
            Some(k) => (k.expose_secret().as_bytes().to_vec(), OPERATOR_KEY),
            None => (signing_key(&self.db).await?, DATABASE_KEY),
        };
        let txn = self.db.begin_write().await?;
        let last = audit_events::Entity::find()
            .filter(audit_events::Column::EventMs.lt(cutoff.timestamp_millis()))
            .order_by_desc(audit_events::Column::Seq)
            .one(&txn)
            .await?;
        let Some(last) = last else {
            return Ok(0);
        };
        let mut cp = Checkpoint { seq: last.seq, hash: last.hash.clone(), pruned_before: cutoff, signature: String::new(), key: key_name.to_owned() };
        cp.signature = hmac_hex(&key, cp.message().as_bytes());
        // By seq, not time: everything up to the checkpoint goes, so the chain stays contiguous.
        let gone = audit_events::Entity::delete_many().filter(audit_events::Column::Seq.lte(last.seq)).exec(&txn).await?.rows_affected;
        put_setting(&txn, CHECKPOINT_KEY, serde_json::to_string(&cp).map_err(|e| AppError::internal(anyhow::Error::from(e)))?).await?;
        txn.commit().await?;
        Ok(gone)
    }
}

/// A verified chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: u64,
    /// Where the chain starts: 0 from the beginning, else the checkpoint's seq.
    pub checkpoint: i64,
    pub last_seq: i64,
}

/// The first place the chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record's content no longer matches its hash.
    Altered { seq: i64, event_id: String },
    /// A record is gone (`seq` is the first missing one).
    Missing { seq: i64 },
    /// The record does not follow the one before it (inserted or re-linked).
    Inserted { seq: i64, event_id: String },
    /// Records after the chain's head: appended outside the server, however well linked.
    BeyondHead { head: i64, last: i64 },
    /// The checkpoint's signature is wrong.
    Checkpoint(String),
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Altered { seq, event_id } => write!(f, "record {seq} (eventID {event_id}) was altered: its hash does not match its content"),
            Self::Missing { seq } => write!(f, "record {seq} is missing"),
            Self::Inserted { seq, event_id } => {
                write!(f, "record {seq} (eventID {event_id}) was inserted: it does not follow the record before it")
            }
            Self::BeyondHead { head, last } => {
                write!(f, "records {} to {last} come after the chain's head ({head}): they were appended outside the server", head + 1)
            }
            Self::Checkpoint(why) => write!(f, "the retention checkpoint is not valid: {why}"),
        }
    }
}

/// Walks the whole chain; a checkpoint signed with the operator's key needs that key.
pub async fn verify(db: &impl ConnectionTrait) -> AppResult<Result<VerifyReport, ChainBreak>> {
    verify_with(db, None).await
}

/// Walks the whole chain, checking an operator-signed checkpoint with `operator_key`.
pub async fn verify_with(db: &impl ConnectionTrait, operator_key: Option<&SecretString>) -> AppResult<Result<VerifyReport, ChainBreak>> {
    let (mut expected, mut prev, start) = match checkpoint(db).await? {
        Some(cp) => {
            let key = match (cp.key.as_str(), operator_key) {
                (OPERATOR_KEY, Some(k)) => k.expose_secret().as_bytes().to_vec(),
                (OPERATOR_KEY, None) => {
                    return Ok(Err(ChainBreak::Checkpoint("it is signed with the operator's key: set PB_AUDIT_SIGNING_KEY to verify".into())));
                }
                // Anyone who can write the database can sign with the key kept there.
                (DATABASE_KEY, Some(_)) => {
                    return Ok(Err(ChainBreak::Checkpoint(
                        "it is signed with the key kept in the database, but PB_AUDIT_SIGNING_KEY is set and only that key is trusted (the next pruning signs with it)".into(),
                    )));
                }
                (DATABASE_KEY, None) => signing_key(db).await?,
                (other, _) => return Ok(Err(ChainBreak::Checkpoint(format!("unknown signing key {other:?}")))),
            };
            let good = hmac_hex(&key, cp.message().as_bytes());
            if !bool::from(subtle::ConstantTimeEq::ct_eq(good.as_bytes(), cp.signature.as_bytes())) {
                return Ok(Err(ChainBreak::Checkpoint("bad signature".into())));
            }
            (cp.seq + 1, cp.hash, cp.seq)
        }
        None => (1, GENESIS.to_owned(), 0),
    };
    let mut records = 0u64;
    loop {
        let page = audit_events::Entity::find()
            .filter(audit_events::Column::Seq.gte(expected))
            .order_by_asc(audit_events::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            if row.seq != expected {
                return Ok(Err(ChainBreak::Missing { seq: expected }));
            }
            if row_hash(&row) != row.hash {
                return Ok(Err(ChainBreak::Altered { seq: row.seq, event_id: row.event_id }));
            }
            if row.prev_hash != prev {
                return Ok(Err(ChainBreak::Inserted { seq: row.seq, event_id: row.event_id }));
            }
            prev = row.hash;
            expected += 1;
            records += 1;
        }
    }
    let last_seq = expected - 1;
    if let Some(head) = setting(db, HEAD_KEY).await? {
        let head: Head = parse("chain head", &head)?;
        if head.seq > last_seq {
            return Ok(Err(ChainBreak::Missing { seq: last_seq + 1 }));
        }
        if head.seq == last_seq && head.hash != prev {
            return Ok(Err(ChainBreak::Altered { seq: last_seq, event_id: String::from("(chain head)") }));
        }
        if head.seq < last_seq {
            return Ok(Err(ChainBreak::BeyondHead { head: head.seq, last: last_seq }));
        }
    } else if last_seq > 0 {
        return Ok(Err(ChainBreak::BeyondHead { head: 0, last: last_seq }));
    }
    Ok(Ok(VerifyReport { records, checkpoint: start, last_seq }))
}

/// The chain's head (`seq`, `hash`) as the server last wrote it; `(0, GENESIS)` before any record.
pub async fn head<C: ConnectionTrait>(db: &C) -> AppResult<(i64, String)> {
    Ok(match setting(db, HEAD_KEY).await? {
        Some(text) => {
            let head: Head = parse("chain head", &text)?;
            (head.seq, head.hash)
        }
        None => (0, GENESIS.to_owned()),
    })
}

/// The last record retention deleted (0 when none was): records up to it are gone on purpose.
pub async fn pruned_through<C: ConnectionTrait>(db: &C) -> AppResult<i64> {
    Ok(checkpoint(db).await?.map_or(0, |cp| cp.seq))
}

/// Raw row access for tests and tools that must bypass the API (never used by the API).
pub async fn count(db: &impl ConnectionTrait) -> AppResult<u64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS n FROM audit_events"))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("count returned no row")))?;
    Ok(u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or(0))
}

/// Writes the waiting appends in one transaction, in the order they arrived, and tells each how
/// it went. They fail together (a failure is the database's, not one event's).
async fn write_waiting(db: &Db, batch: Vec<Waiting>) {
    let mut events = Vec::with_capacity(batch.iter().map(|w| w.events.len()).sum());
    let mut told = Vec::with_capacity(batch.len());
    for w in batch {
        events.extend(w.events);
        told.push(w.done);
    }
    let written = async {
        let _turn = db.writer_turn().await?;
        let txn = db.begin_write().await?;
        append_rows(&txn, events).await?;
        txn.commit().await?;
        AppResult::Ok(())
    }
    .await;
    match written {
        Ok(()) => told.into_iter().for_each(|done| drop(done.send(Ok(())))),
        Err(e) => {
            tracing::error!(error = %e.for_log(), appends = told.len(), "writing the audit trail failed");
            for done in told {
                drop(done.send(Err(AppError::internal(anyhow::anyhow!("writing the audit trail failed (logged with its cause)")))));
            }
        }
    }
}

/// Appends events to the chain in a transaction the caller holds, so they commit or roll back
/// with the change they record (a period closed by the daily job, an invoice issued). The
/// transaction already holds the database's write lock (SQLite) or takes the chain head's row
/// lock (PostgreSQL), which serializes it with every other writer of the chain.
pub async fn append_in(txn: &crate::tenancy::PayerTxn, events: Vec<NewEvent>) -> AppResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    append_rows(txn.joined(), events).await
}

/// Links `events` after the chain's head and moves the head, in `txn`.
async fn append_rows(txn: &impl ConnectionTrait, events: Vec<NewEvent>) -> AppResult<()> {
    // Make sure the head row exists, then lock it (PostgreSQL; SQLite has one writer anyway).
    let genesis = serde_json::to_string(&Head { seq: 0, hash: GENESIS.to_owned() }).map_err(|e| AppError::internal(anyhow::Error::from(e)))?;
    let row = settings::ActiveModel { key: Set(HEAD_KEY.to_owned()), value: Set(genesis), expires_at: Set(None), updated_at: Set(Utc::now()) };
    settings::Entity::insert(row).on_conflict_do_nothing_on([settings::Column::Key]).exec_without_returning(txn).await?;
    let mut select = settings::Entity::find_by_id(HEAD_KEY.to_owned());
    if txn.get_database_backend() == DbBackend::Postgres {
        select = select.lock_exclusive();
    }
    let head = select.one(txn).await?.ok_or_else(|| AppError::internal(anyhow::anyhow!("audit chain head missing")))?;
    let mut head: Head = parse("chain head", &head.value)?;
    // Rows past the head were not written here (the head moves with every append in this
    // transaction): someone wrote the table directly. Go on after them, linked to our own
    // head, so audited writes keep working and `audit verify` reports the break.
    let mut next_seq = head.seq + 1;
    let last_row = audit_events::Entity::find().order_by_desc(audit_events::Column::Seq).one(txn).await?.map_or(0, |r| r.seq);
    if last_row > head.seq {
        tracing::error!(head = head.seq, last_row, "audit rows beyond the chain head: the table was written outside the server; run `partner-billing audit verify`");
        next_seq = last_row + 1;
    }
    for event in events {
        let body = event.body();
        let (tenant_id, payer_id) = event.owner();
        let mut model = audit_events::Model {
            seq: next_seq,
            event_id: event.event_id.to_string(),
            event_ms: event.event_time.timestamp_millis(),
            event_source: event.event_source,
            event_name: event.event_name,
            event_type: event.event_type.to_owned(),
            read_only: event.read_only,
            error_code: event.error_code,
            user_id: event.actor.user_id,
            token_id: event.actor.token_id,
            tenant_id,
            payer_id,
            body: body.to_string(),
            prev_hash: head.hash.clone(),
            hash: String::new(),
        };
        model.hash = row_hash(&model);
        head = Head { seq: model.seq, hash: model.hash.clone() };
        next_seq += 1;
        let active: audit_events::ActiveModel = model.into();
        audit_events::Entity::insert(active).exec_without_returning(txn).await?;
    }
    let value = serde_json::to_string(&head).map_err(|e| AppError::internal(anyhow::Error::from(e)))?;
    settings::Entity::update_many()
        .col_expr(settings::Column::Value, Expr::value(value))
        .col_expr(settings::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(settings::Column::Key.eq(HEAD_KEY))
        .exec(txn)
        .await?;
Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        assert_eq!(
            super::hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// Appends that arrive while another is being written go together in one transaction:
    /// twenty waiting appends cost one append's statements and an insert for each further
    /// event, and every caller returns with its event in the chain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn appends_that_wait_together_are_written_together() {
        use std::sync::atomic::Ordering::SeqCst;
        let (_dir, db) = crate::tenancy::testing::database().await;
        let (counted, count) = crate::tenancy::testing::counting(&db);
        let auditor = Arc::new(Auditor::new(counted));
        let event = |name: String| NewEvent::api(&name, crate::audit::Actor::unknown(None));
        let before = count.load(SeqCst);
        auditor.append(vec![event("alone".into())]).await.unwrap();
        let alone = count.load(SeqCst) - before;
        // As if an append were being written: the next twenty wait for it.
        let held = Arc::clone(&auditor.lock).lock_owned().await;
        let appends: Vec<_> = (0..20)
            .map(|i| {
                let (auditor, event) = (Arc::clone(&auditor), event(format!("waiting{i}")));
                tokio::spawn(async move { auditor.append(vec![event]).await })
            })
            .collect();
        while waiting_list(&auditor.waiting).len() < 20 {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        let before = count.load(SeqCst);
        drop(held);
        for append in appends {
            append.await.unwrap().unwrap();
        }
        let together = count.load(SeqCst) - before;
        assert!(together <= alone + 19, "one transaction for the twenty: {together} statements, {alone} for one alone");
        let report = verify(&db).await.unwrap().unwrap();
        assert_eq!(report.records, 21, "every event is in the chain, and the chain holds");
    }
}
