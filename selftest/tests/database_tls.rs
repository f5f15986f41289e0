//! The apps reach PostgreSQL over TLS when `DATABASE_URL` asks for it (`sslmode=require`, as
//! terraform/ sets it for RDS, which refuses connections without TLS).
//!
//! The test starts a PostgreSQL that accepts TLS connections only: the kit's image
//! (`CHECKS_POSTGRES_IMAGE`, by default taskoverflow/postgres:15-bookworm, which
//! scripts/build-postgres-image.sh builds) with `ssl=on`, the Debian snakeoil certificate the
//! image carries, and every `host` line of pg_hba.conf turned into `hostssl`. Against it, sqlx
//! built with the workspace's features (the apps' own) connects with `sslmode=require` and is
//! refused with `sslmode=disable`; and both apps, run as real processes, start and answer.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use testkit::AppProcess;

const DEFAULT_IMAGE: &str = "taskoverflow/postgres:15-bookworm";
const PASSWORD: &str = "tls-only";
const READY_TIMEOUT: Duration = Duration::from_secs(90);

/// Run by the image's entrypoint (as user postgres) once, after initdb: only TLS connections
/// over TCP, for every database and user.
const TLS_ONLY_INIT: &str = r#"sed -i -E 's/^host([[:space:]])/hostssl\1/' "$PGDATA/pg_hba.conf""#;

/// A TLS-only PostgreSQL server, removed when dropped.
struct TlsOnlyServer {
    _container: ContainerAsync<GenericImage>,
    port: u16,
}

impl TlsOnlyServer {
    async fn start() -> TlsOnlyServer {
        let image = std::env::var("CHECKS_POSTGRES_IMAGE")
            .ok()
            .filter(|image| !image.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_IMAGE.to_owned());
        let (name, tag) = image.rsplit_once(':').unwrap_or((image.as_str(), "latest"));
        // The entrypoint runs as root: write the init script, then hand over to the image's own
        // entrypoint with TLS switched on (the snakeoil key is readable by group ssl-cert, which
        // the postgres user is in).
        let script = format!(
            "set -e\ncat > /docker-entrypoint-initdb.d/tls-only.sh <<'END'\n{TLS_ONLY_INIT}\nEND\n\
             exec docker-entrypoint.sh postgres -c ssl=on \
             -c ssl_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem \
             -c ssl_key_file=/etc/ssl/private/ssl-cert-snakeoil.key -c fsync=off"
        );
        let container = GenericImage::new(name, tag)
            .with_exposed_port(5432.tcp())
            .with_wait_for(WaitFor::message_on_either_std(
                "database system is ready to accept connections",
            ))
            .with_entrypoint("bash")
            .with_cmd(["-c", script.as_str()])
            .with_env_var("POSTGRES_PASSWORD", PASSWORD)
            .with_label(testkit::CONTAINER_LABEL, "1")
            .with_startup_timeout(READY_TIMEOUT)
            .start()
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {image} (build it with scripts/build-postgres-image.sh, or set \
                     CHECKS_POSTGRES_IMAGE): {error}"
                )
            });
        let port = container
            .get_host_port_ipv4(5432)
            .await
            .expect("the container's PostgreSQL port");
        let server = TlsOnlyServer {
            _container: container,
            port,
        };
        // "ready" is logged by the entrypoint's temporary server too: wait for the real one.
        let started = Instant::now();
        loop {
            match PgConnection::connect(&server.url("require")).await {
                Ok(connection) => {
                    let _ = connection.close().await;
                    break;
                }
                Err(error) if started.elapsed() < READY_TIMEOUT => {
                    eprintln!("waiting for the TLS-only server: {error}");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(error) => {
                    panic!("the TLS-only server never accepted a TLS connection: {error}")
                }
            }
        }
        server
    }

    fn url(&self, sslmode: &str) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres?sslmode={sslmode}",
            self.port
        )
    }
}

/// Whether the connection's session is encrypted, as the server sees it.
async fn encrypted(connection: &mut PgConnection) -> bool {
    sqlx::query_scalar::<_, bool>("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(connection)
        .await
        .expect("pg_stat_ssl answers")
}

/// Starts the app against `database_url` and checks that it serves the health check and a
/// request that reads the database.
async fn app_serves(app: &str, database_url: &str) {
    let binary =
        xtask::app_binary(app).unwrap_or_else(|problem| panic!("cannot build {app}: {problem:?}"));
    let process = AppProcess::start(&binary, database_url, &[])
        .unwrap_or_else(|error| panic!("{app} does not start with {database_url}: {error:#}"));
    let client = reqwest::Client::new();
    for path in ["/api/v1/health", "/api/v1/todos"] {
        let response = client
            .get(format!("{}{path}", process.base_url()))
            .send()
            .await
            .unwrap_or_else(|error| panic!("{app}: GET {path}: {error}"));
        assert_eq!(
            response.status(),
            200,
            "{app}: GET {path}\n{}",
            process.output()
        );
    }
    let (status, _) = process.stop().expect("the app stops");
    assert!(status.success(), "{app} exited with {status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_apps_reach_a_tls_only_database_with_sslmode_require() {
    let server = TlsOnlyServer::start().await;

    // sqlx as the apps build it: TLS when the URL asks for it...
    let mut connection = PgConnection::connect(&server.url("require"))
        .await
        .expect("sslmode=require connects to the TLS-only server");
    assert!(
        encrypted(&mut connection).await,
        "the session is not encrypted"
    );
    connection.close().await.expect("close");

    // ... and the server really refuses what is not encrypted, so the above proves something.
    let Err(refused) = PgConnection::connect(&server.url("disable")).await else {
        panic!("sslmode=disable must be refused by the TLS-only server");
    };
    assert!(
        refused.to_string().contains("no encryption") || refused.to_string().contains("pg_hba"),
        "refused for another reason: {refused}"
    );

    // Both apps start (they connect and migrate before listening) and serve over TLS.
    for app in ["starter", "solution"] {
        app_serves(app, &server.url("require")).await;
    }
}
