//! What the typed session needs beside tower-sessions' `Session`: put on
//! every request of the session routes by the layer in front of
//! tower-sessions' own (`crate::http::cookie_layer`).

use std::{ops::Deref, sync::Arc};

use tower_sessions_lossless_store::Store;

use super::lifetime::Lifetime;
use crate::{http::cookie::CookiePolicy, metrics::Metrics};

/// [`Context`] behind one `Arc`: the layers clone it for every request
/// (one shared count to change, not one per part).
#[derive(Clone)]
pub struct SessionContext(Arc<Context>);

/// The store (for its name, and what it holds of the session), the
/// session's lifetime, the cookie's policy (for the inspector and the kept
/// first page), and where the sessions' lives are counted.
pub struct Context {
    pub store: Store,
    pub lifetime: Lifetime,
    pub cookie: CookiePolicy,
    pub metrics: Metrics,
}

impl From<Context> for SessionContext {
    fn from(context: Context) -> Self {
        Self(Arc::new(context))
    }
}

impl Deref for SessionContext {
    type Target = Context;

    fn deref(&self) -> &Context {
        &self.0
    }
}
