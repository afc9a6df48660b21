//! The end-to-end harness: a real county server (its own tokio runtime, so that killing it
//! ends every connection it holds) on 127.0.0.1:0 over a SQLite file in a temp dir, device
//! replicas in temp dirs, a loopback proxy that cuts connections, and the county admin's
//! view of the server. No mocks: every byte goes over TCP through the real router.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use jiandang_domain::Date;
use jiandang_protocol::{
    ChangeSet, ConflictList, EnrollRequest, EnrollResponse, PROTOCOL_HEADER, PROTOCOL_VERSION,
    PullPage, ReopenVillage, Role, Snapshot,
};
use jiandang_replica::{Replica, SyncOptions, SyncReport};
use jiandang_server::{AppState, SettableClock};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

/// The password every test user gets.
pub const PASSWORD: &str = "correct-horse-battery";

/// A test county: the server's database file, its clock, two villages and the users.
pub struct County {
    pub dir: tempfile::TempDir,
    pub db_path: PathBuf,
    pub clock: Arc<SettableClock>,
    /// Village 1: every survey worker is assigned it.
    pub village: Uuid,
    /// Village 2: only `outsider` is assigned it.
    pub other_village: Uuid,
    /// When the county was made, for [`County::device_clock`].
    started: std::time::Instant,
}

/// Survey workers assigned `village`.
pub const WORKERS: [&str; 3] = ["worker_a", "worker_b", "worker_c"];
/// A survey worker assigned only `other_village`.
pub const OUTSIDER: &str = "outsider";
/// The county admin.
pub const ADMIN: &str = "admin";

impl County {
    /// A county whose server clock stands on `today` (Beijing), 10:00.
    pub fn new(today: Date) -> County {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("county.sqlite");
        let village = Uuid::from_u128(0x1111);
        let other_village = Uuid::from_u128(0x2222);
        let conn = jiandang_server::db::open(&db_path).expect("server db");
        conn.execute(
            "INSERT INTO towns (id, name) VALUES (?1, '城关镇')",
            [Uuid::from_u128(0x10).to_string()],
        )
        .expect("town");
        for (id, name) in [(village, "张庄村"), (other_village, "李营村")] {
            conn.execute(
                "INSERT INTO villages (id, town_id, name) VALUES (?1, ?2, ?3)",
                [
                    id.to_string(),
                    Uuid::from_u128(0x10).to_string(),
                    name.to_owned(),
                ],
            )
            .expect("village");
        }
        let hash = jiandang_server::auth::hash_password(PASSWORD).expect("hash");
        let users: Vec<(&str, Role, Vec<Uuid>)> = vec![
            (ADMIN, Role::CountyAdmin, vec![]),
            (WORKERS[0], Role::SurveyWorker, vec![village]),
            (WORKERS[1], Role::SurveyWorker, vec![village]),
            (WORKERS[2], Role::SurveyWorker, vec![village]),
            (OUTSIDER, Role::SurveyWorker, vec![other_village]),
        ];
        for (i, (name, role, villages)) in users.into_iter().enumerate() {
            let id = Uuid::from_u128(0x100 + i as u128);
            jiandang_server::admin::insert_user(&conn, id, name, name, role, &hash, 0)
                .expect("user");
            jiandang_server::admin::set_villages(&conn, id, &villages).expect("villages");
        }
        drop(conn);
        County {
            dir,
            db_path,
            clock: Arc::new(SettableClock::at_beijing(today, 10 * 3600 * 1000)),
            village,
            other_village,
            started: std::time::Instant::now(),
        }
    }

