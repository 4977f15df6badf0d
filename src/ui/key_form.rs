//! The form that sets any key: `session[key] = value`.

use leptos::{
    html::{Input, Textarea},
    prelude::*,
    server_fn::ServerFn,
};

use crate::{
    error::{AppError, Field},
    limits::{KEY_MAX_CHARS, VALUE_MAX_KB},
    session::api::SetKey,
    ui::answers::{submit, Call, Calls},
};

/// Key and Value, each with its own line for a refusal about it.
///
/// `refused` is the latest refusal of the page (an action's answer, or the
/// error a no-JavaScript redirect carried); the one about a field is shown
/// beside that field.
#[component]
pub fn KeyForm(calls: Calls, refused: Signal<Option<AppError>>) -> impl IntoView {
    let about = move |field: Field| {
        move || {
            refused
                .try_get()
                .flatten()
                .filter(|err| err.field() == Some(field))
                .map(|err| err.to_string())
        }
    };
    let (key_error, value_error) = (about(Field::Key), about(Field::Value));
    let invalid = move |error: Option<String>| error.is_some().then_some("true");
    let (key, value) = (NodeRef::<Input>::new(), NodeRef::<Textarea>::new());
    let call = move || {
        Call::SetKey(SetKey {
            key: key.get().map(|f| f.value()).unwrap_or_default(),
            value: value.get().map(|f| f.value()).unwrap_or_default(),
        })
    };
    view! {
        <form method="post" action=SetKey::PATH class="key-form" on:submit=submit(calls, call)>
            <p id="key-rules" class="hint">
                {format!(
                    "Keys: up to {KEY_MAX_CHARS} characters, not starting with _. Values: text up to {VALUE_MAX_KB} KB; JSON is shown formatted.",
                )}
            </p>
            <div class="field">
                <label for="key">"Key"</label>
                <input
                    id="key"
                    node_ref=key
                    name="key"
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby="key-error key-rules"
                    aria-invalid=move || invalid(key_error())
                />
                <p id="key-error" class="field-error">
                    {key_error}
                </p>
            </div>
            <div class="field">
                <label for="value">"Value"</label>
                <textarea
                    id="value"
                    node_ref=value
                    name="value"
                    rows="2"
                    spellcheck="false"
                    aria-describedby="value-error key-rules"
                    aria-invalid=move || invalid(value_error())
                ></textarea>
                <p id="value-error" class="field-error">
                    {value_error}
                </p>
            </div>
            <button type="submit">"Set key"</button>
        </form>
    }
}
