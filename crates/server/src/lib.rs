//! Vigia's HTTP API: yente-compatible screening, search, entities, admin
//! and metrics.
//!
//! - `POST /match/{dataset}`: yente's screening call, same request and
//!   response bodies and query parameters.
//! - `GET /search/{dataset}`, `GET /entities/{id}`, `/catalog`,
//!   `/algorithms`: yente's read endpoints.
//! - `/healthz`, `/readyz`, `/metrics` (Prometheus), `/openapi.json`.
//! - `/admin/lists/update`, `/admin/lists/reload`: live list updates that
//!   swap the index atomically.
//! - `/customers`, `/hits`, `/alerts`, `/cases`: the compliance workflow
//!   (registration and screening of customers, hit decisions, the alert
//!   queue, cases with four-eyes closing).
//!
//! Every endpoint but `/healthz` and `/readyz` needs an API key
//! ([`auth`]). Screening runs off the async runtime on threads that keep
//! their own scratch space ([`pool`]). The lists being served are an
//! immutable snapshot replaced as a whole: a request keeps the snapshot it
//! started with. See `docs/guide/api.md` and ADRs 0100–0109.
//!
//! ```no_run
//! # async fn run() -> vigia_server::Result<()> {
//! let config = vigia_server::ServerConfig::new("/var/lib/vigia".into());
//! let server = vigia_server::Server::new(config, None)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await
//!     .map_err(|e| vigia_server::Error::Io { context: "binding".into(), source: e })?;
//! server.serve(listener, std::future::pending()).await
//! # }
//! ```

pub mod auth;
mod error;
pub mod lists;
mod metrics;
pub mod pool;
mod routes;
mod state;
pub mod update;
pub mod yente;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;

pub use error::{ApiError, Error, Result};
pub use pool::Executor;
pub use routes::casework::decode_customers;
pub use state::ServerConfig;
pub use update::{UpdateOutput, UpdateStatus, Updater};

use crate::auth::Auth;
use crate::pool::ScreenPool;
use crate::state::{AppState, Shared, StorePool};

/// The OpenAPI document served at `/openapi.json`.
pub fn openapi() -> &'static str {
    routes::system::OPENAPI
}

/// A configured server, not yet listening.
#[derive(Debug, Clone)]
pub struct Server {
    state: AppState,
}

impl Server {
    /// A server for `config`. `updater` runs list updates for
    /// `POST /admin/lists/update` and the schedule (none: reloads only).
    ///
    /// # Errors
    /// The screening threads cannot be started.
    pub fn new(config: ServerConfig, updater: Option<Arc<dyn Updater>>) -> Result<Server> {
        if config.max_batch == 0 || config.max_body_bytes == 0 || config.max_pending == 0 {
            return Err(Error::Config(
                "the batch, body and queue limits must be at least 1".into(),
            ));
        }
        let store = Arc::new(StorePool::new(config.data_dir.clone()));
        let auth =
            if config.require_keys { Auth::Keys(Arc::clone(&store)) } else { Auth::Disabled };
        let pool = ScreenPool::new(config.executor, config.screen_threads, config.max_pending)?;
        let state = Arc::new(Shared::new(config, auth, store, pool, updater));
        Ok(Server { state })
    }

    /// The router, for tests that drive it without a socket.
    pub fn router(&self) -> axum::Router {
        routes::router(Arc::clone(&self.state))
    }

    /// Whether lists are loaded and requests are screened.
    pub fn is_ready(&self) -> bool {
        self.state.served().is_some()
    }

    /// Loads the lists (in the background, retrying until it works), starts
    /// the update schedule if any, and serves on `listener` until
    /// `shutdown` completes; then stops accepting connections and lets
    /// requests in flight finish.
    ///
    /// # Errors
    /// The listener fails.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let state = Arc::clone(&self.state);
        let loading = tokio::spawn(update::initial_load(Arc::clone(&state)));
        let schedule = state.config.update_every.map(|every| {
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                // The first scheduled run waits for the initial load.
                while state.served().is_none() {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                update::schedule(state, every).await;
            })
        });
        // Small responses must leave at once: no Nagle delay.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let app = self.router().into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
        loading.abort();
        if let Some(schedule) = schedule {
            schedule.abort();
        }
        served.map_err(|source| Error::Io { context: "serving HTTP".into(), source })
    }
}
