//! A TCP proxy on 127.0.0.1 that throttles what the device sends (a 2G uplink) and can cut
//! the line once, after a given number of bytes, as a train going into a tunnel would. What
//! the server sends back is passed on unthrottled (answers to uploads are a few bytes).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::BenchError;

/// A running proxy.
pub struct Proxy {
    pub url: String,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

struct Shared {
    /// Bytes passed from the device to the server, over all connections.
    up: AtomicU64,
    /// Uplink rate in bits per second; 0 = unthrottled.
    rate_bps: u64,
    /// Cut when `up` reaches this many bytes (once); `u64::MAX` = never.
    cut_at: u64,
    cut: AtomicBool,
}

impl Proxy {
    /// Starts a proxy to `target` (`host:port`).
    pub async fn start(
        target: String,
        rate_bps: u64,
        cut_at: Option<u64>,
    ) -> Result<Proxy, BenchError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            up: AtomicU64::new(0),
            rate_bps,
            cut_at: cut_at.unwrap_or(u64::MAX),
            cut: AtomicBool::new(false),
        });
        let s2 = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&target).await else {
                    continue;
                };
                tokio::spawn(relay(client, server, s2.clone()));
            }
        });
        Ok(Proxy { url, shared, task })
    }

    /// Bytes the device sent through, over every connection.
    pub fn bytes_up(&self) -> u64 {
        self.shared.up.load(Ordering::SeqCst)
    }

    /// Whether the line was cut.
    pub fn was_cut(&self) -> bool {
        self.shared.cut.load(Ordering::SeqCst)
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, server: TcpStream, shared: Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async {
        // A twentieth of a second's worth per write, so the pace is smooth.
        let step = if shared.rate_bps == 0 {
            64 * 1024
        } else {
            ((shared.rate_bps / 8 / 20) as usize).clamp(64, 64 * 1024)
        };
        let mut buf = vec![0u8; step];
        let start = Instant::now();
        let mut sent: u64 = 0;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut n = n as u64;
            let mut cut_now = false;
            if !shared.cut.load(Ordering::SeqCst) {
                let before = shared.up.load(Ordering::SeqCst);
                if before.saturating_add(n) >= shared.cut_at {
                    n = shared.cut_at.saturating_sub(before);
                    cut_now = true;
                }
            }
            if n > 0 && sw.write_all(&buf[..n as usize]).await.is_err() {
                return;
            }
            shared.up.fetch_add(n, Ordering::SeqCst);
            sent += n;
            if cut_now {
                shared.cut.store(true, Ordering::SeqCst);
                return;
            }
            if shared.rate_bps > 0 {
                let due =
                    start + Duration::from_secs_f64(sent as f64 * 8.0 / shared.rate_bps as f64);
                tokio::time::sleep_until(due.into()).await;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    // Either side ending (or the cut) drops both connections.
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}
