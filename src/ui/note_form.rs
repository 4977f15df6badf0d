//! The note field: one free-text key of the session's, kept beside the user.

use leptos::{html::Input, prelude::*, server_fn::ServerFn};

use crate::{
    limits::NOTE_MAX_CHARS,
    session::api::SaveNote,
    ui::answers::{submit, Call, Calls},
};

/// Saves the visitor's note; shows `note`, the stored one, when the page
/// loads. Afterwards the field itself holds what the visitor typed.
#[component]
pub fn NoteForm(calls: Calls, note: Option<String>) -> impl IntoView {
    let field = NodeRef::<Input>::new();
    let call = move || {
        Call::SaveNote(SaveNote {
            note: field.get().map(|f| f.value()).unwrap_or_default(),
        })
    };
    view! {
        <form method="post" action=SaveNote::PATH class="note" on:submit=submit(calls, call)>
                <label for="note">"Note, kept in the session next to the user"</label>
                <div class="note-row">
                    <input
                        id="note"
                        node_ref=field
                        name="note"
                        type="text"
                        maxlength=NOTE_MAX_CHARS
                        autocomplete="off"
                        value=note.unwrap_or_default()
                    />
                    <button type="submit">"Save note"</button>
                </div>
        </form>
    }
}
