//! `adain serve --api-key-file` / `ADAIN_API_KEY`: the API answers 401 without the key or with a
//! wrong one and works with it; health, readiness, the OpenAPI document and the page stay open; the
//! key never reaches the log; bad key settings are refused before the server starts; a server
//! bound beyond loopback without a key says so.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use adain_test_kit::http::{Client, Form};
use adain_test_kit::images::test_image;
use adain_test_kit::package::test_package;
use common::server::{png, Served};
use common::{adain, adain_with_env, arg, expect_failure};

const KEY: &str = "4f1c0d9e-test-key-0b6a7c2e";

fn key_file(dir: &std::path::Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("keys");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

fn stylize(client: &Client) -> adain_test_kit::http::Reply {
    client
        .post_form(
            "/v1/stylize",
            Form::new()
                .file("content", "c.png", &png(&test_image(48, 40, 1)))
                .file("style", "s.png", &png(&test_image(64, 64, 2))),
        )
        .unwrap()
}

#[test]
fn the_api_needs_the_key_and_the_probes_and_page_do_not() {
    let dir = tempfile::tempdir().unwrap();
    // Two keys: the old one still works while clients move to the new one.
    let file = key_file(dir.path(), &format!("old-key-000000000000\n{KEY}\n"));
    let served = Served::start(&["--api-key-file", arg(&file)]);
    let anonymous = &served.client;

    for open in [
        "/healthz",
        "/readyz",
        "/openapi.json",
        "/",
        "/app.js",
        "/style.css",
    ] {
        assert_eq!(
            anonymous.get(open).unwrap().status,
            200,
            "{open} should stay open"
        );
    }
    for reply in [
        anonymous.get("/v1/styles").unwrap(),
        anonymous.get("/metrics").unwrap(),
        anonymous.delete("/v1/styles/abc").unwrap(),
        stylize(anonymous),
    ] {
        assert_eq!(reply.status, 401, "{}", reply.text());
        assert!(
            reply.text().contains("\"error\":\"unauthorized\""),
            "{}",
            reply.text()
        );
        assert_eq!(
            reply.www_authenticate.as_deref(),
            Some("Bearer realm=\"adain\"")
        );
    }

    let wrong = Client::new(&served.base).with_key("not-the-key-0000000000");
    let reply = stylize(&wrong);
    assert_eq!(reply.status, 401, "{}", reply.text());
    assert!(
        reply
            .www_authenticate
            .as_deref()
            .unwrap()
            .contains("invalid_token"),
        "{reply:?}"
    );
    // A prefix of the key is no key.
    assert_eq!(
        stylize(&Client::new(&served.base).with_key(&KEY[..20])).status,
        401
    );

    for key in [KEY, "old-key-000000000000"] {
        let client = Client::new(&served.base).with_key(key);
        let reply = stylize(&client);
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert_eq!(client.get("/v1/styles").unwrap().status, 200);
    }
    let metrics = Client::new(&served.base)
        .with_key(KEY)
        .get("/metrics")
        .unwrap()
        .text();
    assert!(
        metrics.contains("adain_errors_total{kind=\"unauthorized\"} 6"),
        "{metrics}"
    );
    let log = served.log();
    assert!(
        !log.contains(KEY) && !log.contains("old-key"),
        "a key reached the log:\n{log}"
    );
    assert!(log.contains("the API requires a key (2 accepted)"), "{log}");
}

#[test]
fn the_key_can_come_from_the_environment() {
    let served = Served::start_with(&["--no-demo-styles"], &[("ADAIN_API_KEY", KEY)]);
    assert_eq!(stylize(&served.client).status, 401);
    assert_eq!(
        stylize(&Client::new(&served.base).with_key(KEY)).status,
        200
    );
}

#[test]
fn bad_key_settings_are_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-keys");
    let stderr = expect_failure(&adain(&["serve", "--api-key-file", arg(&missing)]));
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");

    let empty = key_file(dir.path(), "\n  \n");
    let stderr = expect_failure(&adain(&["serve", "--api-key-file", arg(&empty)]));
    assert!(stderr.contains("no key found"), "{stderr}");
    assert!(stderr.contains(&empty.display().to_string()), "{stderr}");

    let short = key_file(dir.path(), "hunter2\n");
    let stderr = expect_failure(&adain(&["serve", "--api-key-file", arg(&short)]));
    assert!(stderr.contains("shorter than 16 characters"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "the key was printed: {stderr}");

    let good = key_file(dir.path(), KEY);
    let output = adain_with_env(
        &["serve", "--api-key-file", arg(&good)],
        &[("ADAIN_API_KEY", KEY)],
    );
    let stderr = expect_failure(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("give the key one way"), "{stderr}");
}

/// The lines a server writes until it has said it listens and what it allows.
fn startup_log(args: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_adain"))
        .args(["serve", "--no-demo-styles", "--model", arg(test_package())])
        .args(args)
        .env_remove("ADAIN_API_KEY")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("at most") || Instant::now() > deadline {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    log
}

#[test]
fn listening_beyond_loopback_without_a_key_is_warned_about() {
    // Bound to every address but spoken to by no one: nothing leaves this machine.
    let log = startup_log(&["--bind", "0.0.0.0:0"]);
    assert!(log.contains("without an API key"), "{log}");
    let log = startup_log(&["--bind", "127.0.0.1:0"]);
    assert!(!log.contains("without an API key"), "{log}");
    let dir = tempfile::tempdir().unwrap();
    let file = key_file(dir.path(), KEY);
    let log = startup_log(&["--bind", "0.0.0.0:0", "--api-key-file", arg(&file)]);
    assert!(!log.contains("without an API key"), "{log}");
}
