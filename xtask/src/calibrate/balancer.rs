//! What stands in for the ALB when a run emulates several tasks: a round-robin TCP balancer on
//! loopback. Each connection k6 opens goes to the next task in turn and is relayed byte for byte
//! (`copy_bidirectional`). k6 keeps one connection open per virtual user, so spreading the
//! connections spreads the users, as the ALB spreads their requests.
//!
//! It runs on a thread of its own with a single-threaded runtime, so that its CPU time is that
//! thread's and the run can report it apart from the app's.

use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::thread::JoinHandleExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{bail, Context};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A running balancer; [`Balancer::stop`] ends it and says how the connections went.
pub struct Balancer {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    clock: libc::clockid_t,
    counts: Arc<Counts>,
}

/// What the balancer did, for the run's summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relayed {
    /// The connections each backend was given, in the order of the backends.
    pub connections: Vec<u64>,
    /// Connections a backend refused, and failed accepts: k6 sees each as a failed request.
    pub failed: u64,
}

struct Counts {
    per_backend: Vec<AtomicU64>,
    failed: AtomicU64,
}

impl Balancer {
    /// Listens on a free port of 127.0.0.1 and hands its connections to `backends` in turn.
    pub fn start(backends: Vec<SocketAddr>) -> anyhow::Result<Self> {
        if backends.is_empty() {
            bail!("a load balancer needs at least one backend");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = runtime
            .block_on(TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
            .context("the load balancer cannot listen on 127.0.0.1")?;
        let address = listener.local_addr()?;
        let counts = Arc::new(Counts {
            per_backend: backends.iter().map(|_| AtomicU64::new(0)).collect(),
            failed: AtomicU64::new(0),
        });
        let (stop, stopped) = oneshot::channel();
        let serving = Arc::clone(&counts);
        let thread = std::thread::Builder::new()
            .name("balancer".to_owned())
            .spawn(move || runtime.block_on(serve(listener, backends, serving, stopped)))
            .context("cannot start the load balancer's thread")?;
        let mut clock: libc::clockid_t = 0;
        // SAFETY: the thread is alive (joined only in `stop`), and `clock` is a valid place
        // for the clock's id.
        let found = unsafe { libc::pthread_getcpuclockid(thread.as_pthread_t(), &mut clock) };
        let mut balancer = Self {
            address,
            stop: Some(stop),
            thread: Some(thread),
            clock,
            counts,
        };
        if found != 0 {
            balancer.shut_down();
            bail!("cannot read the load balancer's CPU clock (error {found})");
        }
        Ok(balancer)
    }

    /// Where k6 sends its requests.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The CPU time the balancer's thread has used so far.
    pub fn cpu_time(&self) -> Duration {
        let mut time = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `clock` belongs to a thread that runs until `stop` joins it, and `time` is a
        // valid place for the answer.
        let read = unsafe { libc::clock_gettime(self.clock, &mut time) };
        if read != 0 {
            return Duration::ZERO;
        }
        Duration::new(
            u64::try_from(time.tv_sec).unwrap_or(0),
            u32::try_from(time.tv_nsec).unwrap_or(0),
        )
    }

    /// Stops accepting, drops every open connection and says what it relayed.
    pub fn stop(mut self) -> Relayed {
        self.shut_down();
        Relayed {
            connections: self
                .counts
                .per_backend
                .iter()
                .map(|count| count.load(Ordering::Relaxed))
                .collect(),
            failed: self.counts.failed.load(Ordering::Relaxed),
        }
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

async fn serve(
    listener: TcpListener,
    backends: Vec<SocketAddr>,
    counts: Arc<Counts>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut next = 0;
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    let index = next;
                    next = (next + 1) % backends.len();
                    counts.per_backend[index].fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(relay(client, backends[index], Arc::clone(&counts)));
                }
                Err(_) => {
                    // Out of file descriptors, say: count it, and give the machine a moment
                    // rather than spinning on the same error.
                    counts.failed.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
        }
    }
}

async fn relay(mut client: TcpStream, backend: SocketAddr, counts: Arc<Counts>) {
    let mut upstream = match TcpStream::connect(backend).await {
        Ok(upstream) => upstream,
        Err(_) => {
            counts.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    // Requests and answers are small: send each at once, as the app and k6 themselves do.
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    // Either side closing ends the relay; a reset at the end of the run is not a finding.
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream as StdStream;

    use super::*;

    /// A backend that answers every connection with its own name and closes it.
    fn named_backend(name: &'static str) -> SocketAddr {
        let listener =
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free loopback port");
        let address = listener.local_addr().expect("its address");
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut request = [0u8; 16];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(name.as_bytes());
            }
        });
        address
    }

    /// Sends a few bytes through the balancer and reads until it closes the connection.
    fn ask(address: SocketAddr) -> std::io::Result<String> {
        let mut stream = StdStream::connect(address).expect("the balancer accepts");
        stream.write_all(b"hello")?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    }

    #[test]
    fn hands_connections_to_each_backend_in_turn() {
        let backends = vec![
            named_backend("one"),
            named_backend("two"),
            named_backend("three"),
        ];
        let balancer = Balancer::start(backends).expect("the balancer starts");
        let answers: Vec<String> = (0..7)
            .map(|_| ask(balancer.address()).expect("an answer"))
            .collect();
        assert_eq!(
            answers,
            ["one", "two", "three", "one", "two", "three", "one"]
        );
        assert!(balancer.cpu_time() > Duration::ZERO);
        let relayed = balancer.stop();
        assert_eq!(
            relayed,
            Relayed {
                connections: vec![3, 2, 2],
                failed: 0
            }
        );
    }

    #[test]
    fn a_backend_that_refuses_counts_as_a_failure() {
        // A port that was free a moment ago: nothing listens there now.
        let closed = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port");
        let balancer = Balancer::start(vec![closed]).expect("the balancer starts");
        // Closed without an answer: at once, or reset since the request was never read.
        let answer = ask(balancer.address());
        assert!(answer.as_deref().map_or(true, str::is_empty), "{answer:?}");
        let relayed = balancer.stop();
        assert_eq!(relayed.connections, vec![1]);
        assert_eq!(relayed.failed, 1);
    }

    #[test]
    fn no_backend_is_an_error() {
        let error = Balancer::start(Vec::new()).err().expect("refused");
        assert!(
            error.to_string().contains("at least one backend"),
            "{error}"
        );
    }
}
