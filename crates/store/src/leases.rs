//! Several instances on one database (issue 18, item 3): job leases and the shared sign-in
//! throttle.
//!
//! **Job leases.** Each background job (`offers`, `onboarding`, `retention`, …) runs on the
//! instance that holds its lease. [`Tx::try_acquire_lease`] takes a free or run-out lease, or
//! renews the caller's own, in one conditional upsert, so of several instances asking at once
//! exactly one gets it. The holder keeps renewing it at every run; if it stops, another instance
//! takes over once the lease has run out. Leases only save work: every job's writes are
//! conditional in themselves (an offer expires with `UPDATE … WHERE state = 'made'`, a reminder is
//! queued on a unique key), so two instances running one job at once still act once per event.
//!
//! **Sign-in throttle.** Failed sign-ins are counted per key (a hash of the e-mail or of the
//! client address, made by the caller) in a window, in the database, so a second instance sees
//! the first one's failures. Rows are deleted once their window has passed.

use jiff::{SignedDuration, Timestamp};

use crate::conv::DbTime;
use crate::{Result, StoreError, Tx, conv, on_tx};

/// A job's lease as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The job.
    pub job: String,
    /// The instance holding (or last holding) it.
    pub holder: String,
    /// When that holder took it.
    pub acquired_at: Timestamp,
    /// When it runs out unless renewed.
    pub expires_at: Timestamp,
    /// How many times it was taken or renewed.
    pub runs: i64,
}

crate::store_ops! {
    fn try_acquire_lease(&self, job: &str, holder: &str, ttl: SignedDuration, now: Timestamp) -> Result<bool>;
    fn release_lease(&self, job: &str, holder: &str, now: Timestamp) -> Result<bool>;
    fn release_leases(&self, holder: &str, now: Timestamp) -> Result<u64>;
    fn lease(&self, job: &str) -> Result<Option<Lease>>;
    fn login_failures(&self, key: &str, window: SignedDuration, now: Timestamp) -> Result<u32>;
    fn record_login_failure(&self, key: &str, window: SignedDuration, now: Timestamp) -> Result<u32>;
    fn clear_login_failures(&self, key: &str) -> Result<()>;
    fn purge_login_failures(&self, window: SignedDuration, now: Timestamp) -> Result<u64>;
}

fn micros(t: Timestamp) -> DbTime {
    conv::ts(lis1_domain::audit::to_micros(t))
}

fn later(now: Timestamp, d: SignedDuration) -> Result<Timestamp> {
    now.checked_add(d)
        .map_err(|e| StoreError::Corrupt(format!("lease: {e}")))
}

impl Tx {
    /// Takes the lease of `job` for `holder` until `now + ttl`, if nobody holds it, its holder's
    /// time has run out, or `holder` holds it already (a renewal). Says whether `holder` holds it
    /// now. One statement (an upsert with a condition), so of several instances asking at once
    /// exactly one gets a free lease.
    pub async fn try_acquire_lease(
        &mut self,
        job: &str,
        holder: &str,
        ttl: SignedDuration,
        now: Timestamp,
    ) -> Result<bool> {
        let until = later(now, ttl)?;
        on_tx!(self, conn => {
            let n = sqlx::query(
                "INSERT INTO job_leases (job, holder, acquired_at, expires_at, runs) \
                 VALUES ($1, $2, $3, $4, 1) \
                 ON CONFLICT (job) DO UPDATE SET \
                   acquired_at = CASE WHEN job_leases.holder = excluded.holder \
                                 THEN job_leases.acquired_at ELSE excluded.acquired_at END, \
                   holder = excluded.holder, expires_at = excluded.expires_at, \
                   runs = job_leases.runs + 1 \
                 WHERE job_leases.holder = excluded.holder OR job_leases.expires_at <= $3",
            )
            .bind(job)
            .bind(holder)
            .bind(micros(now))
            .bind(micros(until))
            .execute(&mut *conn)
            .await?
            .rows_affected();
            Ok(n == 1)
        })
    }

