//! The sync client: enrol the device, take a snapshot into an empty replica, push the outbox
//! as change sets, pull the county's changes page by page, upload photos; and a background
//! loop that repeats this with exponential backoff and jitter after any failure.
//!
//! A cut at any point is safe: a change set's id is stored before it is sent and the same id
//! is resent until an answer lands (the server answers a replay with its first answer); a
//! pulled page and the cursor move in one transaction; a blob upload asks the server how much
//! it holds and goes on from there.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use jiandang_protocol::{
    ApiError, ChangeSet, EnrollRequest, EnrollResponse, ErrorCode, PROTOCOL_HEADER,
    PROTOCOL_VERSION, PolicyDoc, PullPage, PushResponse, SERVER_TIME_HEADER, Snapshot, UserInfo,
    VillageInfo,
};
use rusqlite::params;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

use crate::{Error, Replica};

/// How far a sync round has come, for the app to show. Counts are since the round began.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Field edits answered by the server.
    pub records_up: u64,
    /// Field values received (snapshot and pull).
    pub records_down: u64,
    /// Request bytes sent (compressed) and blob bytes uploaded.
    pub bytes_up: u64,
    /// Response bytes received.
    pub bytes_down: u64,
    /// What the round is doing: `snapshot`, `push`, `pull`, `photos`, `done`.
    pub phase: &'static str,
}

/// The callback the app passes to see progress.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub snapshot_records: usize,
    /// Records of the snapshot the server could not read and left out (it logs their ids).
    pub snapshot_unreadable: usize,
    pub accepted: usize,
    pub superseded: usize,
    pub refused: usize,
    pub pulled: usize,
    pub photos_uploaded: usize,
    pub progress: Progress,
}

/// The enrolled device as the app shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Enrollment {
    pub server_url: String,
    pub device_id: Uuid,
    pub user: UserInfo,
    pub villages: Vec<VillageInfo>,
}

/// Settings of a sync round and of the background loop.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Changes per pushed set.
    pub push_batch: usize,
    /// Changes per pulled page.
    pub pull_page: usize,
    /// Bytes per uploaded blob chunk (the server takes at most 1 MiB).
    pub chunk_bytes: usize,
    /// Time between rounds when all went well.
    pub interval: Duration,
    /// First wait after a failure; doubles up to `max_backoff`, with jitter.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for SyncOptions {
    fn default() -> SyncOptions {
        SyncOptions {
            push_batch: 200,
            pull_page: 500,
            chunk_bytes: 256 * 1024,
            interval: Duration::from_secs(60),
            min_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// The state of the background loop, for the app's status line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LoopStatus {
    Idle,
    Syncing,
    /// The last round finished.
    Synced {
        at_ms: i64,
        report: SyncReport,
    },
    /// The last round failed; the loop tries again after `retry_in_ms`.
    Failed {
        code: String,
        message: String,
        retry_in_ms: u64,
    },
}

/// A running background sync loop. Dropping it does not stop the loop; `stop` does.
pub struct SyncLoop {
    nudge: Arc<Notify>,
    stop: watch::Sender<bool>,
    status: watch::Receiver<LoopStatus>,
    task: tokio::task::JoinHandle<()>,
}

impl SyncLoop {
    /// Starts the next round now (e.g. after a save, or when the network comes back).
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }

    /// The loop's latest status.
    pub fn status(&self) -> LoopStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change.
    pub fn watch(&self) -> watch::Receiver<LoopStatus> {
        self.status.clone()
    }

    /// Stops the loop after the step it is in and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.nudge.notify_one();
        let _ = self.task.await;
    }
}

