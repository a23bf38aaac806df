//! Counters for `/metrics`, written in the Prometheus text format by hand: a handful of series do not
//! need a metrics library.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Series>,
}

#[derive(Default)]
struct Series {
    /// (route, status) → count
    requests: BTreeMap<(String, u16), u64>,
    /// route → histogram
    latency: BTreeMap<String, Histogram>,
    /// error kind → count
    errors: BTreeMap<&'static str, u64>,
}

#[derive(Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Gauges read when `/metrics` is asked.
pub struct Gauges {
    pub queued: usize,
    pub busy: usize,
    pub workers: usize,
    pub queue_capacity: usize,
    pub styles: usize,
    pub ready: bool,
    pub connections_open: usize,
    pub connections_max: usize,
    pub connections_accepted: u64,
    /// (reason, count) of connections closed or turned away by a limit.
    pub connections_closed: Vec<(&'static str, u64)>,
}

impl Metrics {
    pub fn record(&self, route: &str, status: u16, elapsed: Duration, error: Option<&'static str>) {
        let mut series = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *series
            .requests
            .entry((route.to_string(), status))
            .or_default() += 1;
        let histogram = series.latency.entry(route.to_string()).or_default();
        let seconds = elapsed.as_secs_f64();
        for (bucket, bound) in histogram.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
        if let Some(kind) = error {
            *series.errors.entry(kind).or_default() += 1;
        }
    }

    pub fn render(&self, gauges: &Gauges) -> String {
        let series = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line("# HELP adain_requests_total HTTP requests answered, by route and status.".into());
        line("# TYPE adain_requests_total counter".into());
        for ((route, status), n) in &series.requests {
            line(format!(
                "adain_requests_total{{route=\"{}\",status=\"{status}\"}} {n}",
                escape(route)
            ));
        }
        line(
            "# HELP adain_request_duration_seconds Time from request to response, by route.".into(),
        );
        line("# TYPE adain_request_duration_seconds histogram".into());
        for (route, h) in &series.latency {
            let route = escape(route);
            for (count, bound) in h.buckets.iter().zip(BUCKETS) {
                line(format!(
                    "adain_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                ));
            }
            line(format!(
                "adain_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            ));
            line(format!(
                "adain_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            ));
            line(format!(
                "adain_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            ));
        }
        line(
            "# HELP adain_errors_total Error responses, by kind (the `error` field of the body)."
                .into(),
        );
        line("# TYPE adain_errors_total counter".into());
        for (kind, n) in &series.errors {
            line(format!("adain_errors_total{{kind=\"{kind}\"}} {n}"));
        }
        let mut gauge = |name: &str, help: &str, value: usize| {
            let _ = write!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n"
            );
        };
        gauge(
            "adain_queue_depth",
            "Requests waiting for a worker.",
            gauges.queued,
        );
        gauge(
            "adain_queue_capacity",
            "Requests that may wait before 503.",
            gauges.queue_capacity,
        );
        gauge(
            "adain_workers_busy",
            "Workers running a request.",
            gauges.busy,
        );
        gauge("adain_workers", "Inference workers.", gauges.workers);
        gauge(
            "adain_styles_stored",
            "Styles in memory, built-in ones included.",
            gauges.styles,
        );
        gauge(
            "adain_ready",
            "1 once the sessions are open.",
            usize::from(gauges.ready),
        );
        gauge(
            "adain_connections_open",
            "Client connections open now.",
            gauges.connections_open,
        );
        gauge(
            "adain_connections_max",
            "Connections allowed at once (--max-connections).",
            gauges.connections_max,
        );
        let _ = write!(
            out,
            "# HELP adain_connections_accepted_total Client connections accepted.\n\
             # TYPE adain_connections_accepted_total counter\n\
             adain_connections_accepted_total {}\n\
             # HELP adain_connections_closed_total Connections closed or turned away by a limit, by reason.\n\
             # TYPE adain_connections_closed_total counter\n",
            gauges.connections_accepted
        );
        for (reason, n) in &gauges.connections_closed {
            let _ = writeln!(
                out,
                "adain_connections_closed_total{{reason=\"{reason}\"}} {n}"
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let metrics = Metrics::default();
        metrics.record("/v1/stylize", 200, Duration::from_millis(30), None);
        metrics.record("/v1/stylize", 200, Duration::from_millis(700), None);
        metrics.record("/v1/stylize", 503, Duration::from_millis(1), Some("busy"));
        let text = metrics.render(&Gauges {
            queued: 2,
            busy: 1,
            workers: 1,
            queue_capacity: 4,
            styles: 4,
            ready: true,
            connections_open: 3,
            connections_max: 100,
            connections_accepted: 9,
            connections_closed: vec![("header_timeout", 2), ("connection_limit", 1)],
        });
        for expected in [
            "adain_requests_total{route=\"/v1/stylize\",status=\"200\"} 2",
            "adain_requests_total{route=\"/v1/stylize\",status=\"503\"} 1",
            "adain_request_duration_seconds_bucket{route=\"/v1/stylize\",le=\"0.01\"} 1",
            "adain_request_duration_seconds_bucket{route=\"/v1/stylize\",le=\"0.05\"} 2",
            "adain_request_duration_seconds_bucket{route=\"/v1/stylize\",le=\"1\"} 3",
            "adain_request_duration_seconds_bucket{route=\"/v1/stylize\",le=\"+Inf\"} 3",
            "adain_request_duration_seconds_count{route=\"/v1/stylize\"} 3",
            "adain_errors_total{kind=\"busy\"} 1",
            "adain_queue_depth 2",
            "adain_connections_open 3",
            "adain_connections_accepted_total 9",
            "adain_connections_closed_total{reason=\"header_timeout\"} 2",
            "adain_connections_closed_total{reason=\"connection_limit\"} 1",
        ] {
            assert!(text.contains(expected), "missing `{expected}` in\n{text}");
        }
    }
}
