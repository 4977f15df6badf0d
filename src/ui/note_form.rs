//! The note field: one free-text key of the session's, kept beside the user.

use leptos::{prelude::*, server_fn::ServerFn};

use super::server_only::server_only;
use crate::{
    limits::NOTE_MAX_CHARS,
    session::api::{get_note, SaveNote},
};

/// Saves the visitor's note; shows the stored one when the page loads. Place
/// it inside a `Suspense` or `Transition`, which waits for that read.
#[component]
pub fn NoteForm() -> impl IntoView {
    // Read once, by the server: afterwards the field itself holds what the
    // visitor typed.
    let stored_note = Resource::new(|| (), |()| server_only(get_note));
    view! {
        <form method="post" action=SaveNote::PATH class="note">
                <label for="note">"Note, kept in the session next to the user"</label>
                <div class="note-row">
                    <input
                        id="note"
                        name="note"
                        type="text"
                        maxlength=NOTE_MAX_CHARS
                        autocomplete="off"
                        value=move || {
                            stored_note.try_get().flatten().and_then(Result::ok).flatten().unwrap_or_default()
                        }
                    />
                    <button type="submit">"Save note"</button>
                </div>
        </form>
    }
}
