//! What the app's end-to-end test drives things with: a small W3C WebDriver client over
//! plain HTTP (reqwest, no WebDriver crate), and helpers that start and stop the county
//! server, tauri-driver and the app's sessions.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};

/// The key under which WebDriver hands back an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// One WebDriver session: one run of the app.
pub struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

/// An element of the page.
#[derive(Clone, Debug)]
pub struct Element(String);

impl Session {
    /// Opens the app at `application` through the WebDriver server at `driver_url`.
    pub async fn start(driver_url: &str, application: &Path) -> Result<Session> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "wry",
            "tauri:options": {"application": application.to_string_lossy()}
        }}});
        let v = call(
            &http,
            reqwest::Method::POST,
            &format!("{driver_url}/session"),
            Some(caps),
        )
        .await
        .context("creating the WebDriver session")?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("no sessionId in {v}"))?
            .to_owned();
        Ok(Session {
            http,
            base: format!("{driver_url}/session/{id}"),
            id,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
        call(&self.http, method, &format!("{}{path}", self.base), body).await
    }

    /// Closes the app.
    pub async fn quit(self) -> Result<()> {
        self.cmd(reqwest::Method::DELETE, "", None).await?;
        Ok(())
    }

    /// The first element matching `css`, if there is one now.
    pub async fn find_now(&self, css: &str) -> Result<Option<Element>> {
        let body = json!({"using": "css selector", "value": css});
        let mut tries = 0;
        loop {
            match self
                .cmd(reqwest::Method::POST, "/element", Some(body.clone()))
                .await
            {
                Ok(v) => return Ok(v[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned()))),
                Err(e) if e.to_string().contains("no such element") => return Ok(None),
                // The page re-rendered while WebKitWebDriver looked: look again.
                Err(e) if is_stale(&e) && tries < 5 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits up to `timeout` for an element matching `css`.
    pub async fn find(&self, css: &str, timeout: Duration) -> Result<Element> {
        let end = Instant::now() + timeout;
        loop {
            if let Some(e) = self.find_now(css).await? {
                return Ok(e);
            }
            if Instant::now() > end {
                bail!("no element {css} after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until the text of the element matching `css` satisfies `ok`; returns the text.
    pub async fn wait_text(
        &self,
        css: &str,
        timeout: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let end = Instant::now() + timeout;
        let mut last = String::new();
        loop {
            if let Some(e) = self.find_now(css).await? {
                // The element may be replaced between find and read; try again then.
                if let Ok(t) = self.text(&e).await {
                    if ok(&t) {
                        return Ok(t);
                    }
                    last = t;
                }
            }
            if Instant::now() > end {
                bail!("{css}: text never matched after {timeout:?}; last seen {last:?}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub async fn click(&self, e: &Element) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/click", e.0),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    /// Clicks the element matching `css`, first brought to the middle of the window: the
    /// app's title bar stays on top, and an element WebDriver scrolls to the top edge sits
    /// under it ("element click intercepted").
    pub async fn click_css(&self, css: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            let e = self.find(css, Duration::from_secs(20)).await?;
            self.execute(
                "const el = document.querySelector(arguments[0]);
                 if (el) el.scrollIntoView({block: 'center'});
                 return true;",
                vec![json!(css)],
            )
            .await?;
            match self.click(&e).await {
                // Replaced between find and click (the page re-rendered): the new one.
                Err(err) if is_stale(&err) && tries < 3 => tries += 1,
                done => return done,
            }
        }
    }

    pub async fn clear(&self, e: &Element) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{}/clear", e.0),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    /// Types `text` into the element (real key events, so `input` listeners run).
    /// A field replaced between find and typing (the page re-rendered) is found again and
    /// typed into afresh.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let mut tries = 0;
        loop {
            let e = self.find(css, Duration::from_secs(20)).await?;
            let typed = async {
                self.clear(&e).await?;
                self.cmd(
                    reqwest::Method::POST,
                    &format!("/element/{}/value", e.0),
                    Some(json!({"text": text})),
                )
                .await
            }
            .await;
            match typed {
                Err(err) if is_stale(&err) && tries < 3 => tries += 1,
                done => return done.map(|_| ()),
            }
        }
    }

    pub async fn text(&self, e: &Element) -> Result<String> {
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{}/text", e.0),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub async fn attribute(&self, e: &Element, name: &str) -> Result<Option<String>> {
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{}/attribute/{name}", e.0),
                None,
            )
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// Runs `script` in the page (`arguments[i]` are `args`) and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// Resizes the window (WebDriver's window rect): 390×844 to see a screen as on a phone.
    pub async fn set_window_size(&self, width: u32, height: u32) -> Result<()> {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await?;
        Ok(())
    }

    /// A PNG of the window.
    pub async fn screenshot(&self, to: &Path) -> Result<()> {
        let v = self.cmd(reqwest::Method::GET, "/screenshot", None).await?;
        let b64 = v.as_str().ok_or_else(|| anyhow!("no screenshot data"))?;
        let bytes = base64_decode(b64).ok_or_else(|| anyhow!("bad screenshot base64"))?;
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(to, bytes).with_context(|| format!("writing {}", to.display()))?;
        Ok(())
    }
}

async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value> {
    let mut req = http.request(method.clone(), url);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req
        .send()
        .await
        .with_context(|| format!("{method} {url}"))?;
    let status = resp.status();
    let text = resp.text().await?;
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.clone()));
    if !status.is_success() {
        let err = v["value"]["error"].as_str().unwrap_or("");
        let msg = v["value"]["message"].as_str().unwrap_or(&text);
        bail!("{method} {url}: {status} {err}: {msg}");
    }
    Ok(v.get("value").cloned().unwrap_or(Value::Null))
}

/// A child process killed when dropped (the test never leaves one behind).
pub struct Proc {
    child: Child,
    name: String,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Proc> {
        let child = cmd
            .stdin(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(Proc {
            child,
            name: name.to_owned(),
        })
    }

    /// Stops the process and waits for it.
    pub fn stop(mut self) {
        self.kill();
    }

    /// SIGTERM first, so tauri-driver stops the WebKitWebDriver it started; SIGKILL after 5 s.
    fn kill(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                eprintln!("e2e: stopped {}", self.name);
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        eprintln!("e2e: stopped {}", self.name);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

/// A loopback port free right now.
pub fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// Waits until something accepts TCP connections on `port`.
pub async fn wait_port(port: u16, timeout: Duration) -> Result<()> {
    let end = Instant::now() + timeout;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if Instant::now() > end {
            bail!("nothing listening on port {port} after {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The workspace's root folder (this package sits in `tests-app/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A JPEG of `w`×`h` made with the image crate: a gradient, so it compresses like a photo.
pub fn make_jpeg(w: u32, h: u32) -> Result<Vec<u8>> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Whether WebDriver answered that an element went stale: the page replaced it while the
/// driver looked (a view re-rendering after a save), so looking again finds the new one.
fn is_stale(e: &anyhow::Error) -> bool {
    e.to_string().contains("stale element")
}
