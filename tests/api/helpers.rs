//! Spawns the real router on a port-0 listener over a real store.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use leptos::config::LeptosOptions;
use leptos_sessions::{
    config::{store_settings, Settings},
    startup::{self, Application},
};
use reqwest::{cookie::Jar, header, redirect::Policy, Client, Response};
use tokio::{sync::oneshot, task::JoinHandle};
use tower_sessions_lossless_store::{Store, StoreUrl};

use crate::stores::Backing;

/// The key the test servers sign cookies with (tests forge cookies with it too).
pub const SECRET: &str = "test-secret-test-secret-test-secret-test-secret-test-secret-test-secret";
/// The cookie name when `Secure` is off, as in these plain-http tests.
pub const COOKIE: &str = "session";
/// Every server function the page posts to (`/api/<name>`).
pub const SERVER_FUNCTIONS: [&str; 10] = [
    "get_session",
    "set_session",
    "pop_session",
    "save_note",
    "set_key",
    "pop_key",
    "clear_session",
    "inspect",
    "list_keys",
    "get_note",
];

/// A running app and a browser-like client with its own cookie jar.
pub struct TestApp {
    pub addr: SocketAddr,
    /// Where `/metrics` is served, when `METRICS_ADDR` was set.
    pub metrics_addr: Option<SocketAddr>,
    pub client: Client,
    pub jar: Arc<Jar>,
    /// The store, when this app owns it (see [`spawn_app`]).
    pub backing: Option<Backing>,
    /// The store the app serves from.
    pub store: Store,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

pub fn settings(store: &StoreUrl) -> Settings {
    settings_with(store, &[])
}

/// [`settings`] with more environment variables, e.g. `METRICS_ADDR`.
pub fn settings_with(store: &StoreUrl, more: &[(&'static str, &str)]) -> Settings {
    let leptos = LeptosOptions::builder()
        .output_name("leptos-sessions")
        .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    let mut vars = HashMap::from([
        ("SESSION_SECRET", SECRET.to_owned()),
        ("SESSION_COOKIE_SECURE", "false".to_owned()),
    ]);
    vars.extend(more.iter().map(|&(name, value)| (name, value.to_owned())));
    let mut settings =
        Settings::from_vars(leptos, |name| vars.get(name).cloned()).expect("test settings");
    // The defaults that follow from the store (its read cache) as well.
    let max_sessions = settings.store.max_sessions;
    settings.store = store_settings(store.clone());
    settings.store.max_sessions = max_sessions;
    settings
}

/// A client that keeps cookies in `jar` and does not follow redirects, so
/// tests see exactly what the server answered.
pub fn client(jar: &Arc<Jar>) -> Client {
    Client::builder()
        .cookie_provider(Arc::clone(jar))
        .redirect(Policy::none())
        // A hung server fails the test instead of hanging the suite.
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("client")
}

/// An app on a fresh SQLite file in a temporary folder.
pub async fn spawn_app() -> TestApp {
    let backing = Backing::sqlite().await;
    let mut app = spawn_on(&backing, Arc::new(Jar::default())).await;
    app.backing = Some(backing);
    app
}

/// An app on `backing`'s store, with a client using `jar`.
pub async fn spawn_on(backing: &Backing, jar: Arc<Jar>) -> TestApp {
    let app = spawn_with(settings(&backing.url), jar).await;
    backing.attach(&app);
    app
}

/// An app with production cookie settings (`Secure`, `__Host-` name).
pub async fn spawn_secure_app() -> TestApp {
    let backing = Backing::sqlite().await;
    let mut settings = settings(&backing.url);
    settings.cookie_secure = true;
    let mut app = spawn_with(settings, Arc::new(Jar::default())).await;
    app.backing = Some(backing);
    app
}

/// An app on exactly `settings`.
pub async fn spawn_with(settings: Settings, jar: Arc<Jar>) -> TestApp {
    crate::logs::capture();
    let app = Application::build(&settings).await.expect("app starts");
    let addr = app.local_addr().expect("bound");
    let metrics_addr = app.metrics_addr().expect("bound");
    let store = app.store().clone();
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        metrics_addr,
        client: client(&jar),
        jar,
        backing: None,
        store,
        stop: Some(stop),
        task,
    }
}

/// Serves the router over `store` as it is (e.g. closed), for outage tests.
pub async fn spawn_router(store: Store) -> SocketAddr {
    let router = startup::router(&settings(&StoreUrl::memory()), store);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// `GET path`, returning the status and body text.
    pub async fn get(&self, path: &str) -> (u16, String) {
        let res = self.client.get(self.url(path)).send().await.expect("GET");
        (res.status().as_u16(), res.text().await.expect("body"))
    }

    /// `GET path` carrying exactly `cookie` as the session cookie, outside the jar.
    pub async fn get_with_cookie(&self, path: &str, cookie: &str) -> Response {
        get_with_cookie(&self.url(path), cookie).await
    }

    /// Calls a server function as the hydrated page's `fetch` does.
    pub async fn call(&self, server_fn: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/{server_fn}")))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .expect("server fn call")
    }

    /// Calls a server function with a form-encoded `body`, as `fetch` does.
    pub async fn call_with(&self, server_fn: &str, body: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/{server_fn}")))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.to_owned())
            .send()
            .await
            .expect("server fn call")
    }

    /// Calls a server function carrying exactly `cookie`, outside the jar.
    pub async fn call_with_cookie(&self, server_fn: &str, body: &str, cookie: &str) -> Response {
        Client::new()
            .post(self.url(&format!("/api/{server_fn}")))
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("{COOKIE}={cookie}"))
            .body(body.to_owned())
            .send()
            .await
            .expect("server fn call with a cookie")
    }

    /// Posts a button's form as a browser without JavaScript does.
    pub async fn post_form(&self, server_fn: &str) -> Response {
        self.post_form_with(server_fn, "").await
    }

    /// Posts a form with fields `body` (form-encoded) as a browser without
    /// JavaScript does.
    pub async fn post_form_with(&self, server_fn: &str, body: &str) -> Response {
        self.client
            .post(self.url(&format!("/api/{server_fn}")))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::REFERER, self.url("/"))
            .body(body.to_owned())
            .send()
            .await
            .expect("form post")
    }

    /// The session cookie's value as the jar holds it, if any.
    pub fn cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let header = self.jar.cookies(&self.url("/").parse().unwrap())?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|pair| pair.strip_prefix(&format!("{COOKIE}=")).map(str::to_owned))
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        self.begin_stop();
        self.stopped().await;
    }

    /// Asks the server to stop, as SIGTERM does, without waiting.
    pub fn begin_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits until the server has stopped and closed its store.
    pub async fn stopped(mut self) {
        (&mut self.task)
            .await
            .expect("server task")
            .expect("server ran");
    }
}

/// The session cookie a response sets, as `(value, whole Set-Cookie line)`.
pub fn set_cookie(res: &Response) -> Option<(String, String)> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|line| line.starts_with(&format!("{COOKIE}=")))
        .map(|line| {
            let value = line[COOKIE.len() + 1..]
                .split(';')
                .next()
                .unwrap_or_default()
                .to_owned();
            (value, line.to_owned())
        })
}

/// `GET url` with `cookie` as the session cookie and no jar.
pub async fn get_with_cookie(url: &str, cookie: &str) -> Response {
    Client::new()
        .get(url)
        .header(header::COOKIE, format!("{COOKIE}={cookie}"))
        .send()
        .await
        .expect("GET with a cookie")
}
