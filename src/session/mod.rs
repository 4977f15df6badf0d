//! Sessions: the seed's operations, the typed session wrapper, and the server
//! functions and plain routes that use it. The store behind it is the
//! `tower-sessions-lossless-store` crate.
//!
//! The flow is always button or route -> [`UserSession`] -> [`Session`] ->
//! store; nothing else reads or writes a session.

pub mod api;
#[cfg(feature = "ssr")]
mod handle;
pub mod inspect;
#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod layer;
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
pub use self::{handle::Session, user::UserSession};
