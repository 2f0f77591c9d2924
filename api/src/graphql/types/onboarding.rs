use async_graphql::{Enum, Object};
use chrono::{DateTime, Utc};

use crate::domain::onboarding::{Onboarding as DomainOnboarding, Step, StepStatus};
use crate::graphql::types::tenants::Tenant;

/// The steps of a customer's onboarding, in order.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::onboarding_steps::StepKind")]
pub enum OnboardingStepKind {
    AddCustomer,
    Contract,
    InviteAdmin,
    ConnectAccount,
    ValidateExport,
    Complete,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::onboarding_steps::StepStatus")]
pub enum OnboardingStepStatus {
    Done,
    InProgress,
    /// Cannot go on until something is fixed (see `blockingReason`).
    Blocked,
    NotStarted,
}

pub struct OnboardingStep(Step);

#[Object]
impl OnboardingStep {
    async fn step(&self) -> OnboardingStepKind {
        self.0.kind.into()
    }
    async fn status(&self) -> OnboardingStepStatus {
        self.0.status.into()
    }
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
    /// Why the step cannot go on, in words a person can act on.
    async fn blocking_reason(&self) -> Option<&str> {
        self.0.blocking_reason.as_deref()
    }
    /// What to do next for this step.
    async fn next_action(&self) -> Option<&str> {
        self.0.next_action.as_deref()
    }
}

/// One customer's onboarding.
pub struct Onboarding(pub DomainOnboarding);

#[Object]
impl Onboarding {
    async fn customer(&self) -> Tenant {
        Tenant(self.0.customer.clone())
    }
    /// The first step that is not done (COMPLETE once all are).
    async fn current_step(&self) -> Option<OnboardingStep> {
        self.0.current().cloned().map(OnboardingStep)
    }
    async fn complete(&self) -> bool {
        self.0.steps.iter().all(|s| s.status == StepStatus::Done)
    }
    async fn steps(&self) -> Vec<OnboardingStep> {
        self.0.steps.iter().cloned().map(OnboardingStep).collect()
    }
}
