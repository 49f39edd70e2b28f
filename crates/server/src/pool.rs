//! Where screening runs: off the async runtime, on threads that each keep
//! their own [`vigia_index::Scratch`] (`vigia_screen::with_thread_scratch`).
//!
//! Screening is CPU work (a few hundred microseconds per query); running it
//! on the runtime's threads would stall every other connection meanwhile.
//! Two executors are offered and measured in `bench/serve.sh` (ADR 0101):
//!
//! - [`Executor::Pool`] (the default): a rayon pool of one thread per core.
//!   A batch fans out over the pool.
//! - [`Executor::Blocking`]: tokio's blocking pool (`spawn_blocking`).
//! - [`Executor::Inline`]: on the runtime's worker thread that received
//!   the request, with no hand-off (measured: fewer threads and wake-ups,
//!   at the price of a worker busy for the query's duration).
//!
//! Either way a bounded number of queries may be waiting or running: past
//! it the server answers 503 at once instead of queueing without bound, and
//! a request whose deadline passes is answered 503 while its job sees the
//! deadline and stops between queries.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::ApiError;

/// Which threads screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Executor {
    /// A dedicated rayon pool, one thread per core.
    #[default]
    Pool,
    /// tokio's blocking thread pool.
    Blocking,
    /// The runtime's worker thread itself.
    Inline,
}

impl Executor {
    /// Parses `pool`, `blocking` or `inline`.
    pub fn parse(name: &str) -> Option<Executor> {
        match name {
            "pool" => Some(Executor::Pool),
            "blocking" => Some(Executor::Blocking),
            "inline" => Some(Executor::Inline),
            _ => None,
        }
    }
}

/// The screening executor with its admission bound.
#[derive(Debug)]
pub(crate) struct ScreenPool {
    executor: Executor,
    pool: Option<rayon::ThreadPool>,
    pending: Arc<AtomicUsize>,
    max_pending: usize,
}

/// Releases a job's admission when dropped (also on panic).
struct Admission {
    pending: Arc<AtomicUsize>,
    cost: usize,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.pending.fetch_sub(self.cost, Ordering::AcqRel);
    }
}

impl ScreenPool {
    pub(crate) fn new(
        executor: Executor,
        threads: usize,
        max_pending: usize,
    ) -> crate::Result<ScreenPool> {
        let pool = match executor {
            Executor::Pool => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads.max(1))
                    .thread_name(|i| format!("vigia-screen-{i}"))
                    .build()
                    .map_err(|e| crate::Error::Config(format!("screening threads: {e}")))?,
            ),
            Executor::Blocking | Executor::Inline => None,
        };
        Ok(ScreenPool { executor, pool, pending: Arc::new(AtomicUsize::new(0)), max_pending })
    }

    /// Queries waiting or being screened.
    pub(crate) fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Runs `job` (worth `cost` queries) off the runtime and waits for it
    /// until `deadline`. The job is given the deadline to stop early.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        cost: usize,
        timeout: Duration,
        job: impl FnOnce(Instant) -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let cost = cost.max(1);
        let before = self.pending.fetch_add(cost, Ordering::AcqRel);
        let admission = Admission { pending: Arc::clone(&self.pending), cost };
        // A request larger than the whole bound is still admitted when the
        // queue is empty: a permitted batch size must never be refused on
        // an idle server.
        if before > 0 && before + cost > self.max_pending {
            return Err(PoolError::Overloaded);
        }
        let deadline = Instant::now() + timeout;
        if self.executor == Executor::Inline {
            let _admission = admission;
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(deadline)));
            if outcome.is_err() {
                vigia_screen::reset_thread_scratch();
            }
            return outcome.map_err(|_| PoolError::Panicked);
        }
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let task = move || {
            let admission = admission;
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| job(deadline)));
            // Released before the answer leaves: a client that sends its
            // next request on receiving this one must find the slot free.
            drop(admission);
            if outcome.is_err() {
                // The scratch may have been left half-updated: start afresh.
                vigia_screen::reset_thread_scratch();
            }
            let _ = sender.send(outcome.map_err(|_| ()));
        };
        match (&self.executor, &self.pool) {
            (Executor::Pool, Some(pool)) => pool.spawn(task),
            _ => {
                drop(tokio::task::spawn_blocking(task));
            }
        }
        match tokio::time::timeout(timeout, receiver).await {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(()))) | Ok(Err(_)) => Err(PoolError::Panicked),
            Err(_) => Err(PoolError::TimedOut),
        }
    }
}

/// Why a job gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PoolError {
    /// Too many queries waiting: refused at once.
    Overloaded,
    /// The deadline passed.
    TimedOut,
    /// The job panicked (a bug).
    Panicked,
}

impl PoolError {
    pub(crate) fn into_api(self, timeout: Duration) -> ApiError {
        match self {
            PoolError::Overloaded => ApiError::unavailable(
                "the server is at capacity: too many queries waiting; retry shortly",
            ),
            PoolError::TimedOut => ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the request took longer than {} ms and was abandoned",
                    timeout.as_millis()
                ),
            ),
            PoolError::Panicked => ApiError::internal("a screening job panicked"),
        }
    }
}
