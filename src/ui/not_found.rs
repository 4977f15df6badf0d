use leptos::prelude::*;

/// Shown for any path the router does not know (the server answers it with 404).
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>
                <a href="/">"Back to the session page"</a>
            </p>
        </section>
    }
}
