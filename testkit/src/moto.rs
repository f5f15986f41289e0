//! A local CloudWatch Logs emulator: `moto_server` from PyPI, or an endpoint given in
//! `CHECKS_MOTO_ENDPOINT`.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use aws_config::{Region, SdkConfig};
use aws_sdk_cloudwatchlogs::config::Credentials;

pub const INSTALL_HINT: &str = "install moto's emulator with `pip install 'moto[server]'` so that \
     `moto_server` is on PATH, or set CHECKS_MOTO_ENDPOINT to a running one";

/// The AWS variables that point an app at this emulator with dummy credentials.
pub struct Moto {
    child: Option<Child>,
    endpoint: String,
}

impl Moto {
    /// Starts `moto_server` on a free loopback port (or uses `CHECKS_MOTO_ENDPOINT`).
    pub fn start() -> anyhow::Result<Self> {
        Self::start_program(None)
    }

    /// Like [`Moto::start`], with the emulator program found beforehand (`None`: `moto_server`
    /// on `PATH` now).
    pub fn start_program(program: Option<&std::path::Path>) -> anyhow::Result<Self> {
        if let Ok(endpoint) = std::env::var("CHECKS_MOTO_ENDPOINT") {
            return Ok(Self {
                child: None,
                endpoint,
            });
        }
        let port = free_port()?;
        let program =
            program.map_or_else(|| "moto_server".into(), |path| path.as_os_str().to_owned());
        let mut child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot run `moto_server`: {INSTALL_HINT}"))?;
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Some(status) = child.try_wait()? {
                bail!("`moto_server` exited at start-up with {status}: {INSTALL_HINT}");
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(Self {
                    child: Some(child),
                    endpoint: format!("http://{address}"),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        bail!("`moto_server` did not listen on {address} within 30 s")
    }

    /// The emulator's process, when this started it (not for `CHECKS_MOTO_ENDPOINT`).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Environment for an app process that should ship its logs here.
    pub fn app_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
        ]
    }

    /// SDK configuration for reading back what an app shipped.
    pub async fn sdk_config(&self) -> SdkConfig {
        cloudwatch_shipper::sdk_defaults()
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
            .load()
            .await
    }

    /// Every event of every stream in `group`, as (stream, message), oldest first per stream.
    pub async fn read_group(&self, group: &str) -> anyhow::Result<Vec<(String, String)>> {
        let client = aws_sdk_cloudwatchlogs::Client::new(&self.sdk_config().await);
        let streams = client
            .describe_log_streams()
            .log_group_name(group)
            .send()
            .await
            .with_context(|| format!("log group {group:?} cannot be read"))?;
        let mut events = Vec::new();
        for stream in streams.log_streams() {
            let Some(name) = stream.log_stream_name() else {
                continue;
            };
            let messages = read_stream(&client, group, name).await?;
            events.extend(
                messages
                    .into_iter()
                    .map(|message| (name.to_owned(), message)),
            );
        }
        Ok(events)
    }
}

/// Every message of one stream, oldest first, read back with GetLogEvents.
pub async fn read_stream(
    client: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
) -> anyhow::Result<Vec<String>> {
    let mut messages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .start_from_head(true)
            .set_next_token(token.clone())
            .send()
            .await
            .with_context(|| format!("GetLogEvents on {group}/{stream}"))?;
        messages.extend(
            page.events()
                .iter()
                .filter_map(|event| event.message().map(str::to_owned)),
        );
        let next = page.next_forward_token().map(str::to_owned);
        // GetLogEvents signals the end by handing back the token it was given.
        if page.events().is_empty() || next == token {
            return Ok(messages);
        }
        token = next;
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
