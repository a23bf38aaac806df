//! `adain serve`: results equal to the CLI's, stored styles, formats, the operational endpoints, and
//! a clean JSON error (never a dropped connection) for every kind of bad request.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use adain_test_kit::http::{Form, Reply};
use adain_test_kit::images::{test_image, write_image};
use common::server::{png, Served};
use common::{adain, arg, expect_success};

fn decoded(reply: &Reply) -> image::RgbImage {
    assert_eq!(reply.status, 200, "{}", reply.text());
    image::load_from_memory(&reply.body).unwrap().to_rgb8()
}

fn error_kind(reply: &Reply, status: u16) -> String {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert!(
        reply.content_type.starts_with("application/json"),
        "{reply:?}"
    );
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body["error"].as_str().unwrap().to_string()
}

#[test]
fn results_equal_the_cli_for_images_stats_files_stored_styles_and_mixes() {
    let dir = tempfile::tempdir().unwrap();
    let content = write_image(dir.path(), "content.png", 96, 72, 1);
    let style_a = write_image(dir.path(), "a.png", 80, 64, 5);
    let style_b = write_image(dir.path(), "b.png", 64, 64, 9);
    let stats_a = dir.path().join("a.safetensors");
    expect_success(&adain(&["stats", arg(&style_a), "-o", arg(&stats_a)]));
    let cli = |extra: &[&str], name: &str| {
        let out = dir.path().join(name);
        let mut args = vec!["stylize", arg(&content), "-o", arg(&out)];
        args.extend_from_slice(extra);
        expect_success(&adain(&args));
        image::open(&out).unwrap().to_rgb8()
    };
    let served = Served::start(&["--no-demo-styles"]);
    let read = |p: &std::path::Path| std::fs::read(p).unwrap();
    let form = || Form::new().file("content", "content.png", &read(&content));

    // One style image, α = 0.7.
    let expected = cli(&["--style", arg(&style_a), "--alpha", "0.7"], "one.png");
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .file("style", "a.png", &read(&style_a))
            .text("alpha", "0.7"),
    );
    assert_eq!(decoded(&got.unwrap()), expected, "style image");

    // The same style as a stats file, and stored from that file: the same pixels.
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .file("style_stats", "a.safetensors", &read(&stats_a))
            .text("alpha", "0.7"),
    );
    assert_eq!(decoded(&got.unwrap()), expected, "stats file");
    let stored = served
        .client
        .post_form(
            "/v1/styles",
            Form::new().file("style_stats", "a.safetensors", &read(&stats_a)),
        )
        .unwrap();
    assert_eq!(stored.status, 201, "{}", stored.text());
    let stored: serde_json::Value = serde_json::from_slice(&stored.body).unwrap();
    let id = stored["id"].as_str().unwrap();
    assert_eq!(stored["origin"], "stats");
    let got = served.client.post_form(
        "/v1/stylize",
        form().text("style_id", id).text("alpha", "0.7"),
    );
    assert_eq!(decoded(&got.unwrap()), expected, "stored style");

    // Two styles with weights, processed at a smaller size and resized back.
    // The CLI's two styles mixed 0.3 / 0.7, with more options.
    let mix = |extra: &[&str], name: &str| {
        let mut args = vec![
            "--style",
            arg(&style_a),
            "--style",
            arg(&style_b),
            "--weights",
            "0.3,0.7",
        ];
        args.extend_from_slice(extra);
        cli(&args, name)
    };
    let expected = mix(&["--content-size", "48"], "mix.png");
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .file("style", "a.png", &read(&style_a))
            .file("style", "b.png", &read(&style_b))
            .text("weights", "0.3,0.7")
            .text("content_size", "48"),
    );
    let got = decoded(&got.unwrap());
    assert_eq!(got.dimensions(), (96, 72));
    assert_eq!(got, expected, "weighted mix at content_size 48");

    // Colour preservation, from an uploaded image and from the same image stored.
    let expected = cli(&["--style", arg(&style_b), "--preserve-color"], "keep.png");
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .file("style", "b.png", &read(&style_b))
            .text("preserve_color", "true"),
    );
    assert_eq!(decoded(&got.unwrap()), expected, "preserve_color");
    let stored = served
        .client
        .post_form(
            "/v1/styles",
            Form::new()
                .file("style", "b.png", &read(&style_b))
                .text("name", "bee"),
        )
        .unwrap();
    let stored: serde_json::Value = serde_json::from_slice(&stored.body).unwrap();
    assert_eq!(stored["name"], "bee");
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .text("style_id", stored["id"].as_str().unwrap())
            .text("preserve_color", "on"),
    );
    assert_eq!(
        decoded(&got.unwrap()),
        expected,
        "preserve_color with a stored image"
    );

    // The style's colours: one style (uploaded, then stored), and a weighted mix of two, at α = 0.8.
    let bee = stored["id"].as_str().unwrap();
    let expected = cli(
        &[
            "--style",
            arg(&style_b),
            "--match-style-color",
            "--alpha",
            "0.8",
        ],
        "palette.png",
    );
    for (what, styles) in [
        ("upload", form().file("style", "b.png", &read(&style_b))),
        ("stored", form().text("style_id", bee)),
    ] {
        let got = served.client.post_form(
            "/v1/stylize",
            styles
                .text("match_style_color", "true")
                .text("alpha", "0.8"),
        );
        assert_eq!(
            decoded(&got.unwrap()),
            expected,
            "match_style_color, {what}"
        );
    }
    let expected = mix(&["--match-style-color"], "palette-mix.png");
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .file("style", "a.png", &read(&style_a))
            .text("style_id", bee)
            .text("weights", "0.3,0.7")
            .text("match_style_color", "true"),
    );
    assert_eq!(decoded(&got.unwrap()), expected, "match_style_color, a mix");

    // The palette by name: the decoder's own colours, as `--palette model`.
    let expected = cli(&["--style", arg(&style_b), "--palette", "model"], "model.png");
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .file("style", "b.png", &read(&style_b))
            .text("palette", "model"),
    );
    assert_eq!(decoded(&got.unwrap()), expected, "palette=model");

    // A statistics file written before files kept colours: the model's colours, uploaded or stored.
    let mut old = adain_models::stats_file::StyleStats::load(&stats_a).unwrap();
    old.color = None;
    let old_bytes = old.to_bytes();
    let expected = cli(
        &["--style", arg(&style_a), "--palette", "model", "--alpha", "0.7"],
        "old.png",
    );
    let got = served.client.post_form(
        "/v1/stylize",
        form()
            .file("style_stats", "old.safetensors", &old_bytes)
            .text("alpha", "0.7"),
    );
    assert_eq!(decoded(&got.unwrap()), expected, "an old stats file");

    // Refused with a reason: the content palette with statistics only, palettes that disagree,
    // and an unknown one.
    for (styles, named, reason) in [
        (
            form()
                .file("style_stats", "a.safetensors", &read(&stats_a))
                .text("palette", "content"),
            "content",
            "holds statistics only",
        ),
        (
            form()
                .file("style_stats", "a.safetensors", &read(&stats_a))
                .text("preserve_color", "true"),
            "preserve_color",
            "holds statistics only",
        ),
        (
            form()
                .file("style", "b.png", &read(&style_b))
                .text("preserve_color", "true")
                .text("match_style_color", "true"),
            "match_style_color",
            "give one",
        ),
        (
            form()
                .file("style", "b.png", &read(&style_b))
                .text("palette", "model")
                .text("match_style_color", "true"),
            "match_style_color",
            "give one",
        ),
        (
            form()
                .file("style", "b.png", &read(&style_b))
                .text("palette", "sepia"),
            "palette",
            "style, content, model",
        ),
    ] {
        let reply = served.client.post_form("/v1/stylize", styles).unwrap();
        assert_eq!(reply.status, 400, "{}", reply.text());
        assert!(
            reply.text().contains(named) && reply.text().contains(reason),
            "{}",
            reply.text()
        );
    }
}

