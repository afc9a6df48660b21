//! The field app end to end (issue 4): the real app binary under Xvfb, driven through
//! tauri-driver + WebKitWebDriver, against a real `jiandang serve` on loopback with the demo
//! county. Run by `scripts/app-e2e.sh`, which builds everything and provides the display.
//!
//! The walk: log in and download the village; stop the server; edit a household, take a GPS
//! fix (typed position, desktop provider) and attach a photo (a JPEG made here); close and
//! reopen the app (the edits are still there, marked waiting); start the server; sync; find
//! the edit in the server's record history; try to mark a household exited with an unresolved
//! 两不愁三保障 item and see the refusal naming it. Screenshots of login, village home,
//! household form and sync screen go to `target/screenshots/`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use jiandang_app_e2e::{Proc, Session, free_port, make_jpeg, wait_port, workspace_root};
use serde_json::{Value, json};

const SHORT: Duration = Duration::from_secs(20);
const LONG: Duration = Duration::from_secs(120);

fn env_path(name: &str, default: &str) -> PathBuf {
    std::env::var_os(name)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(default))
}

struct World {
    jiandang: PathBuf,
    app: PathBuf,
    shots: PathBuf,
    server_db: PathBuf,
    port: u16,
    driver_port: u16,
}

impl World {
    fn server_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn start_server(&self) -> Result<Proc> {
        let p = Proc::spawn(
            "jiandang serve",
            Command::new(&self.jiandang)
                .arg("serve")
                .arg("--db")
                .arg(&self.server_db)
                .arg("--listen")
                .arg(format!("127.0.0.1:{}", self.port)),
        )?;
        Ok(p)
    }

    fn shot(&self, name: &str) -> PathBuf {
        self.shots.join(format!("{name}.png"))
    }
}

/// The demo county's users, as `jiandang demo` prints them once: the first line naming a
/// role and carrying `user` / `password` pairs. Accepts `role username password` rows and
/// `username: x password: y` styles; returns (username, password) of the first row whose
/// text contains `role`.
fn credentials(demo_output: &str, role: &str) -> Result<(String, String)> {
    // A JSON report with a `users` array (one document, or one line of the output).
    let docs = std::iter::once(demo_output).chain(demo_output.lines());
    for doc in docs {
        if let Ok(v) = serde_json::from_str::<Value>(doc.trim())
            && let Some(users) = v["users"].as_array()
            && let Some(u) = users.iter().find(|u| u["role"] == json!(role))
            && let (Some(name), Some(pw)) = (u["username"].as_str(), u["password"].as_str())
        {
            return Ok((name.to_owned(), pw.to_owned()));
        }
    }
    for line in demo_output.lines().filter(|l| l.contains(role)) {
        let words: Vec<&str> = line
            .split(|c: char| c.is_whitespace() || c == '|' || c == ',' || c == '，')
            .map(|w| w.trim_matches(|c: char| c == ':' || c == '：' || c == '"'))
            .filter(|w| !w.is_empty())
            .collect();
        let after = |key: &[&str]| {
            words
                .iter()
                .position(|w| key.iter().any(|k| w.eq_ignore_ascii_case(k)))
                .and_then(|i| words.get(i + 1))
                .map(|s| s.to_string())
        };
        if let (Some(u), Some(p)) = (
            after(&["user", "username", "用户名", "用户"]),
            after(&["password", "密码"]),
        ) {
            return Ok((u, p));
        }
        // The table `jiandang demo` prints: 用户名 角色 密码 村数.
        let role_at = words.iter().position(|w| *w == role);
        if let Some(i) = role_at
            && i >= 1
            && words.len() > i + 1
        {
            return Ok((words[i - 1].to_owned(), words[i + 1].to_owned()));
        }
    }
    bail!("no {role} credentials in the demo output:\n{demo_output}")
}

async fn login_api(world: &World, user: &str, password: &str) -> Result<String> {
    let http = reqwest::Client::new();
    let v: Value = http
        .post(format!("{}/api/v1/enroll", world.server_url()))
        .header("Jiandang-Protocol", "2")
        .header("content-type", "application/json")
        .body(
            json!({"protocol": 2, "username": user, "password": password,
                   "device_name": "e2e 核对"})
            .to_string(),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    v["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no token in {v}"))
}

async fn history(world: &World, token: &str, record: &str) -> Result<Value> {
    let http = reqwest::Client::new();
    let resp = http
        .get(format!(
            "{}/api/v1/records/{record}/history",
            world.server_url()
        ))
        .header("Jiandang-Protocol", "2")
        .bearer_auth(token)
        .send()
        .await?;
    let status = resp.status();
    let text = resp.text().await?;
    if !status.is_success() {
        bail!("history of {record}: {status} {text}");
    }
    Ok(serde_json::from_str(&text)?)
}

