use std::process::ExitCode;

use leptos_sessions::{
    config::{self, Settings},
    startup, telemetry,
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // A wrong LOG_FORMAT or RUST_LOG is reported by `Settings::load`, in
    // text and through the default filter.
    let env = |name: &str| std::env::var(name).ok();
    telemetry::init(
        config::log_format(&env).unwrap_or_default(),
        &config::log_filter(&env).unwrap_or_default(),
    );
    let settings = match Settings::load() {
        Ok(settings) => settings,
        Err(err) => {
            tracing::error!("cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    match startup::serve(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<startup::StartupError>() => {
            tracing::error!("cannot start: {err}");
            ExitCode::FAILURE
        }
        Err(err) => {
            tracing::error!("server failed: {err}");
            ExitCode::FAILURE
        }
    }
}
