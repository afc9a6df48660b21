//! A county server for the benchmarks: the server crate's router on a real TCP listener on
//! 127.0.0.1, its SQLite file in the bench's folder, filled by the demo generator, plus users
//! and devices made directly in its database (one Argon2 hash for all of them, so that setting
//! up 500 users does not cost 500 hashes).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiandang_protocol::Role;
use jiandang_server::demo::{self, DemoReport, DemoScale};
use jiandang_server::{AppError, AppState, Clock, SystemClock};
use rusqlite::{Connection, params};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::BenchError;

/// The password of every user the bench makes.
pub const BENCH_PASSWORD: &str = "bench-password-2018";
/// The demo seed: the county's data depends on it only.
pub const SEED: u64 = 2018;

/// A running server.
pub struct County {
    pub state: AppState,
    pub base_url: String,
    pub db_path: PathBuf,
    pub demo: DemoReport,
    password_hash: String,
    task: JoinHandle<()>,
}

/// A device inserted straight into the server's tables, for raw HTTP clients.
pub struct RawDevice {
    pub token: String,
    pub device_id: Uuid,
    pub user_id: Uuid,
}

/// Maps a server error (which carries its cause in Debug only) into ours.
pub fn server_err(e: AppError) -> BenchError {
    BenchError::Server(format!("{e:?}"))
}

impl County {
    /// Opens a fresh database in `dir`, fills it with the demo county at `scale` and serves it.
    pub async fn start(dir: &Path, scale: DemoScale) -> Result<County, BenchError> {
        let db_path = dir.join("server.db");
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let today = clock.today_beijing();
        let now = clock.now_ms();
        let state =
            AppState::open(&db_path, clock).map_err(|e| BenchError::Server(e.to_string()))?;
        let demo = state
            .db
            .call(move |conn| demo::generate(conn, SEED, scale, today, now))
            .await
            .map_err(server_err)?;
        // The demo stores its policy with the timeline moved to today (the entry window open);
        // the state read the file's policy when it opened, before: put the stored one in force.
        let policy = state
            .db
            .call(move |conn| jiandang_server::county_policy(conn, now))
            .await
            .map_err(server_err)?;
        state.rules.replace(policy);
        let password_hash =
            tokio::task::spawn_blocking(|| jiandang_server::auth::hash_password(BENCH_PASSWORD))
                .await
                .map_err(|e| BenchError::Server(e.to_string()))?
                .map_err(server_err)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = jiandang_server::router(state.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            {
                eprintln!("bench server stopped: {e}");
            }
        });
        Ok(County {
            state,
            base_url: format!("http://{addr}"),
            db_path,
            demo,
            password_hash,
            task,
        })
    }

    /// Runs `f` on the server's own connection.
    pub async fn sql<R, F>(&self, f: F) -> Result<R, BenchError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, AppError> + Send + 'static,
    {
        self.state.db.call(f).await.map_err(server_err)
    }

    /// Villages with their household counts, largest first (ties by id).
    pub async fn villages(&self) -> Result<Vec<(Uuid, usize)>, BenchError> {
        self.sql(|conn| {
            let mut stmt = conn.prepare(
                "SELECT v.id, (SELECT COUNT(*) FROM records r
                                WHERE r.village_id = v.id AND r.kind = 'household')
                 FROM villages v ORDER BY 2 DESC, v.rowid",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (id, n) = row?;
                out.push((jiandang_server::auth::parse_uuid(&id)?, n.max(0) as usize));
            }
            Ok(out)
        })
        .await
    }

    /// Adds a user (password [`BENCH_PASSWORD`]) with these villages; returns its user name.
    pub async fn add_user(
        &self,
        role: Role,
        villages: Vec<Uuid>,
    ) -> Result<(Uuid, String), BenchError> {
        let id = Uuid::new_v4();
        let username = format!("bench-{}", &id.simple().to_string()[..12]);
        let hash = self.password_hash.clone();
        let name = username.clone();
        self.sql(move |conn| {
            jiandang_server::admin::insert_user(conn, id, &name, "压测用户", role, &hash, 0)?;
            jiandang_server::admin::set_villages(conn, id, &villages)
        })
        .await?;
        Ok((id, username))
    }

    /// Adds a device of `user` with a token of our own, without the enrol round trip.
    pub async fn add_raw_device(&self, user_id: Uuid) -> Result<RawDevice, BenchError> {
        let device_id = Uuid::new_v4();
        let token = format!("jdt_bench_{}", Uuid::new_v4().simple());
        let hash = jiandang_server::auth::token_hash(&token);
        self.sql(move |conn| {
            conn.execute(
                "INSERT INTO devices (id, user_id, name, token_hash, revoked, enrolled_ms)
                 VALUES (?1, ?2, '压测设备', ?3, 0, 0)",
                params![device_id.to_string(), user_id.to_string(), hash],
            )?;
            Ok(())
        })
        .await?;
        Ok(RawDevice {
            token,
            device_id,
            user_id,
        })
    }

    /// Stops serving.
    pub fn stop(self) {
        self.task.abort();
    }
}

/// An HTTP client that leaves gzip to us, so that bytes on the wire can be counted.
pub fn raw_client() -> Result<reqwest::Client, BenchError> {
    reqwest::Client::builder()
        .no_gzip()
        .timeout(std::time::Duration::from_secs(300))
        .build()
        .map_err(|e| BenchError::Http(e.to_string()))
}

pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, BenchError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out)?;
    Ok(out)
}

pub fn gzip(bytes: &[u8], level: u32) -> Result<Vec<u8>, BenchError> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(bytes)?;
    Ok(enc.finish()?)
}
