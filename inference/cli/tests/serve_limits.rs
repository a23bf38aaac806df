//! `adain serve` against slow and hostile clients, on loopback: connections that stop halfway
//! through their headers or their body are answered 408 and closed after their limit, idle
//! keep-alive connections are closed, a client that stops reading its answers is cut off, and the
//! connection limit refuses with 503 then serves again — while normal requests keep getting 200.
//! Every client here is bounded in count and time.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use adain_test_kit::http::Form;
use adain_test_kit::images::test_image;
use common::server::{png, Served};

/// The limits the server runs with here: short, so that the test is.
const LIMIT: Duration = Duration::from_secs(1);
/// How late past its limit a connection may still be closed (a loaded 2-core machine).
const SLACK: Duration = Duration::from_secs(10);

fn connect(served: &Served) -> TcpStream {
    let stream = TcpStream::connect(served.base.trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(LIMIT + SLACK + Duration::from_secs(5)))
        .unwrap();
    stream
}

/// Reads until the server closes the connection: what it sent, and when it closed.
fn until_closed(mut stream: TcpStream) -> (String, Instant) {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the server kept the connection open past its limit ({e}); read so far: {}",
                String::from_utf8_lossy(&answer)
            ),
        }
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        Instant::now(),
    )
}

fn metric(served: &Served, line_start: &str) -> u64 {
    let text = served.client.get("/metrics").unwrap().text();
    text.lines()
        .find_map(|l| l.strip_prefix(line_start))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `{line_start}` in\n{text}"))
}

fn closed(served: &Served, reason: &str) -> u64 {
    metric(
        served,
        &format!("adain_connections_closed_total{{reason=\"{reason}\"}}"),
    )
}

fn limits() -> Vec<String> {
    let secs = LIMIT.as_secs().to_string();
    [
        "--no-demo-styles",
        "--header-timeout",
        &secs,
        "--body-timeout",
        &secs,
        "--keep-alive-timeout",
        &secs,
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn stalled_headers_and_bodies_get_408_and_are_closed_while_others_are_served() {
    let args = limits();
    let served = Served::start(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let opened = Instant::now();

    // 100 clients that send half a request line and stop, one that never sends a byte.
    let half_lines: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut s = connect(&served);
            s.write_all(b"GET /heal").unwrap();
            s
        })
        .collect();
    let silent = connect(&served);
    // A body promised at 100 kB of which nothing comes, and one that trickles a byte at a time.
    let promise = |sent: &[u8]| {
        let mut s = connect(&served);
        write!(
            s,
            "POST /v1/styles HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n\
             Content-Length: 100000\r\n\r\n"
        )
        .unwrap();
        s.write_all(sent).unwrap();
        s
    };
    let stalled_body = promise(b"");
    let trickled = promise(b"--b\r\n");
    let trickler = {
        let mut s = trickled.try_clone().unwrap();
        thread::spawn(move || {
            // A byte every 200 ms: never a stall, but far below 8 KiB/s.
            for _ in 0..100 {
                if s.write_all(b"x").is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(200));
            }
        })
    };

    // Meanwhile the server answers others as usual.
    let content = png(&test_image(64, 48, 1));
    let style = png(&test_image(64, 64, 2));
    for _ in 0..3 {
        assert_eq!(served.client.get("/healthz").unwrap().status, 200);
        let reply = served
            .client
            .post_form(
                "/v1/stylize",
                Form::new()
                    .file("content", "c.png", &content)
                    .file("style", "s.png", &style),
            )
            .unwrap();
        assert_eq!(reply.status, 200, "{}", reply.text());
    }

    for stream in half_lines {
        let (answer, at) = until_closed(stream);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
        assert!(answer.contains("\"error\":\"timeout\""), "{answer}");
        assert!(at - opened >= LIMIT, "closed before its limit");
        assert!(
            at - opened < LIMIT + SLACK,
            "closed {:?} after opening",
            at - opened
        );
    }
    let (answer, _) = until_closed(silent);
    assert_eq!(
        answer, "",
        "a connection that sent nothing is closed without an answer"
    );
    for (what, stream) in [("stalled", stalled_body), ("trickled", trickled)] {
        let (answer, at) = until_closed(stream);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{what}: {answer}");
        assert!(answer.contains("\"error\":\"timeout\""), "{what}: {answer}");
        assert!(answer.contains("connection: close"), "{what}: {answer}");
        assert!(
            at - opened < LIMIT + SLACK,
            "{what}: closed {:?} after opening",
            at - opened
        );
    }
    trickler.join().unwrap();

    assert!(closed(&served, "header_timeout") >= 101);
    assert_eq!(closed(&served, "body_timeout"), 2);
    assert_eq!(
        metric(&served, "adain_errors_total{kind=\"timeout\"}"),
        2,
        "the 408s on bodies go through the request counters too"
    );
    assert!(!served.log().contains("panicked"), "{}", served.log());
}