#[test]
fn output_formats_follow_the_field_then_accept() {
    let served = Served::start(&["--no-demo-styles"]);
    let content = png(&test_image(40, 32, 2));
    let style = png(&test_image(40, 40, 3));
    let form = || {
        Form::new()
            .file("content", "c.png", &content)
            .file("style", "s.png", &style)
    };
    let cases: [(Option<&str>, Option<&str>, &str); 5] = [
        (None, None, "image/png"),
        (Some("jpeg"), None, "image/jpeg"),
        (Some("webp"), Some("image/jpeg"), "image/webp"),
        (None, Some("text/html;q=0.9, image/jpeg"), "image/jpeg"),
        (None, Some("*/*"), "image/png"),
    ];
    for (format, accept, expected) in cases {
        let mut f = form();
        if let Some(format) = format {
            f = f.text("format", format);
        }
        let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
        let reply = served
            .client
            .post_form_with("/v1/stylize", f, &headers)
            .unwrap();
        assert_eq!(
            reply.content_type,
            expected,
            "{format:?} {accept:?}: {}",
            reply.text()
        );
        let image = image::load_from_memory(&reply.body).unwrap();
        assert_eq!((image.width(), image.height()), (40, 32));
    }
    let reply = served
        .client
        .post_form_with("/v1/stylize", form(), &[("Accept", "text/html")])
        .unwrap();
    assert_eq!(error_kind(&reply, 406), "not_acceptable");
}

