//! How a request passes through the server: the layers around the routes, in
//! order, and the policies they apply (the POST guard, cross-site refusal,
//! the session cookie).

pub mod client;
pub mod cookie;
pub mod cookie_layer;
pub mod cross_site;
pub mod first_visit;
pub mod guard;
pub mod to_the_end;

use std::{convert::Infallible, future::Future, pin::Pin, time::Duration};

use axum::{
    http::{
        header::{CACHE_CONTROL, RETRY_AFTER, VARY},
        HeaderValue, StatusCode,
    },
    middleware, Router,
};
use tower::{layer::layer_fn, ServiceBuilder};
use tower_http::{
    classify::ServerErrorsFailureClass, compression::CompressionLayer,
    set_header::SetResponseHeaderLayer, trace::TraceLayer,
};
use tower_sessions_lossless_store::{scope::RequestScopeLayer, Store};

use self::{client::ClientIdentity, cookie::CookiePolicy};
use crate::{
    assets,
    config::Settings,
    metrics::{self, Metrics, StoreMetrics},
    session::{
        context::{Context, SessionContext},
        new_sessions::NewSessionLimiter,
    },
};

/// What our own tower services in front of the routes answer with.
type Answering = Pin<Box<dyn Future<Output = Result<axum::response::Response, Infallible>> + Send>>;

/// Wraps the routes that read or change a session (the page, its server
/// functions, the seed's plain routes). A request passes, outermost first:
pub fn around_sessions<S: Clone + Send + Sync + 'static>(
    routes: Router<S>,
    settings: &Settings,
    store: Store,
) -> Router<S> {
    let limiter = NewSessionLimiter::new(settings.new_sessions, store.metrics().clone());
    let clients = ClientIdentity::new(
        settings.trusted_proxies.clone(),
        settings.proxy_header,
        limiter,
    );
    let cookie = CookiePolicy::new(settings);
    let session_layer = cookie.session_layer(store.clone());
    let context = SessionContext::from(Context {
        metrics: store.metrics().clone(),
        store,
        lifetime: settings.lifetime,
        cookie,
    });
    routes.layer(
        ServiceBuilder::new()
            // 0. The request runs to its end even if its client hangs up:
            //    its session write lands, and its page's memory is freed.
            .layer(layer_fn(to_the_end::ToTheEnd))
            // 1. State-changing requests (server functions are POSTs): only
            //    this site's pages may send them, bodies are bounded, and
            //    their errors get the status the error calls for.
            .layer(layer_fn(guard::Guard))
            // 2. What depends on a session is nobody else's: no shared cache
            //    may keep it, and no cache may answer one visitor with
            //    another's page.
            .layer(SetResponseHeaderLayer::appending(
                VARY,
                HeaderValue::from_static("Cookie"),
            ))
            .layer(SetResponseHeaderLayer::overriding(
                CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ))
            // 3. Which client the request comes from (the peer, or what a
            //    trusted proxy reports), for the limit on new sessions per
            //    client; checked only where a session would be created.
            .map_request(move |req| clients.identify(req))
            // 4. What tower-sessions does not do for the cookie (previous
            //    keys, the cookie sent twice, removals' attributes, a save
            //    that found its session ended or failed): see cookie_layer.
            .layer(cookie_layer::InFrontLayer(context))
            // 5. The store's scope of this request: the bases of its saves
            //    released at its end, and what its saves found told to 4.
            .layer(RequestScopeLayer)
            // 6. tower-sessions: the session read from the cookie, handed to
            //    the handler as `Session`, saved after it if changed, and the
            //    cookie set or removed.
            .layer(session_layer),
    )
}

/// Wraps the whole app, outermost first: every request is counted and
/// timed when metrics are on (no layer at all when off), traced, a target
/// that is not a path is refused, a 503
/// (the store is down) tells clients and load balancers when to try again,
/// and large dynamic answers are compressed (see
/// [`assets::worth_compressing`]).
pub fn around_everything<S: Clone + Send + Sync + 'static>(
    app: Router<S>,
    metrics: Metrics,
) -> Router<S> {
    let app = app.layer(
        ServiceBuilder::new()
            .layer(TraceLayer::new_for_http().on_failure(log_failure))
            .layer(middleware::from_fn(guard::paths_only))
            .layer(SetResponseHeaderLayer::if_not_present(
                RETRY_AFTER,
                |res: &axum::http::Response<_>| {
                    (res.status() == StatusCode::SERVICE_UNAVAILABLE)
                        .then(|| HeaderValue::from_static(RETRY_AFTER_SECS))
                },
            ))
            .layer(CompressionLayer::new().compress_when(assets::worth_compressing())),
    );
    if metrics.is_enabled() {
        app.layer(middleware::from_fn_with_state(
            metrics,
            metrics::http::record,
        ))
    } else {
        app
    }
}

/// tower-http's own failure log, but a 503 at `debug`: its cause says so
/// already, at most once a minute for a full store and once per outage for
/// an open breaker, and a flood of refusals must not fill the log with one
/// line each. Every other server error stays at `error`.
fn log_failure(class: ServerErrorsFailureClass, latency: Duration, _: &tracing::Span) {
    let latency_ms = latency.as_millis();
    match class {
        ServerErrorsFailureClass::StatusCode(StatusCode::SERVICE_UNAVAILABLE) => {
            tracing::debug!(%class, latency_ms, "response failed");
        }
        class => tracing::error!(%class, latency_ms, "response failed"),
    }
}

/// The store's breaker probes it four times a second; a second is soon
/// enough to ask again, and no sooner than a probe can have answered.
const RETRY_AFTER_SECS: &str = "1";
