//! Builds the router and serves it.

use std::{
    future::{Future, IntoFuture},
    io,
    net::SocketAddr,
    path::PathBuf,
    sync::Arc,
    time::Duration,
};

use axum::{
    extract::FromRef, handler::Handler, middleware, routing::get, serve::ListenerExt, Router,
};
use leptos::prelude::*;
use leptos_axum::LeptosRoutes;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_sessions_lossless_store::{Store, StoreError, Sweeper};

use crate::{
    app::shell,
    assets::{self, PkgNames},
    config::Settings,
    health::{healthz, livez},
    http::{
        self,
        first_visit::{first_visit, FirstVisit},
    },
    metrics::{endpoint::Endpoint, StoreMetrics},
    session,
};

/// What handlers and server functions can reach. Axum clones a route's
/// state for every request it answers, so this is one shared allocation:
/// cloning the options and the store by value took ≈ 10 % of the CPU of a
/// session read (perf, `bench/`).
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    leptos_options: LeptosOptions,
    store: Store,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.0.leptos_options.clone()
    }
}

impl FromRef<AppState> for Store {
    fn from_ref(state: &AppState) -> Self {
        state.0.store.clone()
    }
}

/// Start-up failed.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The crate's message starts with the store's URL: named here by the
    /// variable it came from.
    #[error("SESSION_STORE={0}")]
    Store(StoreError),
    /// The crate's message for this one names its cache policies; this
    /// says it with the variable that sets them.
    #[error("SESSION_STORE={url}: {} is in use by another instance, and one of the two keeps every session it reads in memory (SESSION_CACHE_TTL_SECS unset), which is only safe for the file's only user; to share the file, set SESSION_CACHE_TTL_SECS=0 (or a few seconds) on every instance", path.display())]
    FileInUse { url: String, path: PathBuf },
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// The whole app as one router: the page, its server functions, the seed's
/// plain routes, `/healthz`, `/livez` and the static files. The layers each
/// request passes through are listed in [`http`]; requests are counted in
/// the store's [`StoreMetrics::metrics`] when those are on.
pub fn router(settings: &Settings, store: Store) -> Router {
    let metrics = store.metrics().clone();
    let state = AppState(Arc::new(Shared {
        leptos_options: settings.leptos.clone(),
        store: store.clone(),
    }));
    let options = settings.leptos.clone();
    let pkg = Arc::new(PkgNames::read(&options));
    // The page's one route: a first visit's page is kept (the layer is on
    // this route alone, not on the server functions).
    let page = {
        let (state, pkg) = (state.clone(), pkg.clone());
        get(leptos_axum::render_app_async_with_context(
            move || provide_context(state.clone()),
            move || shell(options.clone(), pkg.clone()),
        ))
        .layer(middleware::from_fn_with_state(
            FirstVisit::default(),
            first_visit,
        ))
    };
    // Given no page routes, `leptos_routes` registers the server functions.
    let server_fns = Router::new().leptos_routes(&state, Vec::new(), || ());
    let with_sessions = Router::new()
        .merge(session::routes::router())
        .merge(server_fns)
        .route("/", page);
    let app = http::around_sessions(with_sessions, settings, store)
        // Below: no session, so no cookie work for probes and static files.
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .merge(assets::router(&settings.leptos))
        // The files of the site folder (`/robots.txt`), else the 404 page,
        // which is a render too: run to its end like the others.
        .fallback_service(
            ServiceBuilder::new()
                .layer(tower::layer::layer_fn(http::to_the_end::ToTheEnd))
                .layer(middleware::map_response(assets::mark_site_file))
                .service(
                    leptos_axum::file_and_error_handler::<AppState, _>(move |options| {
                        shell(options, pkg.clone())
                    })
                    .with_state(state.clone()),
                ),
        );
    // Every route template shown from the first scrape (with the static
    // files' and the unmatched requests' labels).
    let server_fn_paths = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path);
    let plain = session::routes::paths().collect::<Vec<_>>();
    metrics.show_routes(
        ["/", "/healthz", "/livez"]
            .into_iter()
            .chain(plain.iter().map(String::as_str))
            .chain(server_fn_paths),
    );
    http::around_everything(app, metrics).with_state(state)
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Store,
    sweeper: Option<Sweeper>,
    metrics: Option<Endpoint>,
}