/// Sets a `<select>` (or any input) by script and fires the events a person's choice fires.
async fn choose(s: &Session, css: &str, value: &str) -> Result<()> {
    s.find(css, SHORT).await?;
    let ok = s
        .execute(
            "const el = document.querySelector(arguments[0]); if (!el) return false;
             el.value = arguments[1];
             el.dispatchEvent(new Event('input', {bubbles: true}));
             el.dispatchEvent(new Event('change', {bubbles: true}));
             return true;",
            vec![json!(css), json!(value)],
        )
        .await?;
    if ok != json!(true) {
        bail!("could not set {css}");
    }
    Ok(())
}

/// Chooses a file for a file input: the JPEG's bytes become a File in the page, set through
/// DataTransfer, as a file chooser would (a native dialog cannot be driven by WebDriver).
async fn attach_file(s: &Session, css: &str, name: &str, bytes: &[u8]) -> Result<()> {
    s.find(css, SHORT).await?;
    let b64 = jiandang_app_e2e::base64_encode(bytes);
    s.execute(
        "const [css, name, b64] = arguments;
         const raw = atob(b64); const buf = new Uint8Array(raw.length);
         for (let i = 0; i < raw.length; i++) buf[i] = raw.charCodeAt(i);
         const dt = new DataTransfer();
         dt.items.add(new File([buf], name, {type: 'image/jpeg'}));
         const input = document.querySelector(css);
         input.files = dt.files;
         input.dispatchEvent(new Event('change', {bubbles: true}));
         return true;",
        vec![json!(css), json!(name), json!(b64)],
    )
    .await?;
    Ok(())
}

