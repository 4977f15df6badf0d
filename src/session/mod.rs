//! Sessions: the seed's operations, the typed session wrapper, the server
//! functions and plain routes that use it, and the store behind it.
//!
//! The flow is always button or route -> [`UserSession`] -> store; nothing
//! else touches `tower_sessions` directly.

pub mod api;
#[cfg(feature = "ssr")]
pub mod lifetime;
pub mod note;
pub mod op;
#[cfg(feature = "ssr")]
pub mod removal;
#[cfg(feature = "ssr")]
pub mod rotation;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
mod user;

#[cfg(feature = "ssr")]
pub use user::UserSession;
