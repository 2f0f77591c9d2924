//! The worker loop: enqueue due schedules, claim a job, run one step, record it; stop cleanly.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use entity::jobs;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::jobs::queue::{self, JobFailure, Step};
use crate::jobs::schedule;
use crate::jobs::JobContext;

/// Runs one kind of job, one step at a time.
#[async_trait]
pub trait JobHandler: Send + Sync {
    fn kind(&self) -> &'static str;
    /// Whether a stored payload parses as this kind's arguments.
    fn check_args(&self, payload: &str) -> Result<(), JobFailure>;
    async fn step(&self, ctx: &JobContext, job: &jobs::Model) -> Result<Step, JobFailure>;
}

pub struct Worker {
    pub id: String,
    state: JobContext,
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
    /// The kinds a schedule may name: those this worker has a handler for.
    kinds: Vec<&'static str>,
    lease: Duration,
    poll: Duration,
    wakeup: Arc<Notify>,
}

/// Stops a running worker.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    join: JoinHandle<()>,
}

impl WorkerHandle {
    /// Lets the step in progress finish, then returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.join.await {
            tracing::error!(error = %e, "job worker ended abnormally");
        }
    }
}

impl Worker {
    pub fn new(state: JobContext, handlers: Vec<Arc<dyn JobHandler>>, wakeup: Arc<Notify>) -> Self {
        let lease = Duration::from_secs(state.config.job_lease_seconds);
        let poll = Duration::from_millis(state.config.job_poll_ms);
        Self {
            // Leases are fenced by this name: two workers must never share one (the suffix sees to it).
            id: crate::ids::process_label(state.config.worker_name.as_deref()),
            state,
            kinds: handlers.iter().map(|h| h.kind()).collect(),
            handlers: handlers.into_iter().map(|h| (h.kind(), h)).collect(),
            lease,
            poll,
            wakeup,
        }
    }

    pub fn spawn(self) -> WorkerHandle {
        let (stop, stopped) = watch::channel(false);
        let join = tokio::spawn(self.run(stopped));
        WorkerHandle { stop, join }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, "job worker started");
        while !*stopped.borrow() {
            if let Err(e) = schedule::enqueue_due(self.state.platform().db(), &self.kinds).await {
                tracing::error!(error = ?e, "enqueuing scheduled jobs failed");
            }
            let worked = match queue::claim(self.state.platform().db(), &self.id, self.lease).await {
                Ok(Some(job)) => {
                    self.run_step(job).await;
                    true
                }
                Ok(None) => false,
                Err(e) => {
                    tracing::error!(error = ?e, "claiming a job failed");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    _ = tokio::time::sleep(self.poll) => {}
                    _ = self.wakeup.notified() => {}
                    _ = stopped.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    /// Renews the lease every third of its length; returns only when the lease is lost.
    async fn keep_lease(&self, job: &jobs::Model) {
        let every = self.lease / 3;
        let mut held_until = tokio::time::Instant::now() + self.lease;
        loop {
            tokio::time::sleep(every).await;
            match queue::extend_lease(self.state.platform().db(), job, &self.id, self.lease).await {
                Ok(true) => held_until = tokio::time::Instant::now() + self.lease,
                Ok(false) => return,
                Err(e) => {
                    tracing::warn!(error = ?e, "renewing the job's lease failed");
                    // Stop before the lease can run out under us: another worker may claim it then.
                    if tokio::time::Instant::now() + every >= held_until {
                        return;
                    }
                }
            }
        }
    }

    async fn run_step(&self, job: jobs::Model) {
        let span = tracing::info_span!("job", job = %job.id, kind = %job.kind, attempt = job.attempts + 1);
        let _entered = span.enter();
        // AWS calls of the step are audited as the System identity, filed under the job's payer.
        let scope = std::sync::Arc::new(crate::audit::CallScope::for_job(crate::audit::job_target(self.state.platform().db(), &job).await));
        let timer = crate::metrics::job_step(&job.kind);
        let step = async {
            match self.handlers.get(job.kind.as_str()) {
                Some(handler) => scope.clone().run(handler.step(&self.state, &job)).await,
                None => Err(JobFailure::Fatal(format!("no handler for job kind {}", job.kind))),
            }
        };
        // The step runs while its lease is renewed. If the lease is lost (another worker took the
        // job, or the database stayed unreachable until the lease was about to run out), the step
        // is dropped at its next await: a worker that no longer holds a job does no more work on it.
        let outcome = tokio::select! {
            outcome = step => outcome,
            () = self.keep_lease(&job) => {
                tracing::warn!("the job's lease was lost while its step ran; the step was stopped and its outcome not recorded");
                crate::metrics::job_lease_lost(&job.kind);
                return;
            }
        };
        timer.finish(match &outcome {
            Ok(Step::Done(_)) => "done",
            Ok(Step::Continue { .. }) => "continue",
            Err(JobFailure::Retry(_)) => "retry",
            Err(JobFailure::Fatal(_)) => "fatal",
        });
        if let Err(e) = crate::audit::flush_current_of(&scope, &self.state.audit).await {
            tracing::error!(error = ?e, "writing the job's AWS calls to the audit trail failed");
        }
        match &outcome {
            Ok(Step::Done(_)) => tracing::info!("job succeeded"),
            Ok(Step::Continue { .. }) => tracing::debug!("job continues later"),
            Err(JobFailure::Retry(e)) => tracing::warn!(error = %e, "job step failed; will retry"),
            Err(JobFailure::Fatal(e)) => tracing::warn!(error = %e, "job failed"),
        }
        if let Err(e) = queue::record(self.state.platform().db(), &job, &self.id, outcome).await {
            tracing::error!(error = ?e, "recording a job outcome failed; its lease will run out and it will run again");
        }
    }
}
