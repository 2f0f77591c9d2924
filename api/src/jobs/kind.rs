//! Job kinds with typed arguments. A kind's arguments are a type that names the kind
//! ([`JobArgs`]), so whoever enqueues needs only that type, not the handler; the handler
//! ([`Job`], declared with `job_handler!` where the work lives) takes them parsed. The queue
//! stores them as JSON; a step never reads the raw payload.

use async_trait::async_trait;
use entity::jobs;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{AppError, AppResult};
use crate::jobs::queue::{JobFailure, NewJob, Step};
use crate::jobs::worker::JobHandler;
use crate::jobs::JobContext;

/// What a job of one kind is asked to do. The type names its kind, so arguments of one kind
/// cannot be enqueued as another.
pub trait JobArgs: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind stored on each job row and named by schedules.
    const KIND: &'static str;
}

/// Declares the arguments of a kind that takes none (a schedule enqueues it with `{}`).
macro_rules! no_job_args {
    ($(#[$doc:meta])* $vis:vis $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
        $vis struct $name {}

        impl $crate::jobs::JobArgs for $name {
            const KIND: &'static str = $kind;
        }
    };
}
pub(crate) use no_job_args;

/// One kind of job: one step of its work, on its parsed arguments. A step that continues hands
/// back the next step's arguments.
#[async_trait]
pub trait Job: Send + Sync + 'static {
    type Args: JobArgs;

    async fn step(&self, ctx: &JobContext, job: &jobs::Model, args: Self::Args) -> Result<Step<Self::Args>, JobFailure>;
}

impl NewJob {
    /// A job with these arguments, of their kind (five attempts, no key, no delay).
    pub fn of<A: JobArgs>(args: &A) -> AppResult<Self> {
        Ok(Self::untyped(A::KIND, serde_json::to_value(args).map_err(AppError::internal)?))
    }
}

/// Parses a stored payload into `A`. A payload that does not parse will not parse on a retry
/// either: the job fails for good, saying which kind and why.
fn parse<A: JobArgs>(payload: &str) -> Result<A, JobFailure> {
    serde_json::from_str(payload).map_err(|e| JobFailure::Fatal(format!("the arguments of this {} job do not parse: {e}", A::KIND)))
}

#[async_trait]
impl<J: Job> JobHandler for J {
    fn kind(&self) -> &'static str {
        J::Args::KIND
    }

    fn check_args(&self, payload: &str) -> Result<(), JobFailure> {
        parse::<J::Args>(payload).map(|_| ())
    }

    async fn step(&self, ctx: &JobContext, job: &jobs::Model) -> Result<Step, JobFailure> {
        let args = parse::<J::Args>(&job.payload)?;
        match Job::step(self, ctx, job, args).await? {
            Step::Done(result) => Ok(Step::Done(result)),
            Step::Continue { payload, progress, after } => {
                let payload: Value = serde_json::to_value(payload).map_err(|e| JobFailure::from(AppError::internal(e)))?;
                Ok(Step::Continue { payload, progress, after })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Count {
        n: u32,
    }

    impl JobArgs for Count {
        const KIND: &'static str = "test.count";
    }

    struct Counter;

    #[async_trait]
    impl Job for Counter {
        type Args = Count;
        async fn step(&self, _: &JobContext, _: &jobs::Model, args: Count) -> Result<Step<Count>, JobFailure> {
            Ok(Step::Continue { payload: Count { n: args.n + 1 }, progress: None, after: std::time::Duration::ZERO })
        }
    }

    #[test]
    fn a_typed_job_is_enqueued_with_its_kind_and_arguments() {
        let job = NewJob::of(&Count { n: 3 }).expect("serializes");
        assert_eq!(job.kind, "test.count");
        assert_eq!(job.payload, serde_json::json!({ "n": 3 }));
    }

    #[test]
    fn arguments_that_do_not_parse_fail_the_job_for_good_naming_its_kind() {
        let checked = JobHandler::check_args(&Counter, r#"{"n": "three"}"#);
        match checked {
            Err(JobFailure::Fatal(message)) => {
                assert!(message.contains("test.count"), "{message}");
                assert!(message.contains("invalid type"), "{message}");
            }
            other => panic!("expected a permanent failure, got {other:?}"),
        }
        assert!(JobHandler::check_args(&Counter, r#"{"n": 3}"#).is_ok());
        assert_eq!(JobHandler::kind(&Counter), "test.count");
    }

    no_job_args!(Nothing, "test.nothing");

    #[test]
    fn a_kind_without_arguments_is_enqueued_and_scheduled_as_an_empty_object() {
        let job = NewJob::of(&Nothing {}).expect("serializes");
        assert_eq!((job.kind, job.payload), ("test.nothing", serde_json::json!({})));
        assert!(parse::<Nothing>("{}").is_ok());
    }
}
