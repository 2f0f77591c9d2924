//! The health levels of a cost data source, shared by export validation and the roll-up.

use std::cmp::Ordering;

/// SUCCESS | WARNING | FAILED | NOT_AVAILABLE, as `ingestionHealth` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceHealth {
    Success,
    Warning,
    Failed,
    NotAvailable,
}

impl SourceHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "SUCCESS",
            Self::Warning => "WARNING",
            Self::Failed => "FAILED",
            Self::NotAvailable => "NOT_AVAILABLE",
        }
    }

    /// The status strings of `costs::Health`; anything unknown is NOT_AVAILABLE.
    pub fn parse(s: &str) -> Self {
        match s {
            "SUCCESS" => Self::Success,
            "WARNING" => Self::Warning,
            "FAILED" => Self::Failed,
            _ => Self::NotAvailable,
        }
    }

    /// Higher is worse.
    fn severity(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::NotAvailable => 1,
            Self::Warning => 2,
            Self::Failed => 3,
        }
    }

    /// Worst first.
    pub fn worst_first(a: Self, b: Self) -> Ordering {
        b.severity().cmp(&a.severity())
    }
}
