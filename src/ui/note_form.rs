//! The note field: one free-text key of the session's, kept beside the user.

use leptos::prelude::*;

use crate::{limits::NOTE_MAX_CHARS, session::api::SaveNote};

/// Saves the visitor's note; shows `note`, the stored one, when the page
/// loads. Afterwards the field itself holds what the visitor typed.
#[component]
pub fn NoteForm(action: ServerAction<SaveNote>, note: Option<String>) -> impl IntoView {
    view! {
        <ActionForm action attr:class="note">
                <label for="note">"Note, kept in the session next to the user"</label>
                <div class="note-row">
                    <input
                        id="note"
                        name="note"
                        type="text"
                        maxlength=NOTE_MAX_CHARS
                        autocomplete="off"
                        value=note.unwrap_or_default()
                    />
                    <button type="submit">"Save note"</button>
                </div>
        </ActionForm>
    }
}