impl Replica {
    /// Enrols this device with the county server (online, once): stores the token, device
    /// id, user and villages. A wrong user name or password gives `unauthorized`.
    pub async fn enroll(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Enrollment, Error> {
        let base = server_url.trim_end_matches('/').to_owned();
        // Before the password leaves the device.
        require_secure(&base)?;
        let req = EnrollRequest {
            protocol: PROTOCOL_VERSION,
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: device_name.to_owned(),
        };
        let mut progress = Progress::default();
        let resp: EnrollResponse = self
            .send_json(
                self.http().post(format!("{base}/api/v1/enroll")),
                Some(&req),
                &mut progress,
            )
            .await?;
        {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            tx.execute(
                "UPDATE sync_state SET server_url = ?1, token = ?2, device_id = ?3,
                   user_json = ?4, villages_json = ?5, server_id = ?6 WHERE id = 1",
                params![
                    base,
                    resp.token,
                    resp.device_id.to_string(),
                    serde_json::to_string(&resp.user)?,
                    serde_json::to_string(&resp.villages)?,
                    resp.server_id.map(|id| id.to_string())
                ],
            )?;
            // The server takes a stamp only from the device that made it: changes made
            // before this enrolment (stamped by the local node, or by a device id revoked
            // since) are this device's now. A stamp's text is `wall(15)-counter(5)-node`.
            tx.execute(
                "UPDATE outbox SET hlc = substr(hlc, 1, 22) || ?1
                 WHERE status IN ('pending', 'in_flight', 'refused')",
                [resp.device_id.to_string()],
            )?;
            tx.commit()?;
        }
        // The county's policy before anything is judged: a device never judges by one of
        // its own.
        self.fetch_policy(&mut progress).await?;
        Ok(Enrollment {
            server_url: base,
            device_id: resp.device_id,
            user: resp.user,
            villages: resp.villages,
        })
    }

    /// The enrolment, if the device has one.
    pub fn enrollment(&self) -> Result<Option<Enrollment>, Error> {
        let conn = self.conn();
        let row: (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        ) = conn.query_row(
            "SELECT server_url, device_id, user_json, villages_json FROM sync_state
                 WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let (Some(url), Some(device), Some(user), Some(villages)) = row else {
            return Ok(None);
        };
        Ok(Some(Enrollment {
            server_url: url,
            device_id: Uuid::parse_str(&device).map_err(|e| Error::BadResponse(e.to_string()))?,
            user: serde_json::from_str(&user)?,
            villages: serde_json::from_str(&villages)?,
        }))
    }

    /// Points the replica at another server address (same server behind a new address, or a
    /// test proxy); the token and cursor stay.
    pub fn set_server_url(&self, url: &str) -> Result<(), Error> {
        self.conn().execute(
            "UPDATE sync_state SET server_url = ?1 WHERE id = 1",
            [url.trim_end_matches('/')],
        )?;
        Ok(())
    }

    /// The pull cursor (the last county seq this device has looked at).
    pub fn cursor(&self) -> Result<u64, Error> {
        let c: i64 =
            self.conn()
                .query_row("SELECT cursor FROM sync_state WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        Ok(c.max(0) as u64)
    }

    /// One full round: snapshot (first time), push everything waiting, pull to the end,
    /// upload photos. Stops at the first failure; everything done before it stays done.
    pub async fn sync_once(
        &self,
        opts: &SyncOptions,
        on_progress: Option<&ProgressFn>,
    ) -> Result<SyncReport, Error> {
        let mut report = SyncReport::default();
        let notify = |p: &Progress| {
            if let Some(f) = on_progress {
                f(p);
            }
        };
        let mut snapshot_done: bool = self.conn().query_row(
            "SELECT snapshot_done FROM sync_state WHERE id = 1",
            [],
            |r| r.get(0),
        )?;
        self.retry_refused(Some(ErrorCode::EntryClosed.as_str()))?;
        // The county may have changed its policy (a new year, a corrected line): every round
        // takes it again, so the device judges by the county's current one offline.
        self.fetch_policy(&mut report.progress).await?;
        // A checker's worklist, kept for offline use. A new assignment brings records into
        // the device's scope that were logged before its cursor: a new snapshot takes them
        // (it merges into what the device holds; waiting edits stay).
        if self.is_checker()? && self.fetch_worklist(&mut report.progress).await? {
            snapshot_done = false;
        }
        if !snapshot_done {
            report.progress.phase = "snapshot";
            notify(&report.progress);
            (report.snapshot_records, report.snapshot_unreadable) =
                self.snapshot(&mut report.progress).await?;
        }
        report.progress.phase = "push";
        notify(&report.progress);
        self.push_all(opts, &mut report, &notify).await?;
        report.progress.phase = "pull";
        notify(&report.progress);
        let server_before = self.server_id()?;
        report.pulled = self.pull_all(opts, &mut report.progress, &notify).await?;
        if self.server_id()? != server_before {
            // The server was found restored while pulling: what it lost goes up again now,
            // and what the others sent again comes down.
            report.progress.phase = "push";
            self.push_all(opts, &mut report, &notify).await?;
            report.progress.phase = "pull";
            report.pulled += self.pull_all(opts, &mut report.progress, &notify).await?;
        }
        report.progress.phase = "photos";
        notify(&report.progress);
        report.photos_uploaded = self
            .upload_photos(opts.chunk_bytes, &mut report.progress, &notify)
            .await?;
        report.progress.phase = "done";
        notify(&report.progress);
        let now = self.now_ms();
        self.conn().execute(
            "UPDATE sync_state SET last_sync_at = ?1 WHERE id = 1",
            [now],
        )?;
        self.prune_accepted()?;
        Ok(report)
    }

    /// Pushes every waiting change: first a set that was frozen (and maybe sent) before a
    /// cut, under its same id, then new sets until the outbox has nothing pending.
    pub async fn push(&self, opts: &SyncOptions) -> Result<SyncReport, Error> {
        let mut report = SyncReport::default();
        self.push_all(opts, &mut report, &|_| {}).await?;
        Ok(report)
    }

    /// Pulls to the end of the county's log. Returns how many field values changed here.
    /// Does nothing while a pushed set waits for its answer (push first).
    pub async fn pull(&self, opts: &SyncOptions) -> Result<usize, Error> {
        let mut progress = Progress::default();
        self.pull_all(opts, &mut progress, &|_| {}).await
    }

    /// Starts the background loop on the current tokio runtime: a round now, then one every
    /// `interval` or on `nudge`; after a failure it waits with exponential backoff and jitter
    /// and tries again on its own.
    pub fn run_sync_loop(&self, opts: SyncOptions, on_progress: Option<ProgressFn>) -> SyncLoop {
        let nudge = Arc::new(Notify::new());
        let (stop_tx, mut stop_rx) = watch::channel(false);
        let (status_tx, status_rx) = watch::channel(LoopStatus::Idle);
        let replica = self.clone();
        let nudge2 = nudge.clone();
        let task = tokio::spawn(async move {
            let mut failures: u32 = 0;
            let mut jitter = Jitter::new(replica.now_ms() as u64 ^ 0x9e37_79b9_7f4a_7c15);
            loop {
                if *stop_rx.borrow() {
                    break;
                }
                let _ = status_tx.send(LoopStatus::Syncing);
                let wait = match replica.sync_round(&opts, on_progress.as_ref()).await {
                    Ok(report) => {
                        failures = 0;
                        let _ = status_tx.send(LoopStatus::Synced {
                            at_ms: replica.now_ms(),
                            report,
                        });
                        opts.interval
                    }
                    Err(e) => {
                        failures = failures.saturating_add(1);
                        let wait = backoff(&opts, failures, &mut jitter);
                        tracing::warn!(code = e.code(), failures, "sync round failed");
                        let _ = status_tx.send(LoopStatus::Failed {
                            code: e.code().to_owned(),
                            message: e.to_string(),
                            retry_in_ms: wait.as_millis() as u64,
                        });
                        wait
                    }
                };
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = nudge2.notified() => {}
                    _ = stop_rx.changed() => {}
                }
            }
        });
        SyncLoop {
            nudge,
            stop: stop_tx,
            status: status_rx,
            task,
        }
    }

    /// `GET /api/v1/policy`: the year's policy the county judges by, kept for offline use.
    pub async fn fetch_policy(&self, progress: &mut Progress) -> Result<(), Error> {
        let (base, token) = self.endpoint()?;
        let doc: PolicyDoc = self
            .send_json::<(), _>(
                self.http()
                    .get(format!("{base}/api/v1/policy"))
                    .bearer_auth(&token),
                None,
                progress,
            )
            .await?;
        // The round's first answer: a restored server is noticed before anything is pushed
        // with bases it no longer has.
        self.check_server(doc.server_id, progress).await?;
        // What the county sends is checked as a policy file is: values that do not fit
        // together are refused rather than judged by.
        doc.policy
            .check()
            .map_err(|e| Error::BadResponse(e.to_string()))?;
        self.set_policy(&doc.policy)
    }

    /// Takes the snapshot; the field values landed and the records the server left out.
    async fn snapshot(&self, progress: &mut Progress) -> Result<(usize, usize), Error> {
        let (base, token) = self.endpoint()?;
        let snap: Snapshot = self
            .send_json::<(), _>(
                self.http()
                    .get(format!("{base}/api/v1/snapshot"))
                    .bearer_auth(&token),
                None,
                progress,
            )
            .await?;
        self.check_server(snap.server_id, progress).await?;
        let n = self.apply_snapshot(&snap)?;
        progress.records_down += n as u64;
        if !snap.unreadable.is_empty() {
            tracing::warn!(
                records = snap.unreadable.len(),
                "the server left records it cannot read out of the snapshot"
            );
        }
        Ok((n, snap.unreadable.len()))
    }

    async fn push_all(
        &self,
        opts: &SyncOptions,
        report: &mut SyncReport,
        notify: &(dyn Fn(&Progress) + Sync),
    ) -> Result<(), Error> {
        let mut batch = opts.push_batch.max(1);
        let mut whole_records = true;
        let mut restamped = false;
        loop {
            let set = match self.in_flight_set()? {
                Some(set) => set,
                None => match self.freeze_next_set(batch, whole_records)? {
                    Some(set) => set,
                    None => return Ok(()),
                },
            };
            match self.send_set(&set, &mut report.progress).await {
                Ok(resp) => {
                    let tally = self.apply_push_response(&set, &resp)?;
                    // A restored server: what it lost is queued again, and goes next.
                    self.check_server(resp.server_id, &mut report.progress)
                        .await?;
                    report.accepted += tally.accepted;
                    report.superseded += tally.superseded;
                    report.refused += tally.refused;
                    report.progress.records_up += set.changes.len() as u64;
                    notify(&report.progress);
                }
                Err(Error::Server {
                    code: ErrorCode::ClockSkew,
                    ..
                }) if !restamped => {
                    // This device's clock ran ahead when the changes were made: stamp them
                    // again by the server's time (its answer carried it) and send the same
                    // set again. Once per round: a second refusal is an error to show.
                    restamped = true;
                    let n = self.restamp_waiting()?;
                    tracing::warn!(changes = n, "device clock ahead of the server: restamped");
                }
                Err(Error::Server {
                    code: ErrorCode::TooLarge,
                    ..
                }) if set.changes.len() > 1 => {
                    // The server did not take the set: unfreeze it and send smaller ones.
                    // A record too big for one set is then cut too (a household over the
                    // server's cap is the only way this happens).
                    self.unfreeze_set(set.change_set_id)?;
                    batch = (set.changes.len() / 2).max(1);
                    whole_records = false;
                }
                Err(Error::Server {
                    status,
                    code,
                    message,
                }) if (400..500).contains(&status)
                    && !matches!(
                        code,
                        ErrorCode::Unauthorized | ErrorCode::ProtocolVersion | ErrorCode::Conflict
                    ) =>
                {
                    // Refused as a whole: keep every change, visible with the reason.
                    self.refuse_set(set.change_set_id, code.as_str(), &message)?;
                    report.refused += set.changes.len();
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn unfreeze_set(&self, set: Uuid) -> Result<(), Error> {
        self.conn().execute(
            "UPDATE outbox SET status = 'pending', change_set_id = NULL
             WHERE change_set_id = ?1 AND status = 'in_flight'",
            [set.to_string()],
        )?;
        Ok(())
    }

    async fn send_set(
        &self,
        set: &ChangeSet,
        progress: &mut Progress,
    ) -> Result<PushResponse, Error> {
        let (base, token) = self.endpoint()?;
        let resp: PushResponse = self
            .send_json(
                self.http()
                    .post(format!("{base}/api/v1/push"))
                    .bearer_auth(&token),
                Some(set),
                progress,
            )
            .await?;
        if resp.change_set_id != set.change_set_id {
            return Err(Error::BadResponse("change_set_id".to_owned()));
        }
        Ok(resp)
    }

    async fn pull_all(
        &self,
        opts: &SyncOptions,
        progress: &mut Progress,
        notify: &(dyn Fn(&Progress) + Sync),
    ) -> Result<usize, Error> {
        let (base, token) = self.endpoint()?;
        if self.in_flight_set()?.is_some() {
            // A set still waits for its answer: a pulled value of one of its fields would be
            // skipped now and then passed by the cursor, so push (and hear back) first.
            return Ok(0);
        }
        let mut applied = 0;
        loop {
            let after = self.cursor()?;
            let page: PullPage = self
                .send_json::<(), _>(
                    self.http()
                        .get(format!("{base}/api/v1/pull"))
                        .query(&[("after", after), ("limit", opts.pull_page as u64)])
                        .bearer_auth(&token),
                    None,
                    progress,
                )
                .await?;
            if self.check_server(page.server_id, progress).await? {
                // The page is numbered by the restored server; the cursor came back to what
                // it shares with the old one: pull again from there.
                continue;
            }
            let n = self.apply_pull_page(&page.changes, page.next_after)?;
            applied += n;
            progress.records_down += page.changes.len() as u64;
            notify(progress);
            if !page.more || (page.next_after <= after && page.changes.is_empty()) {
                return Ok(applied);
            }
        }
    }

    /// The server address and token, or `NotEnrolled`.
    pub(crate) fn endpoint(&self) -> Result<(String, String), Error> {
        let (url, token): (Option<String>, Option<String>) = self.conn().query_row(
            "SELECT server_url, token FROM sync_state WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        match (url, token) {
            (Some(u), Some(t)) => {
                // Every request that carries the token comes through here.
                require_secure(&u)?;
                Ok((u, t))
            }
            _ => Err(Error::NotEnrolled),
        }
    }

    /// Sends a request with the protocol header (and a gzip JSON body if given) and reads a
    /// JSON answer, or the server's `{code, message}` error.
    pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
        body: Option<&B>,
        progress: &mut Progress,
    ) -> Result<T, Error> {
        let mut req = req.header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(body) = body {
            let gz = gzip(&serde_json::to_vec(body)?)?;
            progress.bytes_up += gz.len() as u64;
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::CONTENT_ENCODING, "gzip")
                .body(gz);
        }
        let resp = req.send().await.map_err(network)?;
        self.note_answer_time(resp.headers())?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(network)?;
        progress.bytes_down += bytes.len() as u64;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| Error::BadResponse(e.to_string()));
        }
        Err(server_error(status.as_u16(), &bytes))
    }
}

impl Replica {
    /// Notes the server's clock from an answer's [`SERVER_TIME_HEADER`], if it has one.
    pub(crate) fn note_answer_time(
        &self,
        headers: &reqwest::header::HeaderMap,
    ) -> Result<(), Error> {
        let server_ms = headers
            .get(SERVER_TIME_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        match server_ms {
            Some(ms) => self.note_server_time(ms),
            None => Ok(()),
        }
    }
}

/// Refuses a server address that would carry a password or token in clear: anything but
/// `https://`, except plain `http://` to this machine (`localhost`, 127.0.0.0/8, `::1`: a
/// test server, or a county proxy on the same host), which never crosses a network.
pub fn require_secure(server_url: &str) -> Result<(), Error> {
    let insecure = || Error::InsecureServer(server_url.to_owned());
    let url = reqwest::Url::parse(server_url).map_err(|_| insecure())?;
    match url.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = url.host_str().unwrap_or_default();
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let loopback = host.eq_ignore_ascii_case("localhost")
                || host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback { Ok(()) } else { Err(insecure()) }
        }
        _ => Err(insecure()),
    }
}

/// The server's `{code, message}` as an error, or a generic one for a body that is not ours
/// (a proxy's page, a cut body).
pub(crate) fn server_error(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<ApiError>(body) {
        Ok(e) => Error::Server {
            status,
            code: e.code,
            message: e.message,
        },
        Err(_) if status >= 500 => Error::Network(format!("HTTP {status}")),
        Err(_) => Error::BadResponse(format!("HTTP {status}")),
    }
}

pub(crate) fn network(e: reqwest::Error) -> Error {
    Error::Network(e.to_string())
}

pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}

