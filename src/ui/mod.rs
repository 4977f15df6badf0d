//! Components of the page.

mod answers;
mod browser;
mod codec;
pub mod inspector;
mod key_form;
pub mod location;
mod not_found;
mod note_form;
mod workbench;

pub use not_found::NotFound;
pub use workbench::Workbench;
