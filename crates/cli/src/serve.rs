//! `vigia serve`: the HTTP API.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use vigia_server::{Executor, Server, ServerConfig, UpdateOutput, Updater};
use vigia_store::{KeyStore, Store};

use crate::Global;

/// Serves the HTTP API: yente-compatible /match, /search, /entities,
/// /catalog and /algorithms, plus /healthz, /readyz, /metrics,
/// /openapi.json and the admin endpoints for live list updates.
///
/// Every endpoint but /healthz and /readyz needs an API key (`vigia keys
/// create`), sent as `Authorization: ApiKey <key>` or `Authorization:
/// Bearer <key>`. The lists load in the background: /readyz answers 503
/// until they are ready. SIGINT or SIGTERM stops accepting connections and
/// lets requests in flight finish (at most 30 s). See docs/guide/api.md.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8000", value_name = "HOST:PORT")]
    addr: String,
    /// Serve without API keys: anyone who can reach the address may screen
    /// and update lists. Only for a trusted network or a local test.
    #[arg(long)]
    insecure_no_auth: bool,
    /// The most queries in one /match request (yente's default: 100).
    #[arg(long, default_value_t = 100, value_name = "N")]
    max_batch: usize,
    /// The largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1 << 20, value_name = "BYTES")]
    max_body_bytes: usize,
    /// How long a request may run before it is abandoned with a 503
    /// (`500ms`, `10s`, `2m`).
    #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DURATION")]
    timeout: Duration,
    /// Screening threads (default: one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// The most queries waiting or being screened; more are refused at
    /// once with a 503 rather than queued.
    #[arg(long, default_value_t = 4096, value_name = "N")]
    max_pending: usize,
    /// Run `vigia lists update` on this schedule (`6h`, `30m`) and swap in
    /// the new lists; off by default (POST /admin/lists/update runs one).
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    update_every: Option<Duration>,
    /// The sources file list updates use (as `vigia lists update
    /// --config`; default: sources.toml in the data directory if present).
    #[arg(long, value_name = "FILE")]
    update_config: Option<PathBuf>,
    /// Where screening runs: `pool` (dedicated threads), `blocking`
    /// (tokio's blocking pool) or `inline` (the runtime's workers); for
    /// benchmarks.
    #[arg(long, default_value = "pool", hide = true)]
    executor: String,
}

/// Parses `250ms`, `10s`, `5m`, `6h` or a number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: f64 = number.parse().map_err(|_| format!("not a duration: {text:?}"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("not a duration: {text:?} (use ms, s, m or h)")),
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("a duration must be positive: {text:?}"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Runs `vigia lists update` as a child process: downloads, checks and
/// imports exactly as on the command line (and in the audit trail), with
/// the parsers' memory returned to the system when it ends.
#[derive(Debug)]
struct ListsUpdate {
    exe: PathBuf,
    data_dir: PathBuf,
    config: Option<PathBuf>,
}

impl Updater for ListsUpdate {
    fn update(&self) -> Result<UpdateOutput, String> {
        let mut command = Command::new(&self.exe);
        command.arg("--data-dir").arg(&self.data_dir).args(["lists", "update"]);
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        let output = command
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("running {} lists update: {e}", self.exe.display()))?;
        let lines = |bytes: &[u8]| -> Vec<String> {
            bytes.lines().map_while(Result::ok).filter(|l| !l.trim().is_empty()).collect()
        };
        let errors = lines(&output.stderr)
            .into_iter()
            .filter(|l| l.contains("error"))
            .map(|l| l.trim_start_matches("vigia: error: ").to_owned())
            .collect();
        Ok(UpdateOutput {
            succeeded: output.status.success(),
            lists: lines(&output.stdout),
            errors,
        })
    }
}

/// Runs `vigia serve`.
pub(crate) fn run(args: ServeArgs, global: &Global) -> Result<ExitCode> {
    let Some(executor) = Executor::parse(&args.executor) else {
        bail!("--executor must be pool, blocking or inline");
    };
    let mut config = ServerConfig::new(global.data_dir.clone());
    config.require_keys = !args.insecure_no_auth;
    config.max_batch = args.max_batch;
    config.max_body_bytes = args.max_body_bytes;
    config.request_timeout = args.timeout;
    config.max_pending = args.max_pending;
    config.executor = executor;
    config.update_every = args.update_every;
    if let Some(threads) = args.threads {
        config.screen_threads = threads.max(1);
    }
    if args.insecure_no_auth {
        eprintln!(
            "vigia: WARNING: --insecure-no-auth: no API key is checked; anyone who can reach \
             {} can screen, read the lists and update them",
            args.addr
        );
    } else {
        // Keys live in the store: open (create) it now, and say when no key
        // could open the server.
        let store = Store::open(&global.data_dir)
            .with_context(|| format!("opening the store in {}", global.data_dir.display()))?;
        let keys = store.keys().context("reading the API keys")?;
        if !keys.iter().any(|k| k.is_active()) {
            eprintln!(
                "vigia: no API key exists yet: every request but /healthz and /readyz will be \
                 refused; create one with `vigia keys create --name NAME --role screen`"
            );
        }
    }
    let exe = std::env::current_exe().context("locating the vigia executable")?;
    let updater: Arc<dyn Updater> = Arc::new(ListsUpdate {
        exe,
        data_dir: global.data_dir.clone(),
        config: args.update_config.clone(),
    });
    let screen_threads = config.screen_threads;
    let server = Server::new(config, Some(updater))?;

    let filter = tracing_subscriber::EnvFilter::try_from_env("VIGIA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(global.interactive)
        .try_init();

    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        // Blocking work is store reads, index builds and updates (and
        // screening with the blocking executor): a few threads suffice, and
        // a bound keeps an overload from spawning hundreds.
        .max_blocking_threads(screen_threads + 16)
        .thread_name("vigia-http")
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let local = listener.local_addr().context("reading the bound address")?;
        eprintln!("vigia: listening on http://{local}");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let stopping = Arc::new(tokio::sync::Notify::new());
        let notify = Arc::clone(&stopping);
        tokio::spawn(async move {
            signal().await;
            eprintln!("vigia: stopping: finishing the requests in flight");
            let _ = stop_tx.send(());
            notify.notify_one();
        });
        let serving = server.serve(listener, async move {
            let _ = stop_rx.await;
        });
        let drain_limit = async {
            stopping.notified().await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        };
        tokio::select! {
            result = serving => result?,
            () = drain_limit => eprintln!("vigia: requests still running after 30 s; stopping anyway"),
        }
        eprintln!("vigia: stopped");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
async fn signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_duration("1.5m"), Ok(Duration::from_secs(90)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
    }
}