#[test]
fn idle_keep_alive_connections_and_clients_that_stop_reading_are_closed() {
    let args = limits();
    let served = Served::start(&args.iter().map(String::as_str).collect::<Vec<_>>());

    // One request, then silence: the connection stays for its next request, then closes quietly.
    let mut idle = connect(&served);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 1024];
    let n = idle.read(&mut first).unwrap();
    let answered = Instant::now();
    assert!(first[..n].starts_with(b"HTTP/1.1 200 "));
    // Still open a moment later: keep-alive works.
    thread::sleep(LIMIT / 2);
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let n = idle.read(&mut first).unwrap();
    assert!(
        first[..n].starts_with(b"HTTP/1.1 200 "),
        "a second request on the same connection"
    );
    let (rest, at) = until_closed(idle);
    assert_eq!(rest, "", "an idle connection closes without an answer");
    assert!(at - answered >= LIMIT, "closed before --keep-alive-timeout");
    assert!(closed(&served, "idle_timeout") >= 1);

    // Thousands of answers asked for and none read: the server's writes stall, then it gives up.
    let mut greedy = connect(&served);
    let requests = "GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n".repeat(3000);
    greedy.write_all(requests.as_bytes()).unwrap();
    let deadline = Instant::now() + LIMIT + SLACK + Duration::from_secs(20);
    while closed(&served, "send_timeout") == 0 {
        assert!(
            Instant::now() < deadline,
            "a client that stopped reading was never cut off"
        );
        thread::sleep(Duration::from_millis(200));
    }
    drop(greedy);
    assert_eq!(served.client.get("/healthz").unwrap().status, 200);
}

#[test]
fn the_connection_limit_refuses_at_once_then_serves_again() {
    let served = Served::start(&[
        "--no-demo-styles",
        "--max-connections",
        "8",
        "--header-timeout",
        "60",
    ]);
    // Fill every place with connections that say nothing (the test's own client keeps none open).
    let held: Vec<TcpStream> = (0..8).map(|_| connect(&served)).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let refused = loop {
        let (answer, _) = until_closed(connect(&served));
        if answer.starts_with("HTTP/1.1 503 ") {
            break answer;
        }
        assert!(Instant::now() < deadline, "never refused: {answer}");
    };
    assert!(refused.contains("retry-after: 1"), "{refused}");
    assert!(
        refused.contains("\"error\":\"too_many_connections\""),
        "{refused}"
    );
    // Other refusals are as quick: never a wait for a place.
    for _ in 0..20 {
        let started = Instant::now();
        let (answer, at) = until_closed(connect(&served));
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        assert!(at - started < SLACK, "a refusal took {:?}", at - started);
    }
    // Places come free as connections close, and the server serves again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match served.client.get("/healthz") {
            Ok(reply) if reply.status == 200 => break,
            other => assert!(Instant::now() < deadline, "not serving again: {other:?}"),
        }
        thread::sleep(Duration::from_millis(50));
    }
    assert!(closed(&served, "connection_limit") >= 21);
    assert_eq!(metric(&served, "adain_connections_max"), 8);
    let open = metric(&served, "adain_connections_open");
    assert!((1..=2).contains(&open), "{open} connections counted open");
}