impl Application {
    /// Opens the store and binds `settings.leptos.site_addr`, and
    /// `settings.metrics_addr` if set (port 0 picks a free port).
    ///
    /// # Errors
    /// [`StartupError`] when the store cannot be opened or an address bound.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let endpoint = match settings.metrics_addr {
            Some(addr) => Some(
                Endpoint::bind(addr)
                    .await
                    .map_err(|source| StartupError::Bind { addr, source })?,
            ),
            None => None,
        };
        let metrics = endpoint.as_ref().map(Endpoint::metrics).unwrap_or_default();
        let store = Store::connect_measured(&store_settings(settings), metrics)
            .await
            .map_err(|err| match err.file_in_use() {
                Some(path) => StartupError::FileInUse {
                    url: settings.store.url.to_string(),
                    path: path.to_owned(),
                },
                None => StartupError::Store(err),
            })?;
        let sweeper = store.spawn_sweeper(settings.store.sweep_every);
        let addr = settings.leptos.site_addr;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| StartupError::Bind { addr, source })?;
        Ok(Self {
            router: router(settings, store.clone()),
            listener,
            store,
            sweeper,
            metrics: endpoint,
        })
    }

    /// The address actually bound.
    ///
    /// # Errors
    /// The socket's error, if it has none.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The session store it serves from.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The address `/metrics` is served on; `None` when metrics are off.
    ///
    /// # Errors
    /// The socket's error, if it has none.
    pub fn metrics_addr(&self) -> io::Result<Option<SocketAddr>> {
        self.metrics.as_ref().map(Endpoint::local_addr).transpose()
    }

    /// Serves until `shutdown` completes, lets in-flight requests (and their
    /// session writes) finish for up to [`SHUTDOWN_GRACE`], stops the
    /// sweeper, then closes the store. `/metrics` answers until then, so a
    /// scrape can watch the drain.
    ///
    /// # Errors
    /// An I/O error from the listener.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()> {
        // Without TCP_NODELAY a response written in two parts (headers, then
        // a file or a streamed page) waits for the client's delayed ACK:
        // 40 ms per static file, measured.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::warn!(error = %err, "could not set TCP_NODELAY");
            }
        });
        let metrics = self.metrics.map(Endpoint::spawn);
        let (stopping, stopped) = tokio::sync::oneshot::channel();
        let shutdown = async move {
            shutdown.await;
            let _ = stopping.send(());
        };
        // The peer's address is the client the limit on new sessions counts
        // (`http::client`).
        let app = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let serve = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .into_future();
        // A client that keeps its connection busy (a stalled upload, a
        // request trickled in) must not keep the process from exiting: a
        // process manager's own grace period would end in a SIGKILL, and
        // with it the writes of every other request.
        let grace = async {
            if stopped.await.is_ok() {
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            served = serve => served?,
            () = grace => tracing::warn!(
                grace_secs = SHUTDOWN_GRACE.as_secs(),
                "connections still open at the end of the shutdown grace; closing them"
            ),
        }
        if let Some(sweeper) = self.sweeper {
            sweeper.stop().await;
        }
        self.store.close().await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        Ok(())
    }
}

/// How long requests in flight at SIGTERM may take to finish. Under the 30 s
/// most process managers wait (Kubernetes, systemd's default is 90 s)
/// before they kill.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `settings` until SIGTERM or Ctrl-C.
///
/// # Errors
/// [`StartupError`] when the server cannot start; I/O errors while serving.
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let app = Application::build(&settings).await?;
    let metrics_addr = app.metrics_addr()?.map(|addr| addr.to_string());
    tracing::info!(
        addr = %app.local_addr()?,
        metrics = metrics_addr.as_deref().unwrap_or("off"),
        store = %settings.store.url,
        read_cache = %settings.store.cache,
        secure_cookie = settings.cookie_secure,
        "serving"
    );
    app.run_until(signal::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

mod signal;

/// The store as the settings name it, reading sessions stored by earlier
/// versions of the app in this one's layout.
fn store_settings(settings: &Settings) -> tower_sessions_lossless_store::StoreSettings {
    let mut store = settings.store.clone();
    store.upgrade = Some(crate::session::entries::fold_into_entries);
    store
}
