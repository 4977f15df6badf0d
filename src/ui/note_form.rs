//! The note field: one free-text key of the session's, kept beside the user.

use leptos::{html::Input, prelude::*, server_fn::ServerFn};

use crate::{
    limits::NOTE_MAX_CHARS,
    session::api::SaveNote,
    ui::answers::{submit, Call, Calls},
};

/// Saves the visitor's note. The field starts with `note`, the stored one,
/// and follows it while the visitor has not typed in it (it is the field's
/// `value` attribute: once typed in, the field holds what was typed).
#[component]
pub fn NoteForm(calls: Calls, note: Signal<Option<String>>) -> impl IntoView {
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
                        value=move || note.try_get().flatten().unwrap_or_default()
                    />
                    <button type="submit">"Save note"</button>
                </div>
        </form>
    }
}