/// The wait after `failures` failures in a row: `min · 2^(failures-1)`, capped at `max`, then
/// "full jitter" between half and all of it, so that many phones coming back online at once
/// do not knock together.
fn backoff(opts: &SyncOptions, failures: u32, jitter: &mut Jitter) -> Duration {
    let exp = 2u32.saturating_pow(failures.saturating_sub(1).min(20));
    let raw = opts.min_backoff.saturating_mul(exp).min(opts.max_backoff);
    let ms = raw.as_millis() as u64;
    let half = ms / 2;
    Duration::from_millis(half + jitter.below(half + 1))
}

/// A small xorshift generator: jitter needs spread, not secrecy.
struct Jitter(u64);

impl Jitter {
    fn new(seed: u64) -> Jitter {
        Jitter(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        if n == 0 { 0 } else { x % n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens_go_over_https_or_stay_on_this_machine() {
        for ok in [
            "https://county.example.cn",
            "https://10.0.0.5:8443",
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
        ] {
            assert!(require_secure(ok).is_ok(), "{ok}");
        }
        for refused in [
            "http://county.example.cn",
            "http://10.0.0.5:8080",
            "http://192.168.1.20",
            "ftp://county.example.cn",
            "county.example.cn",
        ] {
            let e = require_secure(refused).expect_err(refused);
            assert_eq!(e.code(), "insecure_server", "{refused}");
            assert!(e.to_string().contains("https://"), "{e}");
        }
    }

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let opts = SyncOptions {
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            ..SyncOptions::default()
        };
        let mut j = Jitter::new(42);
        for (failures, lo, hi) in [
            (1, 500, 1000),
            (2, 1000, 2000),
            (4, 4000, 8000),
            (30, 30_000, 60_000),
        ] {
            for _ in 0..50 {
                let ms = backoff(&opts, failures, &mut j).as_millis() as u64;
                assert!((lo..=hi).contains(&ms), "failures {failures}: {ms} ms");
            }
        }
    }
}
