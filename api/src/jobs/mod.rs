//! Durable background jobs in the database.
//!
//! Why our own small queue rather than a crate: the well-kept Rust job queues (apalis, fang,
//! graphile-worker ports) either bring their own sqlx version next to sea-orm's, or support only
//! PostgreSQL; we need one table that works on SQLite and PostgreSQL through sea-orm. The queue
//! is small: claim with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers share
//! it; SQLite runs one worker), retries with exponential backoff up to `max_attempts`,
//! idempotency keys, cron schedules in UTC (the `cron` crate parses them), and a graceful stop
//! that hands back the lease of nothing half-done: handlers work in short steps and a long
//! operation (polling AWS) is a job that reschedules itself with its progress in the payload.

mod context;
mod kind;
pub mod queue;
pub mod schedule;
pub mod worker;

pub use context::JobContext;
pub use kind::{Job, JobArgs};
pub(crate) use kind::no_job_args;
pub use queue::{JobFailure, NewJob, Step, enqueue};
pub use worker::{JobHandler, Worker, WorkerHandle};

/// Where a job is; stored as `queued`, `running`, `succeeded`, `failed`.
pub use entity::jobs::JobState;

/// Declares a job handler where its domain lives: a unit struct implementing [`Job`] for the
/// given arguments (whose type names the kind), whose step is the expression, with
/// `ctx: &JobContext`, `job: &jobs::Model` and the parsed arguments bound to the given patterns.
macro_rules! job_handler {
    ($(#[$doc:meta])* $vis:vis $name:ident, $args:ty, |$ctx:pat_param, $job:pat_param, $arg:pat_param| $step:expr) => {
        $(#[$doc])*
        $vis struct $name;

        #[async_trait::async_trait]
        impl $crate::jobs::Job for $name {
            type Args = $args;
            async fn step(
                &self,
                $ctx: &$crate::jobs::JobContext,
                $job: &entity::jobs::Model,
                $arg: $args,
            ) -> Result<$crate::jobs::Step<$args>, $crate::jobs::JobFailure> {
                $step
            }
        }
    };
}
pub(crate) use job_handler;
