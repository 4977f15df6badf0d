//! Sessions: the seed's operations, the typed session wrapper, and the server
//! functions and plain routes that use it. The session layer is
//! tower-sessions'; the store behind it is the
//! `tower-sessions-lossless-store` crate.
//!
//! The flow is always button or route -> [`UserSession`] ->
//! `tower_sessions::Session` -> store; nothing else reads or writes a
//! session.

pub mod api;
#[cfg(feature = "ssr")]
pub mod context;
#[cfg(feature = "ssr")]
pub mod entries;
pub mod inspect;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod lifetime;
#[cfg(feature = "ssr")]
pub mod new_sessions;
#[cfg(feature = "ssr")]
pub mod note;
#[cfg(feature = "ssr")]
pub mod op;
#[cfg(feature = "ssr")]
pub mod routes;
#[cfg(feature = "ssr")]
mod user;

#[cfg(feature = "ssr")]
pub use self::user::UserSession;