async fn open_app(world: &World) -> Result<Session> {
    let url = format!("http://127.0.0.1:{}", world.driver_port);
    Session::start(&url, &world.app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_app_offline_edit_sync_and_exit_refusal() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let world = World {
        jiandang: env_path("JIANDANG_BIN", "target/debug/jiandang"),
        app: env_path("JIANDANG_APP_BIN", "target/debug/jiandang-app"),
        shots: env_path("JIANDANG_SCREENSHOTS", "target/screenshots"),
        server_db: tmp.path().join("county.db"),
        port: free_port()?,
        driver_port: free_port()?,
    };
    for bin in [&world.jiandang, &world.app] {
        if !bin.exists() {
            bail!("{} is not built; run scripts/app-e2e.sh", bin.display());
        }
    }

    // The demo county, and its users' passwords (printed once). Making it takes a minute
    // and a half; JIANDANG_E2E_DEMO_DB with JIANDANG_E2E_DEMO_OUT (its printed output) reuse
    // one made before, copied so the original stays untouched.
    let demo_text = match (
        std::env::var_os("JIANDANG_E2E_DEMO_DB"),
        std::env::var_os("JIANDANG_E2E_DEMO_OUT"),
    ) {
        (Some(db), Some(out)) => {
            std::fs::copy(&db, &world.server_db).context("copying the demo county")?;
            std::fs::read_to_string(&out).context("reading the demo output")?
        }
        _ => {
            let demo = Command::new(&world.jiandang)
                .arg("demo")
                .arg("--db")
                .arg(&world.server_db)
                .output()
                .context("running jiandang demo")?;
            let text = format!(
                "{}\n{}",
                String::from_utf8_lossy(&demo.stdout),
                String::from_utf8_lossy(&demo.stderr)
            );
            if !demo.status.success() {
                bail!("jiandang demo failed:\n{text}");
            }
            text
        }
    };
    let (user, password) = credentials(&demo_text, "survey_worker")?;
    eprintln!("e2e: demo county ready, logging in as {user}");
    let (admin, admin_password) = credentials(&demo_text, "county_admin")?;

    let server = world.start_server()?;
    wait_port(world.port, SHORT).await?;

    // tauri-driver runs the app with our environment: its own data folder, a fast loop.
    let data = tmp.path().join("app-data");
    let driver = Proc::spawn(
        "tauri-driver",
        Command::new("tauri-driver")
            .arg("--port")
            .arg(world.driver_port.to_string())
            .arg("--native-port")
            .arg(free_port()?.to_string())
            .env("JIANDANG_DATA_DIR", &data)
            .env("JIANDANG_SYNC_INTERVAL_SECS", "3"),
    )?;
    wait_port(world.driver_port, SHORT).await?;

    // 1. First run: log in and download the village.
    let s = open_app(&world).await?;
    s.find("#server-url", LONG).await?;
    s.type_into("#server-url", &world.server_url()).await?;
    s.type_into("#username", &user).await?;
    s.type_into("#password", &password).await?;
    s.screenshot(&world.shot("01-login")).await?;
    s.click_css("#enroll").await?;
    s.find("#household-list .household-row", LONG).await?;
    s.screenshot(&world.shot("02-village-home")).await?;

    // 2. The server goes away; everything below happens offline.
    server.stop();

    let row = s.find("#household-list .household-row", SHORT).await?;
    let household_id = s
        .attribute(&row, "data-id")
        .await?
        .ok_or_else(|| anyhow!("household row without data-id"))?;
    s.click(&row).await?;
    let phone_css = "input[name='basic.phone']";
    s.find(phone_css, LONG).await?;
    let new_phone = "13912345678";
    s.type_into(phone_css, new_phone).await?;
    s.wait_text(".save-state[data-kind='household']", SHORT, |t| {
        t.contains("已保存") && t.contains("待同步")
    })
    .await?;
    s.screenshot(&world.shot("03-household-form")).await?;

    // GPS through the desktop provider: a typed position near Shangqiu.
    s.type_into("#gps-lon", "115.6500").await?;
    s.type_into("#gps-lat", "34.4100").await?;
    s.type_into("#gps-accuracy", "6").await?;
    s.type_into("#gps-samples", "3").await?;
    s.click_css("#gps-take").await?;
    s.wait_text("#gps-result", SHORT, |t| t.contains("已记录"))
        .await?;

    // A photo: a JPEG made with the image crate, chosen as a file.
    let jpeg = make_jpeg(1600, 1200)?;
    choose(&s, "#photo-kind", "house_front").await?;
    attach_file(&s, "#photo-file", "house.jpg", &jpeg).await?;
    s.wait_text("#photo-result", LONG, |t| t.contains("照片已保存"))
        .await?;
    s.find("#photo-grid .photo img", SHORT).await?;

    // 3. Close and reopen the app: the edits are still there, marked waiting.
    s.quit().await?;
    let s = open_app(&world).await?;
    let row_css = format!("#household-list .household-row[data-id='{household_id}']");
    let row = s.find(&row_css, LONG).await?;
    let badge = s
        .wait_text(&format!("{row_css} [data-sync]"), SHORT, |t| !t.is_empty())
        .await?;
    assert_eq!(badge, "待同步", "the edited household is marked waiting");
    s.click(&row).await?;
    let phone = s.find(phone_css, LONG).await?;
    let value = s
        .execute(
            "return document.querySelector(arguments[0]).value",
            vec![json!(phone_css)],
        )
        .await?;
    assert_eq!(
        value,
        json!(new_phone),
        "the offline edit survived a restart"
    );
    let _ = phone;
    s.find("[data-field='basic.phone'] .badge.sync-waiting", SHORT)
        .await?;
    s.find("#gps-history .gps-fix", SHORT).await?;
    s.find("#photo-grid .photo img", SHORT).await?;

    // 4. The server is back: sync, and the edit is in the server's record history.
    let server = world.start_server()?;
    wait_port(world.port, SHORT).await?;
    s.click_css("#nav-sync").await?;
    s.click_css("#sync-now").await?;
    s.wait_text("#waiting-changes", LONG, |t| t == "0").await?;
    s.wait_text("#photos-progress", LONG, |t| {
        let mut parts = t.split('/').map(str::trim);
        matches!((parts.next(), parts.next()), (Some(a), Some(b)) if a == b && a != "0")
    })
    .await?;
    s.screenshot(&world.shot("04-sync")).await?;

    let token = login_api(&world, &admin, &admin_password).await?;
    let h = history(&world, &token, &household_id).await?;
    let text = h.to_string();
    assert!(
        text.contains("basic.phone") && text.contains(new_phone),
        "the server's history of the household holds the edit: {text}"
    );

    // 5. The exit gate: with 住房安全有保障 marked unresolved, 标记脱贫 is refused, naming it.
    s.click_css("#nav-home").await?;
    let row = s.find(&row_css, LONG).await?;
    s.click(&row).await?;
    let housing = "select[name='no_worries.housing.resolved']";
    choose(&s, housing, "false").await?;
    s.wait_text(".save-state[data-kind='household']", SHORT, |t| {
        t.contains("已保存")
    })
    .await?;
    s.click_css("#request-exit").await?;
    let refusal = s
        .wait_text("#exit-refusals", SHORT, |t| t.contains("住房安全有保障"))
        .await?;
    assert!(refusal.contains("不能标记脱贫"), "{refusal}");
    s.screenshot(&world.shot("05-exit-refused")).await?;

    s.quit().await?;
    driver.stop();
    server.stop();
    Ok(())
}

#[test]
fn credentials_are_read_from_the_demo_output() {
    let cases: &[(&str, &str, Option<(&str, &str)>)] = &[
        (
            "用户名      角色                 密码             村数\nadmin      county_admin         d8b678f6b451     30\ndcy01      survey_worker        ef646b79c8a9     1",
            "survey_worker",
            Some(("dcy01", "ef646b79c8a9")),
        ),
        (
            "role=county_admin username: admin password: s3cret",
            "county_admin",
            Some(("admin", "s3cret")),
        ),
        (
            r#"{"users":[{"username":"admin","role":"county_admin","password":"a1"},{"username":"dcy01","role":"survey_worker","password":"b2"}]}"#,
            "survey_worker",
            Some(("dcy01", "b2")),
        ),
        ("nothing here", "survey_worker", None),
    ];
    for (text, role, want) in cases {
        let got = credentials(text, role).ok();
        let got = got.as_ref().map(|(u, p)| (u.as_str(), p.as_str()));
        assert_eq!(got, *want, "{text}");
    }
}