    /// A device's wall clock that lives in the county's time: the server's clock at the
    /// moment (which stands still unless a test moves it) plus the real time since the county
    /// was made. Devices on the system clock would stamp their edits years ahead of a server
    /// standing in 2018, which the server refuses (`clock_skew`).
    pub fn device_clock(&self) -> jiandang_replica::Clock {
        let (clock, started) = (self.clock.clone(), self.started);
        Arc::new(move || {
            use jiandang_server::Clock as _;
            clock.now_ms() + i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)
        })
    }

    /// A county during the entry window (2018-11-20).
    pub fn in_entry_window() -> County {
        County::new(Date::new(2018, 11, 20).expect("date"))
    }

    /// Starts a server on this county's database file.
    pub fn start_server(&self) -> TestServer {
        TestServer::start(&self.db_path, self.clock.clone())
    }

    /// A new device replica in its own folder of the county's temp dir.
    pub fn device(&self, name: &str) -> Device {
        Device::open(self.dir.path(), name, self.device_clock())
    }

    /// Reads the server's database directly (a second connection, read only).
    pub fn server_db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            &self.db_path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open server db")
    }

    /// How many times each change id sits in the server's change log.
    pub fn logged_change_counts(&self) -> BTreeMap<Uuid, u32> {
        let conn = self.server_db();
        let mut stmt = conn
            .prepare("SELECT change_id, COUNT(*) FROM change_log GROUP BY change_id")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
            .expect("query")
            .map(|r| {
                let (id, n) = r.expect("row");
                (Uuid::parse_str(&id).expect("uuid"), n)
            })
            .collect()
    }
}

/// A running server. `kill` ends its runtime at once, connections and all, like a crash.
pub struct TestServer {
    pub addr: SocketAddr,
    runtime: Option<tokio::runtime::Runtime>,
}

