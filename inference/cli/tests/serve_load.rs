//! `adain serve` under load, on loopback: below the queue bound every request succeeds; above it the
//! overflow gets 503 with Retry-After at once (never a timeout); memory stays flat over repeated
//! bursts.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use adain_test_kit::http::{Client, Form, Reply};
use adain_test_kit::images::test_image;
use common::server::{png, Served};

/// `clients` threads that each send `requests` stylize requests, all starting together.
fn burst(base: &str, clients: usize, requests: usize, side: u32) -> Vec<(Reply, Duration)> {
    let content = Arc::new(png(&test_image(side, side, 1)));
    let style = Arc::new(png(&test_image(64, 64, 2)));
    let start = Arc::new(Barrier::new(clients));
    let handles: Vec<_> = (0..clients)
        .map(|_| {
            let (base, content, style, start) = (
                base.to_string(),
                content.clone(),
                style.clone(),
                start.clone(),
            );
            thread::spawn(move || {
                let client = Client::new(&base);
                start.wait();
                (0..requests)
                    .map(|_| {
                        let form = Form::new()
                            .file("content", "c.png", &content)
                            .file("style", "s.png", &style);
                        let t = Instant::now();
                        let reply = client
                            .post_form("/v1/stylize", form)
                            .expect("a transport error (timeout, reset) instead of an answer");
                        (reply, t.elapsed())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect()
}

#[test]
fn below_the_queue_bound_every_request_succeeds() {
    let served = Served::start(&["--no-demo-styles", "--workers", "2", "--queue", "8"]);
    let replies = burst(&served.base, 4, 5, 64);
    assert_eq!(replies.len(), 20);
    for (reply, _) in &replies {
        assert_eq!(reply.status, 200, "{}", reply.text());
        let image = image::load_from_memory(&reply.body).unwrap();
        assert_eq!((image.width(), image.height()), (64, 64));
    }
    let metrics = served.client.get("/metrics").unwrap().text();
    assert!(
        metrics.contains("adain_requests_total{route=\"/v1/stylize\",status=\"200\"} 20"),
        "{metrics}"
    );
    // The gauges come back to zero (a worker counts itself idle just after answering).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = served.client.get("/metrics").unwrap().text();
        if metrics.contains("adain_queue_depth 0") && metrics.contains("adain_workers_busy 0") {
            break;
        }
        assert!(Instant::now() < deadline, "gauges stuck:\n{metrics}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn above_the_bound_the_overflow_gets_503_at_once_and_memory_stays_bounded() {
    let served = Served::start(&["--no-demo-styles", "--workers", "1", "--queue", "1"]);
    // Warm-up: the arena and the first-run allocations.
    for (reply, _) in burst(&served.base, 1, 2, 256) {
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    let warm_rss = served.rss_kb();
    let mut refused = 0;
    let mut served_ok = 0;
    for round in 0..3 {
        let replies = burst(&served.base, 8, 2, 256);
        for (reply, elapsed) in &replies {
            match reply.status {
                200 => served_ok += 1,
                503 => {
                    refused += 1;
                    assert_eq!(reply.retry_after.as_deref(), Some("1"), "{reply:?}");
                    assert!(
                        reply.text().contains("\"error\":\"busy\""),
                        "{}",
                        reply.text()
                    );
                    // Refused without waiting for the work ahead of it.
                    assert!(*elapsed < Duration::from_secs(5), "a 503 took {elapsed:?}");
                }
                other => panic!("round {round}: status {other}: {}", reply.text()),
            }
        }
        let rss = served.rss_kb();
        eprintln!(
            "round {round}: RSS {} MB (after warm-up {} MB)",
            rss / 1024,
            warm_rss / 1024
        );
        assert!(
            rss < warm_rss + 150 * 1024,
            "memory grew from {warm_rss} kB to {rss} kB over bursts"
        );
    }
    eprintln!("{served_ok} served, {refused} refused with 503");
    // 8 clients for 1 worker + 1 queue slot: some must be refused, and the slots must be used.
    assert!(refused > 0, "no 503 with 8 clients for 2 slots");
    assert!(
        served_ok >= 6,
        "only {served_ok} requests served over 3 rounds"
    );
    let metrics = served.client.get("/metrics").unwrap().text();
    assert!(
        metrics.contains(&format!("adain_errors_total{{kind=\"busy\"}} {refused}")),
        "{metrics}"
    );
    // And it serves normally afterwards.
    assert_eq!(burst(&served.base, 1, 1, 64)[0].0.status, 200);
}