    /// Gives up `holder`'s lease of `job` (at shutdown), so another instance may take it at
    /// once. Says whether `holder` held it.
    pub async fn release_lease(&mut self, job: &str, holder: &str, now: Timestamp) -> Result<bool> {
        on_tx!(self, conn => {
            let n = sqlx::query(
                "UPDATE job_leases SET expires_at = $1 WHERE job = $2 AND holder = $3 AND expires_at > $1",
            )
            .bind(micros(now))
            .bind(job)
            .bind(holder)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            Ok(n == 1)
        })
    }

    /// Gives up every lease `holder` holds (at shutdown); returns how many.
    pub async fn release_leases(&mut self, holder: &str, now: Timestamp) -> Result<u64> {
        on_tx!(self, conn => {
            Ok(sqlx::query(
                "UPDATE job_leases SET expires_at = $1 WHERE holder = $2 AND expires_at > $1",
            )
            .bind(micros(now))
            .bind(holder)
            .execute(&mut *conn)
            .await?
            .rows_affected())
        })
    }

    /// The lease of `job`, if it was ever taken.
    pub async fn lease(&mut self, job: &str) -> Result<Option<Lease>> {
        on_tx!(self, conn => {
            let row: Option<(String, String, DbTime, DbTime, i64)> = sqlx::query_as(
                "SELECT job, holder, acquired_at, expires_at, runs FROM job_leases WHERE job = $1",
            )
            .bind(job)
            .fetch_optional(&mut *conn)
            .await?;
            Ok(row.map(|(job, holder, acquired, expires, runs)| Lease {
                job,
                holder,
                acquired_at: acquired.0,
                expires_at: expires.0,
                runs,
            }))
        })
    }

    /// Failed sign-ins under `key` in the window that is open at `now` (0 if none, or if the
    /// window has passed).
    pub async fn login_failures(
        &mut self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> Result<u32> {
        let since = now
            .checked_sub(window)
            .map_err(|e| StoreError::Corrupt(format!("window: {e}")))?;
        on_tx!(self, conn => {
            let n: Option<i32> = sqlx::query_scalar(
                "SELECT failures FROM login_failures WHERE key = $1 AND window_start > $2",
            )
            .bind(key)
            .bind(micros(since))
            .fetch_optional(&mut *conn)
            .await?;
            Ok(n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0))
        })
    }

    /// Counts one failed sign-in under `key`: in the open window, or in a new one starting at
    /// `now` if the last has passed. Returns the failures in the window, this one included. One
    /// statement, so failures on several instances at once are all counted.
    pub async fn record_login_failure(
        &mut self,
        key: &str,
        window: SignedDuration,
        now: Timestamp,
    ) -> Result<u32> {
        let since = now
            .checked_sub(window)
            .map_err(|e| StoreError::Corrupt(format!("window: {e}")))?;
        on_tx!(self, conn => {
            let n: i32 = sqlx::query_scalar(
                "INSERT INTO login_failures (key, failures, window_start) VALUES ($1, 1, $2) \
                 ON CONFLICT (key) DO UPDATE SET \
                   failures = CASE WHEN login_failures.window_start > $3 \
                              THEN login_failures.failures + 1 ELSE 1 END, \
                   window_start = CASE WHEN login_failures.window_start > $3 \
                                  THEN login_failures.window_start ELSE excluded.window_start END \
                 RETURNING failures",
            )
            .bind(key)
            .bind(micros(now))
            .bind(micros(since))
            .fetch_one(&mut *conn)
            .await?;
            Ok(u32::try_from(n).unwrap_or(0))
        })
    }

    /// Forgets the failures under `key` (after a successful sign-in).
    pub async fn clear_login_failures(&mut self, key: &str) -> Result<()> {
        on_tx!(self, conn => {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(key)
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }

    /// Deletes the counts whose window has passed; returns how many.
    pub async fn purge_login_failures(
        &mut self,
        window: SignedDuration,
        now: Timestamp,
    ) -> Result<u64> {
        let since = now
            .checked_sub(window)
            .map_err(|e| StoreError::Corrupt(format!("window: {e}")))?;
        on_tx!(self, conn => {
            Ok(sqlx::query("DELETE FROM login_failures WHERE window_start <= $1")
                .bind(micros(since))
                .execute(&mut *conn)
                .await?
                .rows_affected())
        })
    }
}