impl TestServer {
    pub fn start(db_path: &Path, clock: Arc<SettableClock>) -> TestServer {
        TestServer::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), db_path, clock)
    }

    /// Starts the server on a given address (to come back where a killed one was).
    pub fn start_on(addr: SocketAddr, db_path: &Path, clock: Arc<SettableClock>) -> TestServer {
        let state = AppState::open(db_path, clock).expect("server state");
        TestServer::serve(addr, state)
    }

    fn serve(addr: SocketAddr, state: AppState) -> TestServer {
        // A killed server's socket closes as its runtime winds down: retry briefly.
        let mut tries = 0;
        let listener = loop {
            match std::net::TcpListener::bind(addr) {
                Ok(l) => break l,
                Err(e) if tries < 100 && addr.port() != 0 => {
                    tries += 1;
                    let _ = e;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("bind {addr}: {e}"),
            }
        };
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("addr");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let app = jiandang_server::router(state)
                .into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, app).await;
        });
        TestServer {
            addr,
            runtime: Some(runtime),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Ends the server at once (its tasks are dropped; blocking database work in progress
    /// finishes or not, as in a crash).
    pub fn kill(mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }

    /// [`TestServer::kill`], then waits until this process holds no file of the database
    /// open any more. A crashed server's process is gone with its files; this one's
    /// connections close a moment after its runtime, and SQLite closing the last one removes
    /// `<db>-wal` BY NAME: after a restore that is the restored database's log, with every
    /// change taken since (the restore test lost pushes that way, now and then).
    pub fn kill_and_wait_closed(self, db_path: &Path) {
        self.kill();
        let names: Vec<std::path::PathBuf> = ["", "-wal", "-shm"]
            .iter()
            .map(|suffix| {
                let mut name = db_path.as_os_str().to_owned();
                name.push(suffix);
                std::path::PathBuf::from(name)
            })
            .collect();
        let open = || {
            std::fs::read_dir("/proc/self/fd")
                .map(|fds| {
                    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
                        .any(|target| names.contains(&target))
                })
                .unwrap_or(false)
        };
        for _ in 0..500 {
            if !open() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the killed server still holds the database open after 10 s");
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A device: a replica in its own folder.
pub struct Device {
    pub name: String,
    pub replica: Replica,
}

impl Device {
    pub fn open(dir: &Path, name: &str, clock: jiandang_replica::Clock) -> Device {
        let folder = dir.join(format!("device-{name}"));
        std::fs::create_dir_all(&folder).expect("device dir");
        let replica =
            Replica::open_with_clock(&folder.join("replica.sqlite"), clock).expect("replica");
        Device {
            name: name.to_owned(),
            replica,
        }
    }

    pub async fn enroll(&self, server: &str, user: &str) {
        self.replica
            .enroll(server, user, PASSWORD, &self.name)
            .await
            .expect("enroll");
    }

    /// One full sync round with small batches (so cuts land between sets too).
    pub async fn sync(&self) -> Result<SyncReport, jiandang_replica::Error> {
        self.replica.sync_once(&small_batches(), None).await
    }

    /// Saves a record, panicking on a storage error.
    pub fn save(&self, kind: jiandang_domain::RecordKind, id: Uuid, village: Uuid, doc: &Value) {
        self.replica
            .save_record(kind, id, village, doc)
            .expect("save");
    }

    /// Sets one leaf of a record (reads the stored form, changes the path, saves it back).
    pub fn set_field(&self, id: Uuid, path: &str, value: Value) {
        let rec = self.replica.get_record(id).expect("get").expect("record");
        let mut leaves = jiandang_protocol::flatten(&rec.doc);
        leaves.remove("");
        leaves.insert(path.to_owned(), value);
        let doc = jiandang_protocol::unflatten(&leaves);
        self.save(rec.kind, id, rec.village_id, &doc);
    }

    /// Every record as (id → leaves).
    pub fn state(&self) -> BTreeMap<Uuid, BTreeMap<String, Value>> {
        self.replica
            .all_records()
            .expect("records")
            .into_iter()
            .map(|r| (r.id, leaves(&r.doc)))
            .collect()
    }

    /// The value of one field here.
    pub fn field(&self, id: Uuid, path: &str) -> Value {
        self.state()
            .get(&id)
            .and_then(|l| l.get(path).cloned())
            .unwrap_or(Value::Null)
    }
}

/// Sync options for tests: small sets and pages, quick backoff.
pub fn small_batches() -> SyncOptions {
    SyncOptions {
        push_batch: 3,
        pull_page: 4,
        chunk_bytes: 64 * 1024,
        interval: std::time::Duration::from_millis(200),
        min_backoff: std::time::Duration::from_millis(20),
        max_backoff: std::time::Duration::from_millis(200),
    }
}

/// A record's leaves, cleared (null) fields left out.
pub fn leaves(doc: &Value) -> BTreeMap<String, Value> {
    match doc {
        Value::Object(m) if m.is_empty() => BTreeMap::new(),
        other => jiandang_protocol::flatten(other)
            .into_iter()
            .filter(|(k, v)| !v.is_null() && !k.is_empty())
            .collect(),
    }
}

/// A device speaking the protocol over plain HTTP, without a replica: for tests that
/// need many requests at once or requests a replica would never send.
#[derive(Clone)]
pub struct RawDevice {
    pub base: String,
    pub token: String,
    pub device_id: Uuid,
    http: reqwest::Client,
}

impl RawDevice {
    /// Enrols a new device of `user`.
    pub async fn enroll(base: &str, user: &str, device_name: &str) -> RawDevice {
        let http = reqwest::Client::new();
        let resp: EnrollResponse = http
            .post(format!("{base}/api/v1/enroll"))
            .header(PROTOCOL_HEADER, "2")
            .json(&EnrollRequest {
                protocol: PROTOCOL_VERSION,
                username: user.to_owned(),
                password: PASSWORD.to_owned(),
                device_name: device_name.to_owned(),
            })
            .send()
            .await
            .expect("enroll")
            .json()
            .await
            .expect("enroll answer");
        RawDevice {
            base: base.to_owned(),
            token: resp.token,
            device_id: resp.device_id,
            http,
        }
    }

    /// Pushes a set; the HTTP status and the answer's JSON.
    pub async fn push(&self, set: &ChangeSet) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}/api/v1/push", self.base))
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, "2")
            .json(set)
            .send()
            .await
            .expect("push");
        let status = resp.status().as_u16();
        (status, resp.json().await.expect("push answer"))
    }

    /// One pull page.
    pub async fn pull(&self, after: u64, limit: u32) -> PullPage {
        let resp = self
            .http
            .get(format!("{}/api/v1/pull", self.base))
            .query(&[("after", after), ("limit", u64::from(limit))])
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, "2")
            .send()
            .await
            .expect("pull");
        assert!(resp.status().is_success(), "pull: {}", resp.status());
        resp.json().await.expect("pull page")
    }
}

