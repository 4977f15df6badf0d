//! Builds the router and serves it.

use std::{
    future::Future,
    io,
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use axum::http::{
    header::{CACHE_CONTROL, VARY},
    HeaderValue,
};
use axum::{extract::FromRef, middleware, routing::get, serve::ListenerExt, Extension, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::{
    compression::CompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};
use tower_sessions::{cookie::SameSite, SessionManagerLayer};

use crate::{
    app::{shell, App},
    assets,
    config::Settings,
    health::{healthz, livez},
    server_fns,
    session::{
        self,
        rotation::KeyRing,
        store::{Store, StoreError, Sweeper},
    },
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
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
}

/// The cookie's name: `__Host-` makes the browser refuse it unless it is
/// `Secure`, host-only and `Path=/`, which is how we set it.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-session"
    } else {
        "session"
    }
}

/// The whole app as one router: the page, its server functions, the seed's
/// plain routes, `/healthz`, `/livez` and the static files.
pub fn router(settings: &Settings, store: Store) -> Router {
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(cookie_name(settings.cookie_secure))
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_path("/")
        .with_secure(settings.cookie_secure)
        .with_signed(settings.secret.key().clone())
        .with_expiry(settings.lifetime.expiry());

    let secure = settings.cookie_secure;
    let state = AppState(Arc::new(Shared {
        leptos_options: settings.leptos.clone(),
        store,
    }));
    let options = settings.leptos.clone();

    let mut with_sessions = Router::new()
        .merge(session::routes::router())
        .leptos_routes(&state, page_routes(), move || shell(options.clone()))
        // Only the routes above read sessions; static files and health
        // checks below skip the cookie work.
        .layer(sessions)
        .layer(middleware::map_response(move |res| async move {
            session::removal::complete_removal(res, cookie_name(secure), secure)
        }));
    // Only when there are old keys to accept: it costs every request a look
    // at the cookie otherwise.
    if !settings.previous_secrets.is_empty() {
        with_sessions = with_sessions.layer(middleware::from_fn_with_state(
            key_ring(settings),
            session::rotation::accept_previous_keys,
        ));
    }
    with_sessions
        // What depends on a session is nobody else's: no shared cache may
        // keep it, and no cache may answer one visitor with another's page.
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::appending(
            VARY,
            HeaderValue::from_static("Cookie"),
        ))
        // Server functions are POSTs: only this site's pages may send them,
        // and their errors get the status the error calls for.
        .layer(middleware::from_fn(server_fns::guard))
        .layer(Extension(settings.lifetime))
        .route("/healthz", get(healthz))
        .route("/livez", get(livez))
        .merge(assets::router(&settings.leptos))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(CompressionLayer::new().compress_when(assets::worth_compressing()))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn key_ring(settings: &Settings) -> KeyRing {
    let idle = tower_sessions::cookie::time::Duration::try_from(settings.lifetime.idle)
        .unwrap_or(tower_sessions::cookie::time::Duration::MAX);
    KeyRing::new(
        settings.secret.key().clone(),
        settings
            .previous_secrets
            .iter()
            .map(|s| s.key().clone())
            .collect(),
        cookie_name(settings.cookie_secure),
        settings.cookie_secure,
        idle,
    )
}

/// The page's routes, found once per process by rendering the app in
/// leptos's route-generation mode.
///
/// Once, because that mode sets a process-wide "do not load resources" flag:
/// a second app built in the same process (the HTTP tests start one per test)
/// would otherwise stall any page render that runs meanwhile, for good.
fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Store,
    sweeper: Option<Sweeper>,
}

impl Application {
    /// Opens the store and binds `settings.leptos.site_addr` (port 0 picks a free port).
    ///
    /// # Errors
    /// [`StartupError`] when the store cannot be opened or the address bound.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let store = Store::connect(&settings.store).await?;
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
        })
    }

    /// The address actually bound.
    ///
    /// # Errors
    /// The socket's error, if it has none.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, lets in-flight requests (and their
    /// session writes) finish, stops the sweeper, then closes the store.
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
        axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        if let Some(sweeper) = self.sweeper {
            sweeper.stop().await;
        }
        self.store.close().await;
        Ok(())
    }
}

/// Serves `settings` until SIGTERM or Ctrl-C.
///
/// # Errors
/// [`StartupError`] when the server cannot start; I/O errors while serving.
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let app = Application::build(&settings).await?;
    tracing::info!(
        addr = %app.local_addr()?,
        store = %settings.store.url,
        read_cache = %settings.store.cache,
        secure_cookie = settings.cookie_secure,
        "serving"
    );
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
