//! Prometheus metrics, written by hand: request counts and latency
//! histograms per route, screening counts, authentication failures, list
//! updates, and what is being served (list versions, index size).
//!
//! One short mutex-guarded update per request: at the request rates one
//! machine serves, that is noise next to the work of a request, and it
//! keeps the exposition consistent without a metrics library.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::Failure;
use crate::state::{AppState, Served};

/// Latency bucket bounds, in seconds.
const BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    /// Counts per bucket (not cumulative), the last for +Inf.
    buckets: [u64; BUCKETS.len() + 1],
    count: u64,
    sum: f64,
}

/// The server's counters.
#[derive(Debug)]
pub(crate) struct Metrics {
    started: Instant,
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
    queries: AtomicU64,
    auth_failures: [AtomicU64; Failure::ALL.len()],
    updates_succeeded: AtomicU64,
    updates_failed: AtomicU64,
    swaps: AtomicU64,
    overloaded: AtomicU64,
    timeouts: AtomicU64,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        Metrics {
            started: Instant::now(),
            routes: Mutex::new(BTreeMap::new()),
            queries: AtomicU64::new(0),
            auth_failures: Default::default(),
            updates_succeeded: AtomicU64::new(0),
            updates_failed: AtomicU64::new(0),
            swaps: AtomicU64::new(0),
            overloaded: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
        }
    }

    fn record(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        let Ok(mut routes) = self.routes.lock() else { return };
        let key = (route, method);
        // Look up by borrowed key first: no allocation on the hot path.
        let stats = match routes.iter_mut().find(|((r, m), _)| (r.as_str(), m.as_str()) == key) {
            Some((_, stats)) => stats,
            None => routes.entry((route.to_owned(), method.to_owned())).or_default(),
        };
        *stats.by_status.entry(status).or_default() += 1;
        stats.buckets[bucket] += 1;
        stats.count += 1;
        stats.sum += seconds;
    }

    pub(crate) fn queries(&self, n: u64) {
        self.queries.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn auth_failure(&self, failure: Failure) {
        if let Some(i) = Failure::ALL.iter().position(|f| *f == failure) {
            self.auth_failures[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn update(&self, succeeded: bool) {
        let counter = if succeeded { &self.updates_succeeded } else { &self.updates_failed };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn swapped(&self) {
        self.swaps.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn overloaded(&self) {
        self.overloaded.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn timed_out(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self, served: Option<&Served>, pending: usize) -> String {
        let mut out = String::with_capacity(4096);
        let w = &mut out;
        help(
            w,
            "vigia_http_requests_total",
            "counter",
            "HTTP requests by route, method and status.",
        );
        let routes = match self.routes.lock() {
            Ok(routes) => routes,
            Err(poisoned) => poisoned.into_inner(),
        };
        for ((route, method), stats) in routes.iter() {
            for (status, count) in &stats.by_status {
                let _ = writeln!(
                    w,
                    "vigia_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {count}",
                    escape(route)
                );
            }
        }
        help(
            w,
            "vigia_http_request_duration_seconds",
            "histogram",
            "HTTP request latency by route, from the first byte read to the response.",
        );
        for ((route, method), stats) in routes.iter() {
            let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += stats.buckets[i];
                let _ = writeln!(
                    w,
                    "vigia_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += stats.buckets[BUCKETS.len()];
            let _ = writeln!(
                w,
                "vigia_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {cumulative}"
            );
            let _ =
                writeln!(w, "vigia_http_request_duration_seconds_sum{{{labels}}} {}", stats.sum);
            let _ = writeln!(
                w,
                "vigia_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        drop(routes);
        help(w, "vigia_screen_queries_total", "counter", "Queries screened (a batch counts each).");
        let _ = writeln!(w, "vigia_screen_queries_total {}", self.queries.load(Ordering::Relaxed));
        help(
            w,
            "vigia_auth_failures_total",
            "counter",
            "Requests refused by the key check, by reason.",
        );
        for (failure, counter) in Failure::ALL.iter().zip(&self.auth_failures) {
            let _ = writeln!(
                w,
                "vigia_auth_failures_total{{reason=\"{}\"}} {}",
                failure.name(),
                counter.load(Ordering::Relaxed)
            );
        }
        help(w, "vigia_screen_pending", "gauge", "Queries waiting or being screened now.");
        let _ = writeln!(w, "vigia_screen_pending {pending}");
        help(
            w,
            "vigia_overloaded_total",
            "counter",
            "Requests refused because the screening queue was full.",
        );
        let _ = writeln!(w, "vigia_overloaded_total {}", self.overloaded.load(Ordering::Relaxed));
        help(w, "vigia_timeouts_total", "counter", "Requests that ran past the request timeout.");
        let _ = writeln!(w, "vigia_timeouts_total {}", self.timeouts.load(Ordering::Relaxed));
        help(w, "vigia_list_updates_total", "counter", "List updates and reloads by outcome.");
        let _ = writeln!(
            w,
            "vigia_list_updates_total{{outcome=\"succeeded\"}} {}",
            self.updates_succeeded.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            w,
            "vigia_list_updates_total{{outcome=\"failed\"}} {}",
            self.updates_failed.load(Ordering::Relaxed)
        );
        help(w, "vigia_index_swaps_total", "counter", "Times a new index replaced the one served.");
        let _ = writeln!(w, "vigia_index_swaps_total {}", self.swaps.load(Ordering::Relaxed));
        help(w, "vigia_ready", "gauge", "1 when an index is loaded and requests are screened.");
        let _ = writeln!(w, "vigia_ready {}", u8::from(served.is_some()));
        help(w, "vigia_uptime_seconds", "gauge", "Seconds since the server started.");
        let _ = writeln!(w, "vigia_uptime_seconds {:.3}", self.started.elapsed().as_secs_f64());
        if let Some(served) = served {
            help(w, "vigia_list_version", "gauge", "The active version of each dataset served.");
            for version in &served.lists.versions {
                let _ = writeln!(
                    w,
                    "vigia_list_version{{dataset=\"{}\"}} {}",
                    escape(&version.dataset),
                    version.version
                );
            }
            help(w, "vigia_list_entities", "gauge", "Entities in each dataset's active version.");
            for version in &served.lists.versions {
                let _ = writeln!(
                    w,
                    "vigia_list_entities{{dataset=\"{}\"}} {}",
                    escape(&version.dataset),
                    version.entity_count
                );
            }
            let stats = served.lists.index.stats();
            help(w, "vigia_index_records", "gauge", "Entities in the index (matchable ones).");
            let _ = writeln!(w, "vigia_index_records {}", stats.records);
            help(w, "vigia_index_names", "gauge", "Name forms in the index.");
            let _ = writeln!(w, "vigia_index_names {}", stats.names);
            help(w, "vigia_index_tokens", "gauge", "Distinct name tokens in the index.");
            let _ = writeln!(w, "vigia_index_tokens {}", stats.tokens);
            help(w, "vigia_index_heap_bytes", "gauge", "Approximate heap size of the index.");
            let _ = writeln!(w, "vigia_index_heap_bytes {}", stats.heap_bytes);
            help(
                w,
                "vigia_index_build_seconds",
                "gauge",
                "Seconds the served index took to load and build.",
            );
            let _ = writeln!(w, "vigia_index_build_seconds {:.3}", served.lists.load_seconds);
            help(
                w,
                "vigia_index_loaded_timestamp_seconds",
                "gauge",
                "When the served index was swapped in (Unix time).",
            );
            let _ = writeln!(w, "vigia_index_loaded_timestamp_seconds {}", served.loaded_unix);
        }
        out
    }
}

fn help(w: &mut String, name: &str, kind: &str, text: &str) {
    let _ = writeln!(w, "# HELP {name} {text}");
    let _ = writeln!(w, "# TYPE {name} {kind}");
}

/// Escapes a label value.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Middleware: times every request and counts it by route and status.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    state.metrics.record(&route, &method, response.status().as_u16(), started.elapsed());
    response
}
