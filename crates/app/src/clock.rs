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
    /// The system clock moved by an offset: time runs, from a moment the demo's directorate chose
    /// (issue 11, item 12). Demo mode only.
    Shifted(Arc<Mutex<jiff::SignedDuration>>),
}

impl Clock {
    /// A manual clock starting at `at`.
    pub fn manual(at: Timestamp) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    /// The system clock, to be moved forward in the demo.
    pub fn shifted() -> Clock {
        Clock::Shifted(Arc::new(Mutex::new(jiff::SignedDuration::ZERO)))
    }

    /// How far a shifted clock is ahead of the system clock (`None` for other clocks or no shift).
    pub fn shift(&self) -> Option<jiff::SignedDuration> {
        match self {
            Clock::Shifted(d) => {
                let d = match d.lock() {
                    Ok(d) => *d,
                    Err(poisoned) => *poisoned.into_inner(),
                };
                (!d.is_zero()).then_some(d)
            }
            _ => None,
        }
    }

    /// Moves a shifted clock so that now is `to`. Only forward (the audit log and the deadlines
    /// already passed stay in order): `false`, and nothing changed, for a time not after now or
    /// for a clock that is not shifted.
    pub fn set_forward(&self, to: Timestamp) -> bool {
        let Clock::Shifted(d) = self else {
            return false;
        };
        let mut guard = match d.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let real = Timestamp::now();
        let now = real.checked_add(*guard).unwrap_or(real);
        if to <= now {
            return false;
        }
        *guard = to.duration_since(real);
        true
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Shifted(d) => {
                let d = match d.lock() {
                    Ok(d) => *d,
                    Err(poisoned) => *poisoned.into_inner(),
                };
                let real = Timestamp::now();
                real.checked_add(d).unwrap_or(real)
            }
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

/// Moves the demo's clock forward to `to` (issue 11, item 12), logged. Only the directorate
/// (`Action::SetDemoClock`); `Ok(false)`, nothing changed, when `to` is not after now. The web
/// layer offers this in demo mode only, where the clock is [`Clock::shifted`].
pub async fn set_demo_clock(
    app: &crate::App,
    caller: &crate::Caller,
    to: Timestamp,
) -> crate::Result<bool> {
    use lis1_domain::access::{Action, authorize};
    let grant =
        authorize(&caller.principal, &Action::SetDemoClock).map_err(crate::Error::forbidden)?;
    let before = app.clock.now();
    if !app.clock.set_forward(to) {
        return Ok(false);
    }
    let mut tx = app.begin().await?;
    tx.log(
        &caller.ctx(grant, app.now()),
        lis1_store::audit::Event {
            action: "demo.clock_set",
            object_type: "clock",
            object_id: "demo".into(),
            summary: serde_json::json!({"before": before.to_string(), "after": to.to_string()}),
        },
    )
    .await?;
    app.commit(tx, caller).await?;
    Ok(true)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_moves_forward_only() {
        let c = Clock::shifted();
        assert_eq!(c.shift(), None);
        let to: Timestamp = "2099-02-23T08:00:00Z".parse().unwrap();
        assert!(c.set_forward(to));
        let now = c.now();
        assert!(now >= to && now.duration_since(to).as_secs() < 5, "{now}");
        assert!(c.shift().is_some());
        assert!(!c.set_forward("2099-01-01T00:00:00Z".parse().unwrap()));
        assert!(c.now() >= to);
        assert!(!Clock::System.set_forward(to));
    }
}
