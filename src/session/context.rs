//! What the typed session needs beside tower-sessions' `Session`: put on
//! every request of the session routes by the layer in front of
//! tower-sessions' own (`crate::http::cookie_layer`).

use tower_sessions_lossless_store::Store;

use super::lifetime::Lifetime;
use crate::{http::cookie::CookiePolicy, metrics::Metrics};

/// The store (for its name, and what it holds of the session), the
/// session's lifetime, the cookie's policy (for the inspector), and where
/// the sessions' lives are counted.
#[derive(Clone)]
pub struct SessionContext {
    pub store: Store,
    pub lifetime: Lifetime,
    pub cookie: CookiePolicy,
    pub metrics: Metrics,
}