/// The county admin's HTTP view of the server.
pub struct Admin {
    pub base: String,
    pub token: String,
    http: reqwest::Client,
}

impl Admin {
    pub async fn login(base: &str) -> Admin {
        let http = reqwest::Client::new();
        let resp: EnrollResponse = http
            .post(format!("{base}/api/v1/enroll"))
            .header(PROTOCOL_HEADER, "2")
            .json(&EnrollRequest {
                protocol: PROTOCOL_VERSION,
                username: ADMIN.to_owned(),
                password: PASSWORD.to_owned(),
                device_name: "县扶贫办".to_owned(),
            })
            .send()
            .await
            .expect("enroll admin")
            .json()
            .await
            .expect("enroll answer");
        Admin {
            base: base.to_owned(),
            token: resp.token,
            http,
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, "2")
            .send()
            .await
            .expect("admin get");
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        resp.json().await.expect("admin json")
    }

    async fn post(&self, path: &str, body: &Value) -> reqwest::StatusCode {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, "2")
            .json(body)
            .send()
            .await
            .expect("admin post")
            .status()
    }

    /// A POST of the county's API with its JSON answer (the problem list's routes).
    pub async fn post_json(&self, path: &str, body: &Value) -> (reqwest::StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, "2")
            .json(body)
            .send()
            .await
            .expect("admin post");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A GET of the county's API as JSON.
    pub async fn get_json(&self, path: &str) -> Value {
        self.get(path).await
    }

    /// The county's policy in force (`GET /api/v1/policy`).
    pub async fn policy(&self) -> jiandang_domain::policy::YearPolicy {
        let doc: jiandang_protocol::PolicyDoc = self.get("/api/v1/policy").await;
        doc.policy
    }

    /// Puts `policy` in force as the county's (`PUT /api/v1/admin/policy`).
    pub async fn set_policy(&self, policy: &jiandang_domain::policy::YearPolicy) {
        let resp = self
            .http
            .put(format!("{}/api/v1/admin/policy", self.base))
            .bearer_auth(&self.token)
            .header(PROTOCOL_HEADER, "2")
            .json(&serde_json::json!({ "protocol": PROTOCOL_VERSION, "policy": policy }))
            .send()
            .await
            .expect("admin put policy");
        let status = resp.status();
        assert!(
            status.is_success(),
            "PUT policy: {status} {}",
            resp.text().await.unwrap_or_default()
        );
    }

    /// Every record on the server (all villages) as (id → leaves).
    pub async fn server_state(&self) -> BTreeMap<Uuid, BTreeMap<String, Value>> {
        let snap: Snapshot = self.get("/api/v1/snapshot").await;
        snap.records()
            .expect("snapshot rows decode")
            .into_iter()
            .map(|r| (r.id, r.leaves))
            .collect()
    }

    pub async fn conflicts(&self) -> ConflictList {
        self.get("/api/v1/conflicts?open=false").await
    }

    /// Marks a device lost (`POST /api/v1/admin/devices/{id}/lost`).
    pub async fn mark_device_lost(&self, device: Uuid) {
        let status = self
            .post(
                &format!("/api/v1/admin/devices/{device}/lost"),
                &serde_json::json!({ "protocol": PROTOCOL_VERSION }),
            )
            .await;
        assert!(status.is_success(), "mark lost: {status}");
    }

    /// The county's devices as the admin lists them.
    pub async fn devices(&self) -> jiandang_protocol::DeviceList {
        self.get("/api/v1/admin/devices").await
    }

    pub async fn revoke_device(&self, device: Uuid) {
        let status = self
            .post(
                &format!("/api/v1/admin/devices/{device}/revoke"),
                &Value::Null,
            )
            .await;
        assert!(status.is_success(), "revoke: {status}");
    }

    pub async fn reopen_village(&self, village: Uuid, until: Date) {
        let body = serde_json::to_value(ReopenVillage {
            protocol: PROTOCOL_VERSION,
            until,
        })
        .expect("json");
        let status = self
            .post(&format!("/api/v1/admin/villages/{village}/reopen"), &body)
            .await;
        assert!(status.is_success(), "reopen: {status}");
    }
}

