//! Components of the page.

mod not_found;
mod session_panel;

pub use not_found::NotFound;
pub use session_panel::SessionPanel;
