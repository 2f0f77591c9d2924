//! Answers already summed, kept in this process until the data under them changes.
//!
//! A partner's Overview asks the same questions again and again (this month by service, over
//! every payer) while the cost data moves about once a day. An answer is kept under its question
//! and the versions of every billing period of the payers it reads (`cost_data_versions`: every
//! writer of the day grain gives the periods it replaces a new version in its own transaction).
//! Those versions are read afresh for every request, so a write from any process, this one or
//! another replica, changes the key at once: a kept answer is never older than the data a fresh
//! read would see. Only what depends on the cost data alone is kept: sums of a stored column over
//! whole payers (no end customer's view, no pro-forma price, no tag). The caller's reach on the
//! payers is checked before, as for any read. Bounded: at most [`MAX_POINTS`] kept points in
//! all, least recently used dropped first.

use std::any::Any;
use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock, Mutex};

use entity::cost_data_versions;
use lru::LruCache;
use sea_orm::{QueryOrder, QuerySelect};
use sha2::{Digest, Sha256};

use crate::error::{AppResult, Context as _};
use crate::tenancy::PayerSet;

/// The most points (groups and series points of a summary; one for a day) kept in all: about
/// 20 MB at a few hundred bytes each.
pub(super) const MAX_POINTS: usize = 100_000;
/// The most answers kept, whatever their size.
const MAX_ANSWERS: usize = 1_024;

/// An answer that may be kept: cheap to clone next to summing it again, with a size.
pub(super) trait Keepable: Clone + Send + Sync + 'static {
    /// How many points it holds, against [`MAX_POINTS`].
    fn points(&self) -> usize;
}

struct Kept {
    answer: Arc<dyn Any + Send + Sync>,
    points: usize,
}

struct Answers {
    kept: LruCache<[u8; 32], Kept>,
    points: usize,
}

static ANSWERS: LazyLock<Mutex<Answers>> = LazyLock::new(|| {
    let capacity = NonZeroUsize::new(MAX_ANSWERS).unwrap_or(NonZeroUsize::MIN);
    Mutex::new(Answers { kept: LruCache::new(capacity), points: 0 })
});

/// The answer to `question` over `payers`: the one kept for their current data versions, or
/// `compute`'s, then kept. `question` must name everything the answer depends on besides the
/// payers' cost data.
pub(super) async fn answer<T: Keepable>(payers: &PayerSet, question: String, compute: impl Future<Output = AppResult<T>>) -> AppResult<T> {
    let key = key(payers, &question).await?;
    if let Some(found) = lookup::<T>(&key) {
        return Ok(found);
    }
    let answer = compute.await?;
    keep(key, &answer);
    Ok(answer)
}

/// The question, the payers and every version of their cost data, hashed.
async fn key(payers: &PayerSet, question: &str) -> AppResult<[u8; 32]> {
    let versions: Vec<(uuid::Uuid, String, uuid::Uuid)> = payers
        .rows::<cost_data_versions::Entity>()
        .select_only()
        .column(cost_data_versions::Column::PayerId)
        .column(cost_data_versions::Column::BillingPeriod)
        .column(cost_data_versions::Column::Version)
        .order_by_asc(cost_data_versions::Column::PayerId)
        .order_by_asc(cost_data_versions::Column::BillingPeriod)
        .tuples()
        .await
        .context("reading the cost data versions")?;
    let mut ids = payers.ids().to_vec();
    ids.sort_unstable();
    let mut hash = Sha256::new();
    hash.update(question.as_bytes());
    for id in ids {
        hash.update(id.as_bytes());
    }
    for (payer, period, version) in versions {
        hash.update(payer.as_bytes());
        hash.update(period.as_bytes());
        hash.update(version.as_bytes());
    }
    Ok(hash.finalize().into())
}

fn lookup<T: Keepable>(key: &[u8; 32]) -> Option<T> {
    let mut answers = ANSWERS.lock().ok()?;
    answers.kept.get(key).and_then(|k| k.answer.downcast_ref::<T>().cloned())
}

fn keep<T: Keepable>(key: [u8; 32], answer: &T) {
    let points = answer.points().max(1);
    if points > MAX_POINTS / 4 {
        return;
    }
    // A poisoned lock only loses the cache: the answer is still returned.
    let Ok(mut answers) = ANSWERS.lock() else { return };
    if let Some((_, old)) = answers.kept.push(key, Kept { answer: Arc::new(answer.clone()), points }) {
        answers.points -= old.points;
    }
    answers.points += points;
    while answers.points > MAX_POINTS {
        match answers.kept.pop_lru() {
            Some((_, dropped)) => answers.points -= dropped.points,
            None => break,
        }
    }
}

impl Keepable for super::CostSummary {
    fn points(&self) -> usize {
        self.groups.len() + self.series.len()
    }
}

impl Keepable for Option<chrono::NaiveDate> {
    fn points(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone)]
    struct Points(usize);
    impl Keepable for Points {
        fn points(&self) -> usize {
            self.0
        }
    }

    /// The kept points never pass the bound: the least recently used answers go first, a
    /// replaced answer's points are given back, and an answer too large is not kept at all.
    #[test]
    fn kept_answers_stay_within_their_bound() {
        let key = |n: u8| [n; 32];
        keep(key(1), &Points(MAX_POINTS / 4));
        keep(key(2), &Points(MAX_POINTS / 4));
        keep(key(3), &Points(MAX_POINTS / 4));
        keep(key(3), &Points(MAX_POINTS / 4));
        assert_eq!(lookup::<Points>(&key(1)).map(|s| s.0), Some(MAX_POINTS / 4), "key 1 is now the most recently used");
        keep(key(4), &Points(MAX_POINTS / 4));
        keep(key(5), &Points(MAX_POINTS / 4));
        assert!(lookup::<Points>(&key(2)).is_none(), "the least recently used went first");
        assert!(lookup::<Points>(&key(1)).is_some() && lookup::<Points>(&key(5)).is_some());
        keep(key(6), &Points(MAX_POINTS / 4 + 1));
        assert!(lookup::<Points>(&key(6)).is_none(), "too large to keep");
        assert!(ANSWERS.lock().unwrap().points <= MAX_POINTS);
        assert!(lookup::<Option<chrono::NaiveDate>>(&key(1)).is_none(), "another type under a key is no answer");
    }
}