/// How a proxy cuts.
#[derive(Debug, Clone, Copy)]
pub enum Cut {
    /// Forward this many request bytes in total (over all connections), then close both
    /// sides, mid-body; later connections are closed at once.
    AfterRequestBytes(i64),
    /// Forward requests whole but close the connection when the answer starts: the server
    /// did the work, the device never hears of it.
    DropResponses,
}

/// A loopback TCP proxy in front of a server that cuts connections.
pub struct Proxy {
    pub addr: SocketAddr,
    tripped: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr, cut: Cut) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        let tripped = Arc::new(AtomicBool::new(false));
        let budget = Arc::new(AtomicI64::new(match cut {
            Cut::AfterRequestBytes(n) => n,
            Cut::DropResponses => i64::MAX,
        }));
        let t = tripped.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (t, budget) = (t.clone(), budget.clone());
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    relay(client, server, cut, budget, t).await;
                });
            }
        });
        Proxy {
            addr,
            tripped,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Whether the proxy has cut a connection.
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(
    mut client: tokio::net::TcpStream,
    mut server: tokio::net::TcpStream,
    cut: Cut,
    budget: Arc<AtomicI64>,
    tripped: Arc<AtomicBool>,
) {
    let (mut a, mut b) = ([0u8; 8192], [0u8; 8192]);
    loop {
        tokio::select! {
            r = client.read(&mut a) => {
                let n = match r { Ok(0) | Err(_) => return, Ok(n) => n };
                let left = budget.fetch_sub(n as i64, Ordering::SeqCst);
                let allow = left.clamp(0, n as i64) as usize;
                if allow > 0 && server.write_all(&a[..allow]).await.is_err() {
                    return;
                }
                if allow < n {
                    // Dropping both streams closes both connections mid-body.
                    tripped.store(true, Ordering::SeqCst);
                    return;
                }
            }
            r = server.read(&mut b) => {
                let n = match r { Ok(0) | Err(_) => return, Ok(n) => n };
                if matches!(cut, Cut::DropResponses) {
                    tripped.store(true, Ordering::SeqCst);
                    return;
                }
                if client.write_all(&b[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// A household's JSON form as the domain writes it, with a few fields set.
pub fn household_doc(id: Uuid, village: Uuid, number: &str) -> Value {
    serde_json::json!({
        "id": id.to_string(),
        "village_id": village.to_string(),
        "basic": {
            "household_number": number,
            "year": 2018,
            "status": "0",
            "phone": "13800000000",
            "bank_name": "农村信用社",
            "main_cause": "1"
        },
        "income": {"wage": "1200.00"}
    })
}

/// A real photo: a JPEG made with the image crate (a noisy gradient, so it does not
/// compress to nothing).
pub fn test_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut seed: u32 = 0x1234_5678;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed & 0x3f) as u8;
        image::Rgb([
            ((x * 255 / width.max(1)) as u8).wrapping_add(noise),
            ((y * 255 / height.max(1)) as u8).wrapping_add(noise / 2),
            noise.wrapping_mul(3),
        ])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .expect("encode jpeg");
    out
}
