//! The web page of `adain serve`, driven in Debian's headless Chromium through ChromeDriver (the W3C
//! WebDriver protocol, spoken here over HTTP): choose a photo, pick a built-in style, stylize, and the
//! result appears with the photo's size; then again with an uploaded style and the colours kept.
//! A screenshot is saved as target/serve-page.png. A server that requires an API key: the page asks
//! for it, says so when a wrong one is given, and works once given the right one.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use adain_test_kit::http::Client;
use adain_test_kit::images::{shared_photo, test_image, write_image};
use adain_test_kit::paths::default_package;
use base64::Engine;
use common::server::Served;
use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The key W3C WebDriver gives element references under.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Browser {
    driver: Child,
    client: Client,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting chromedriver");
        let client = Client::new(&format!("http://127.0.0.1:{port}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while client.get("/status").map(|r| r.status).ok() != Some(200) {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        // Offline machines: no background connections, no first-run or sync traffic.
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1200,820".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        }}});
        let reply = client
            .post_json("/session", &capabilities.to_string())
            .unwrap();
        let body: Value = serde_json::from_slice(&reply.body).unwrap();
        let session = body["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {body}"))
            .to_string();
        Self {
            driver,
            client,
            session,
            _profile: profile,
        }
    }

    fn command(&self, path: &str, body: Value) -> Value {
        let reply = self
            .client
            .post_json(
                &format!("/session/{}{path}", self.session),
                &body.to_string(),
            )
            .unwrap();
        let value: Value = serde_json::from_slice(&reply.body).unwrap();
        assert_eq!(reply.status, 200, "WebDriver {path}: {value}");
        value["value"].clone()
    }

    fn open(&self, url: &str) {
        self.command("/url", json!({ "url": url }));
    }

    fn element(&self, css: &str) -> String {
        let found = self.command("/element", json!({"using": "css selector", "value": css}));
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_string()
    }

    fn click(&self, css: &str) {
        let id = self.element(css);
        self.command(&format!("/element/{id}/click"), json!({}));
    }

    /// Puts a file into an `<input type=file>` as a user choosing it would.
    fn choose_file(&self, css: &str, file: &Path) {
        let id = self.element(css);
        self.command(
            &format!("/element/{id}/value"),
            json!({ "text": file.to_str().unwrap() }),
        );
    }

    /// Types `text` into an input as a user would.
    fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.command(&format!("/element/{id}/value"), json!({ "text": text }));
    }

    fn script(&self, source: &str) -> Value {
        self.command("/execute/sync", json!({ "script": source, "args": [] }))
    }

    /// Polls `source` until it returns something other than null.
    fn wait_for(&self, what: &str, source: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let value = self.script(source);
            if !value.is_null() {
                return value;
            }
            let status = self.script("return document.getElementById('status').textContent");
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; status: {status}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, to: &Path) {
        let reply = self
            .client
            .get(&format!("/session/{}/screenshot", self.session))
            .unwrap();
        let body: Value = serde_json::from_slice(&reply.body).unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(body["value"].as_str().unwrap())
            .unwrap();
        std::fs::write(to, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.client.delete(&format!("/session/{}", self.session));
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The result once shown: `[naturalWidth, naturalHeight, status]`.
const RESULT_SHOWN: &str = "const r = document.getElementById('result'); \
    const s = document.getElementById('status').textContent; \
    if (s.startsWith('Failed')) return ['failed', s]; \
    return (!r.hidden && r.complete && r.naturalWidth > 0 && s.startsWith('Done')) \
        ? [r.naturalWidth, r.naturalHeight, s] : null;";

/// Whether the browser is there (skipped on a user's machine without it; a failure under CI).
fn browser_found() -> bool {
    let found = if Path::new(CHROMIUM).is_file() && Path::new(CHROMEDRIVER).is_file() {
        Ok(())
    } else {
        Err("no /usr/bin/chromium or /usr/bin/chromedriver")
    };
    adain_test_kit::require(
        "Chromium and ChromeDriver",
        "cargo xtask setup --browser",
        found,
    )
    .is_some()
}

#[test]
fn a_user_stylizes_a_photo_in_the_browser() {
    if !browser_found() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A real photo (the team's data) when there is one, at a size the 2-core machines stylize fast.
    // SERVE_PAGE_CONTENT replaces it: the README's screenshot shows one of our generated artworks,
    // so that no third-party picture is committed.
    let photo = match std::env::var_os("SERVE_PAGE_CONTENT") {
        Some(path) => image::open(path).unwrap().to_rgb8(),
        None => shared_photo("0001.jpg")
            .map(|p| adain::image_io::resize_shorter_side(&p, 240))
            .unwrap_or_else(|| test_image(320, 240, 1)),
    };
    let content = dir.path().join("photo.png");
    photo.save(&content).unwrap();
    let style = write_image(dir.path(), "mine.png", 160, 160, 7);

    let model = default_package();
    let served = Served::start(&["--model", model.to_str().unwrap()]);
    let browser = Browser::start();
    browser.open(&format!("{}/", served.base));

    // A built-in style from the gallery, α at 0.8.
    browser.wait_for(
        "the gallery",
        "return document.querySelectorAll('.style-card img').length >= 4 ? true : null",
    );
    browser.choose_file("#content-file", &content);
    browser.click(".style-card[data-id='mosaic']");
    browser.script(
        "const a = document.getElementById('alpha'); a.value = '0.8'; \
         a.dispatchEvent(new Event('input')); return null",
    );
    browser.click("#go");
    let shown = browser.wait_for("the result", RESULT_SHOWN);
    assert_eq!(shown[0], json!(photo.width()), "{shown}");
    assert_eq!(shown[1], json!(photo.height()), "{shown}");
    let link = browser.script(
        "const d = document.getElementById('download'); return [d.hidden, d.href, d.download]",
    );
    assert_eq!(link[0], json!(false));
    assert!(link[1].as_str().unwrap().starts_with("blob:"), "{link}");
    assert_eq!(link[2], json!("stylized.png"));
    let screenshot: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("serve-page.png");
    browser.script("window.scrollTo(0, 0); return null");
    browser.screenshot(&screenshot);
    eprintln!("screenshot: {}", screenshot.display());

    // The painting's colours unless asked otherwise; the page offers the three palettes.
    let palettes = browser.script(
        "const p = document.getElementById('palette'); return [p.value, [...p.options].map(o => o.value)]",
    );
    assert_eq!(palettes, json!(["style", ["style", "content", "model"]]));

    // An uploaded style with the photo's colours kept, as JPEG.
    browser.choose_file("#style-file", &style);
    browser.script("document.getElementById('palette').value = 'content'; return null");
    browser.script("document.getElementById('format').value = 'jpeg'; return null");
    browser.script("document.getElementById('status').textContent = ''; return null");
    browser.click("#go");
    let shown = browser.wait_for("the second result", RESULT_SHOWN);
    assert_eq!(shown[0], json!(photo.width()), "{shown}");
    let checked = browser
        .script("return document.querySelectorAll('.style-card[aria-checked=\"true\"]').length");
    assert_eq!(
        checked,
        json!(0),
        "the gallery choice should give way to the upload"
    );

    // The decoder's own colours.
    browser.script("document.getElementById('palette').value = 'model'; return null");
    browser.script("document.getElementById('status').textContent = ''; return null");
    browser.click("#go");
    let shown = browser.wait_for("the third result", RESULT_SHOWN);
    assert_eq!(shown[0], json!(photo.width()), "{shown}");

    let metrics = served.client.get("/metrics").unwrap().text();
    assert!(
        metrics.contains("adain_requests_total{route=\"/v1/stylize\",status=\"200\"} 3"),
        "{metrics}"
    );
}

#[test]
fn the_page_asks_for_the_key_of_a_server_that_needs_one() {
    if !browser_found() {
        return;
    }
    let key = "page-test-key-5e0c1f2a9b";
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, key).unwrap();
    let content = write_image(dir.path(), "photo.png", 96, 64, 3);
    let served = Served::start(&["--api-key-file", key_file.to_str().unwrap()]);
    let browser = Browser::start();
    browser.open(&format!("{}/", served.base));

    // The gallery needs the key: the page asks for it instead of showing an error.
    browser.wait_for(
        "the key form",
        "return document.getElementById('key-form').hidden ? null : true",
    );
    let cards = browser.script("return document.querySelectorAll('.style-card').length");
    assert_eq!(cards, json!(0), "nothing is listed without the key");

    // A wrong key is refused and asked for again.
    browser.type_into("#key", "not-the-key-000000000");
    browser.click("#key-form button");
    browser.wait_for(
        "the refusal",
        "const s = document.getElementById('key-status').textContent; \
         return !document.getElementById('key-form').hidden && s.includes('not accepted') ? s : null",
    );

    // The right one opens the gallery, thumbnails included, and stylizing works.
    browser.type_into("#key", key);
    browser.click("#key-form button");
    browser.wait_for(
        "the gallery with its thumbnails",
        "const imgs = [...document.querySelectorAll('.style-card img')]; \
         return imgs.length >= 4 && imgs.every((i) => i.complete && i.naturalWidth > 0) ? true : null",
    );
    assert_eq!(
        browser.script("return document.getElementById('key-form').hidden"),
        json!(true)
    );
    browser.choose_file("#content-file", &content);
    browser.click(".style-card[data-id='mosaic']");
    browser.click("#go");
    let shown = browser.wait_for("the result", RESULT_SHOWN);
    assert_eq!(shown[0], json!(96), "{shown}");
    assert_eq!(shown[1], json!(64), "{shown}");

    let metrics = Client::new(&served.base)
        .with_key(key)
        .get("/metrics")
        .unwrap()
        .text();
    assert!(
        metrics.contains("adain_requests_total{route=\"/v1/stylize\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(!served.log().contains(key), "the key reached the log");
}
