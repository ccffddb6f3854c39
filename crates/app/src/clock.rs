//! Where "now" comes from. Only demo and test mode may set the time; production always uses the
//! system clock.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;

/// Where "now" comes from. Only demo and test mode may set the time; production always uses the
/// system clock.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The system clock.
    System,
    /// A settable time, for tests and for walking through the demo at a chosen date.
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    /// A manual clock starting at `at`.
    pub fn manual(at: Timestamp) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Manual(t) => match t.lock() {
                Ok(t) => *t,
                Err(poisoned) => *poisoned.into_inner(),
            },
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: jiff::SignedDuration) {
        if let Clock::Manual(t) = self {
            let mut guard = match t.lock() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            *guard = guard.checked_add(by).unwrap_or(*guard);
        }
    }
}
