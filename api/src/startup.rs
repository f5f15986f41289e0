//! Building the application: database, router and listener, ready to serve.

use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};

use anyhow::Context;
use axum::Router;
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::configuration::Settings;
use crate::database::{self, Retry};
use crate::routes;

pub struct Application {
    listener: TcpListener,
    pool: PgPool,
    port: u16,
}

impl Application {
    /// Waits for the database, migrates it and binds the port (`PORT=0` picks a free one).
    pub async fn build(settings: &Settings, retry: Retry) -> anyhow::Result<Self> {
        let pool = database::connect(&settings.database_url, retry).await?;
        Self::with_pool(pool, settings.port).await
    }

    pub async fn with_pool(pool: PgPool, port: u16) -> anyhow::Result<Self> {
        let address = SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
        let listener = TcpListener::bind(address).await.with_context(|| {
            format!("cannot listen on port {port}: is another server using it?")
        })?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            pool,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight and closes the pool.
    ///
    /// `instrument` wraps the router in the app's logging middleware: it is what the lab changes.
    pub async fn run_until(
        self,
        instrument: impl FnOnce(Router) -> Router,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let app = instrument(routes::router(self.pool.clone()));
        tracing::info!(
            port = self.port,
            "TaskOverflow listening on http://0.0.0.0:{}",
            self.port
        );
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await
            .context("the HTTP server failed")?;
        self.pool.close().await;
        tracing::info!("TaskOverflow stopped");
        Ok(())
    }
}
