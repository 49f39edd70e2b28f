//! Live list updates: fetch new list versions, build a new index beside
//! the one being served, and swap it in atomically.
//!
//! An update is two steps. The [`Updater`] brings the store up to date
//! (`vigia serve` runs `vigia lists update` as a child process: downloads,
//! verification, import and refusal rules exactly as on the command line,
//! each recorded in the audit trail; ADR 0104). Then the server reloads:
//! if the active versions differ from those served, it builds a new index
//! on a blocking thread and swaps it in. Requests in flight keep the index
//! they started with. If anything fails, the old index keeps serving and
//! the failure is reported in the update status, the logs and the metrics.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::lists;
use crate::state::{AppState, Served};

/// What an updater reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UpdateOutput {
    /// Whether every source was updated or unchanged (none refused or
    /// failed).
    pub succeeded: bool,
    /// One line per list: what became of it.
    pub lists: Vec<String>,
    /// Errors and refusals, one per line.
    pub errors: Vec<String>,
}

/// Brings the store's active list versions up to date. Called on a
/// blocking thread; may take minutes.
pub trait Updater: Send + Sync + std::fmt::Debug + 'static {
    /// Runs one update.
    ///
    /// # Errors
    /// The update could not run at all (the message says why).
    fn update(&self) -> Result<UpdateOutput, String>;
}

/// What the last update or reload did, as `GET /admin/lists/update` shows
/// it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateStatus {
    /// `idle`, `running`, `succeeded`, `partial` (some lists refused or
    /// failed, the rest served) or `failed` (the old lists keep serving).
    pub state: &'static str,
    /// `update` (fetch, then reload) or `reload` (from the store only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// When it started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// Who asked (a key, or `schedule`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The lists served before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// The lists served after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving: Option<String>,
    /// Whether a new index was swapped in.
    pub swapped: bool,
    /// The updater's per-list lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<String>,
    /// Errors, refusals and failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Whether the store's active versions differ from those served.
fn changed(state: &AppState) -> Result<bool, String> {
    let active = lists::active_versions(&state.config.data_dir).map_err(|e| e.to_string())?;
    Ok(match state.served() {
        Some(served) => {
            let label = |v: &vigia_model::ListVersion| (v.dataset.clone(), v.version);
            let mut served: Vec<_> = served.lists.versions.iter().map(label).collect();
            let mut active: Vec<_> = active.iter().map(label).collect();
            served.sort();
            active.sort();
            served != active
        }
        None => true,
    })
}

/// Loads the active lists and swaps them in when they changed (or always,
/// when `force`). Blocking. Returns whether a new index was swapped in.
fn reload_blocking(state: &AppState, force: bool) -> Result<bool, String> {
    if !force && !changed(state)? {
        return Ok(false);
    }
    // While an index serves, the new one builds on half the cores (at
    // least one thread), so that screening keeps the rest; the first
    // build, with nothing to serve, takes them all.
    let loaded = if state.served().is_some() {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads((cores / 2).max(1))
            .thread_name(|i| format!("vigia-rebuild-{i}"))
            .build()
            .map_err(|e| format!("starting the rebuild threads: {e}"))?;
        pool.install(|| lists::load(&state.config.data_dir))
    } else {
        lists::load(&state.config.data_dir)
    }
    .map_err(|e| e.to_string())?;
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    tracing::info!(
        lists = %loaded.label,
        records = loaded.index.stats().records,
        seconds = format!("{:.2}", loaded.load_seconds),
        "index built; swapping it in"
    );
    state.swap(Served::new(loaded));
    Ok(true)
}

/// Runs an update (when `fetch` and an updater is configured) and a
/// reload, one at a time. Returns the final status.
pub(crate) async fn run(
    state: AppState,
    fetch: bool,
    force: bool,
    actor: String,
) -> Result<UpdateStatus, UpdateStatus> {
    let Ok(_guard) = state.updating.try_lock() else {
        return Err(status(&state));
    };
    let kind = if fetch { "update" } else { "reload" };
    let previous = state.served().map(|s| s.lists.label.clone());
    set_status(
        &state,
        UpdateStatus {
            state: "running",
            kind: Some(kind),
            started_at: Some(now()),
            actor: Some(actor.clone()),
            previous: previous.clone(),
            serving: previous.clone(),
            ..UpdateStatus::default()
        },
    );
    let worker = Arc::clone(&state);
    let updater = if fetch { state.updater.clone() } else { None };
    let outcome = tokio::task::spawn_blocking(move || {
        let output = updater.as_ref().map(|updater| updater.update());
        let reload = reload_blocking(&worker, force);
        (output, reload)
    })
    .await;
    let mut report = status(&state);
    report.finished_at = Some(now());
    let (output, reload) = match outcome {
        Ok(pair) => pair,
        Err(err) => (None, Err(format!("the update task failed: {err}"))),
    };
    let mut fetched_ok = true;
    match output {
        Some(Ok(output)) => {
            fetched_ok = output.succeeded;
            report.lists = output.lists;
            report.errors = output.errors;
        }
        Some(Err(err)) => {
            fetched_ok = false;
            report.errors.push(err);
        }
        None => {}
    }
    match reload {
        Ok(swapped) => {
            report.swapped = swapped;
            report.state = if fetched_ok { "succeeded" } else { "partial" };
            if !fetched_ok && !swapped {
                report.state = "failed";
            }
        }
        Err(err) => {
            report
                .errors
                .push(format!("reloading the lists: {err}; the previous lists keep serving"));
            report.state = "failed";
        }
    }
    report.serving = state.served().map(|s| s.lists.label.clone());
    state.metrics.update(report.state == "succeeded");
    if report.state == "succeeded" {
        tracing::info!(kind, swapped = report.swapped, serving = ?report.serving, "list {kind} done");
    } else {
        tracing::warn!(kind, state = report.state, errors = ?report.errors, "list {kind} did not fully succeed");
    }
    set_status(&state, report.clone());
    Ok(report)
}

/// The first load at start-up: retried until it works (`/readyz` stays
/// false until then).
pub(crate) async fn initial_load(state: AppState) {
    let mut wait = Duration::from_secs(1);
    loop {
        let worker = Arc::clone(&state);
        let result = tokio::task::spawn_blocking(move || reload_blocking(&worker, true)).await;
        match result {
            Ok(Ok(_)) => {
                if let Some(served) = state.served() {
                    tracing::info!(
                        lists = %served.lists.label,
                        records = served.lists.index.stats().records,
                        seconds = format!("{:.2}", served.lists.load_seconds),
                        "ready"
                    );
                }
                return;
            }
            Ok(Err(err)) => {
                tracing::error!("loading the lists failed: {err}; retrying in {wait:?}")
            }
            Err(err) => tracing::error!("loading the lists failed: {err}; retrying in {wait:?}"),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(60));
    }
}

/// Runs an update every `every`, after the first load.
pub(crate) async fn schedule(state: AppState, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(busy) = run(Arc::clone(&state), true, false, "schedule".to_owned()).await {
            tracing::info!(state = busy.state, "scheduled update skipped: another is running");
        }
    }
}

/// The current status.
pub(crate) fn status(state: &AppState) -> UpdateStatus {
    match state.update.lock() {
        Ok(status) => status.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

fn set_status(state: &AppState, status: UpdateStatus) {
    match state.update.lock() {
        Ok(mut current) => *current = status,
        Err(poisoned) => *poisoned.into_inner() = status,
    }
}
