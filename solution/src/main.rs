//! TaskOverflow as a runnable app: the shared API (the `taskoverflow` crate) with this
//! crate's logging around it.

mod telemetry;

use std::process::ExitCode;

use taskoverflow::configuration::{Settings, DEFAULT_LOG_GROUP};
use taskoverflow::database::Retry;
use taskoverflow::shutdown;
use taskoverflow::startup::Application;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = Settings::from_env();
    let log_group = settings
        .as_ref()
        .map_or(DEFAULT_LOG_GROUP, |settings| settings.log_group.as_str());
    // Telemetry first, so that even a configuration error is logged in the app's format.
    let telemetry = telemetry::init(log_group);

    let outcome = match settings {
        Ok(settings) => serve(&settings).await,
        Err(error) => Err(error),
    };
    let code = match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = format!("{error:#}"), "TaskOverflow could not run");
            ExitCode::FAILURE
        }
    };
    telemetry.shutdown().await;
    code
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let app = Application::build(settings, Retry::default()).await?;
    app.run_until(telemetry::instrument, shutdown::signal())
        .await
}