#[test]
fn styles_are_listed_bounded_and_deleted_and_built_ins_stay() {
    let served = Served::start(&["--max-styles", "2"]);
    let list = || -> Vec<serde_json::Value> {
        let reply = served.client.get("/v1/styles").unwrap();
        serde_json::from_slice::<serde_json::Value>(&reply.body)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let builtins: Vec<String> = list()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(builtins, ["kandinsky", "mondrian", "mosaic", "swirl"]);
    let thumbnail = served.client.get("/v1/styles/swirl/thumbnail").unwrap();
    assert_eq!(thumbnail.content_type, "image/jpeg");
    assert_eq!(
        image::load_from_memory(&thumbnail.body).unwrap().height(),
        160
    );
    // A built-in style works by id.
    let content = png(&test_image(48, 40, 4));
    let reply = served
        .client
        .post_form(
            "/v1/stylize",
            Form::new()
                .file("content", "c.png", &content)
                .text("style_id", "mosaic"),
        )
        .unwrap();
    assert_eq!(decoded(&reply).dimensions(), (48, 40));

    let mut ids = Vec::new();
    for seed in 0..3 {
        let reply = served
            .client
            .post_form(
                "/v1/styles",
                Form::new().file(
                    "style",
                    &format!("s{seed}.png"),
                    &png(&test_image(40, 40, 20 + seed)),
                ),
            )
            .unwrap();
        assert_eq!(reply.status, 201, "{}", reply.text());
        let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    // The bound is 2 uploads: the first is gone, the built-ins are not.
    let now: Vec<String> = list()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(now.len(), 6, "{now:?}");
    assert!(!now.contains(&ids[0]) && now.contains(&ids[1]) && now.contains(&ids[2]));
    let reply = served
        .client
        .post_form(
            "/v1/stylize",
            Form::new()
                .file("content", "c.png", &content)
                .text("style_id", &ids[0]),
        )
        .unwrap();
    assert_eq!(error_kind(&reply, 404), "not_found");

    assert_eq!(
        served
            .client
            .delete(&format!("/v1/styles/{}", ids[1]))
            .unwrap()
            .status,
        204
    );
    assert_eq!(
        error_kind(
            &served
                .client
                .delete(&format!("/v1/styles/{}", ids[1]))
                .unwrap(),
            404
        ),
        "not_found"
    );
    assert_eq!(
        error_kind(&served.client.delete("/v1/styles/swirl").unwrap(), 409),
        "conflict"
    );
    assert_eq!(list().len(), 5);
}

#[test]
fn health_readiness_metrics_and_the_openapi_document() {
    let served = Served::start(&["--no-demo-styles"]);
    assert_eq!(served.client.get("/healthz").unwrap().status, 200);
    let ready: serde_json::Value =
        serde_json::from_slice(&served.client.get("/readyz").unwrap().body).unwrap();
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["workers"], 1);

    let content = png(&test_image(32, 32, 1));
    let ok = Form::new()
        .file("content", "c.png", &content)
        .file("style", "s.png", &content);
    assert_eq!(
        served.client.post_form("/v1/stylize", ok).unwrap().status,
        200
    );
    let bad = Form::new()
        .file("content", "c.png", b"not an image")
        .file("style", "s.png", &content);
    assert_eq!(
        error_kind(&served.client.post_form("/v1/stylize", bad).unwrap(), 400),
        "bad_image"
    );

    let metrics = served.client.get("/metrics").unwrap();
    assert!(metrics.content_type.starts_with("text/plain"));
    let text = metrics.text();
    for expected in [
        "adain_requests_total{route=\"/v1/stylize\",status=\"200\"} 1",
        "adain_requests_total{route=\"/v1/stylize\",status=\"400\"} 1",
        "adain_errors_total{kind=\"bad_image\"} 1",
        "adain_request_duration_seconds_count{route=\"/v1/stylize\"} 2",
        "adain_queue_depth 0",
        "adain_ready 1",
    ] {
        assert!(text.contains(expected), "no `{expected}` in\n{text}");
    }

    let doc: serde_json::Value =
        serde_json::from_slice(&served.client.get("/openapi.json").unwrap().body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/v1/stylize",
        "/v1/styles",
        "/v1/styles/{id}",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let form =
        &doc["paths"]["/v1/stylize"]["post"]["requestBody"]["content"]["multipart/form-data"];
    assert!(form.is_object(), "{doc}");

    let page = served.client.get("/").unwrap();
    assert!(page.content_type.starts_with("text/html") && page.text().contains("id=\"gallery\""));
    assert_eq!(
        error_kind(&served.client.get("/nowhere").unwrap(), 404),
        "not_found"
    );
    assert_eq!(
        error_kind(&served.client.get("/v1/stylize").unwrap(), 405),
        "method_not_allowed"
    );
}

/// A PNG whose header claims `width`×`height` (its data is a few bytes of nothing).
fn png_header(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        bytes.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        bytes.extend_from_slice(kind);
        bytes.extend_from_slice(data);
        bytes.extend_from_slice(&crc.finalize().to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(b"IEND", &[]);
    bytes
}

#[test]
fn bad_requests_get_json_errors_and_the_server_keeps_serving() {
    let mut served = Served::start(&["--no-demo-styles", "--max-body-mib", "1"]);
    let content = png(&test_image(48, 40, 1));
    let style = png(&test_image(40, 40, 2));
    let ok = || {
        Form::new()
            .file("content", "c.png", &content)
            .file("style", "s.png", &style)
    };
    let truncated = &content[..content.len() / 2];
    let random_stats: Vec<u8> = (0..300u32).map(|i| (i * 37 % 251) as u8).collect();
    let big_upload = vec![7u8; 1_200_000];
    let cases: Vec<(&str, Form, u16, &str)> = vec![
        (
            "no content",
            Form::new().file("style", "s.png", &style),
            400,
            "bad_request",
        ),
        (
            "no style",
            Form::new().file("content", "c.png", &content),
            400,
            "bad_request",
        ),
        (
            "unknown field",
            ok().text("strength", "1"),
            400,
            "bad_request",
        ),
        (
            "alpha out of range",
            ok().text("alpha", "2"),
            400,
            "bad_request",
        ),
        (
            "alpha not a number",
            ok().text("alpha", "lots"),
            400,
            "bad_request",
        ),
        (
            "weights for other styles",
            ok().text("weights", "0.5,0.5"),
            400,
            "bad_request",
        ),
        ("bad format", ok().text("format", "gif"), 400, "bad_request"),
        (
            "unknown style id",
            Form::new()
                .file("content", "c.png", &content)
                .text("style_id", "nope"),
            404,
            "not_found",
        ),
        (
            "truncated image",
            Form::new()
                .file("content", "c.png", truncated)
                .file("style", "s.png", &style),
            400,
            "bad_image",
        ),
        (
            "not an image",
            Form::new()
                .file("content", "c.png", b"hello")
                .file("style", "s.png", &style),
            400,
            "bad_image",
        ),
        (
            "100000x100000 header",
            Form::new()
                .file("content", "huge.png", &png_header(100_000, 100_000))
                .file("style", "s.png", &style),
            413,
            "too_large",
        ),
        (
            "a stats file that is not one",
            Form::new().file("content", "c.png", &content).file(
                "style_stats",
                "s.safetensors",
                &random_stats,
            ),
            400,
            "bad_stats",
        ),
        (
            "preserve_color with stats",
            Form::new()
                .file("content", "c.png", &content)
                .file("style_stats", "s.safetensors", &random_stats)
                .text("preserve_color", "true"),
            400,
            "bad_request",
        ),
        (
            "body over the limit",
            ok().file("style", "big.png", &big_upload),
            413,
            "too_large",
        ),
    ];
    for (what, form, status, kind) in cases {
        let reply = served.client.post_form("/v1/stylize", form).unwrap();
        assert_eq!(reply.status, status, "{what}: {}", reply.text());
        assert_eq!(error_kind(&reply, status), kind, "{what}");
    }
    // Bodies that are not multipart at all, or break its framing.
    for (what, content_type, body) in [
        ("no multipart", "application/json", b"{}".to_vec()),
        ("no boundary", "multipart/form-data", b"--x\r\n".to_vec()),
        ("garbage", "multipart/form-data; boundary=XyZ", b"this is not multipart".to_vec()),
        ("cut-off part", "multipart/form-data; boundary=XyZ", b"--XyZ\r\nContent-Disposition: form-data; name=\"content\"; filename=\"c.png\"\r\n\r\n\x89PNG".to_vec()),
    ] {
        let reply = raw_post(&served.base, "/v1/stylize", content_type, &body);
        assert!(reply.starts_with("HTTP/1.1 400"), "{what}: {reply}");
        assert!(reply.contains("\"error\":\"bad_multipart\""), "{what}: {reply}");
    }
    // A client that announces 1 MB and disconnects after a few bytes.
    for _ in 0..3 {
        let mut stream = TcpStream::connect(served.base.trim_start_matches("http://")).unwrap();
        write!(
            stream,
            "POST /v1/stylize HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 1000000\r\n\r\n--XyZ\r\nContent-Disposition: form-data; name=\"content\"; filename=\"c.png\"\r\n\r\n"
        )
        .unwrap();
        stream.write_all(&content[..100]).unwrap();
        drop(stream);
    }
    // Still serving, correctly.
    let reply = served.client.post_form("/v1/stylize", ok()).unwrap();
    assert_eq!(decoded(&reply).dimensions(), (48, 40));
    assert!(served.running());
    assert!(!served.log().contains("panicked"), "{}", served.log());
}

/// POSTs raw bytes and returns the whole answer as text.
fn raw_post(base: &str, path: &str, content_type: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_cleanly() {
    let served = Served::start(&["--no-demo-styles"]);
    let content = png(&test_image(640, 480, 3));
    let style = png(&test_image(64, 64, 4));
    let client = adain_test_kit::http::Client::new(&served.base);
    let in_flight = std::thread::spawn(move || {
        client.post_form(
            "/v1/stylize",
            Form::new()
                .file("content", "c.png", &content)
                .file("style", "s.png", &style),
        )
    });
    // Wait until the worker has the job, then ask the server to stop.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !served
        .client
        .get("/metrics")
        .unwrap()
        .text()
        .contains("adain_workers_busy 1")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the request never reached a worker"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let log = served.log();
    let status = served.terminate();
    let reply = in_flight.join().unwrap().unwrap();
    assert_eq!(decoded(&reply).dimensions(), (640, 480), "{log}");
    assert!(status.success(), "exit status {status:?}");
}
