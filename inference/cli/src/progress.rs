//! A progress bar for runs over several images (drawn on stderr, hidden when it is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

/// Clones draw the same bar (the writer thread counts results on it).
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar over `total` steps; a single step needs none.
    pub fn new(total: u64, verb: &str) -> Self {
        let bar = if total > 1 {
            ProgressBar::new(total)
        } else {
            ProgressBar::hidden()
        };
        let template =
            format!("{verb} {{bar:30}} {{pos}}/{{len}} [{{elapsed}} < {{eta}}] {{wide_msg}}");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        Self { bar }
    }

    /// A bar over a video's frames with the rate and the time left; a spinner when the count is unknown.
    pub fn frames(total: Option<u64>) -> Self {
        let (bar, template) = match total {
            Some(n) => (
                ProgressBar::new(n),
                "stylizing {bar:30} {pos}/{len} frames [{elapsed} < {eta}, {per_sec}]",
            ),
            None => (
                ProgressBar::no_length(),
                "stylizing {spinner} {pos} frames [{elapsed}, {per_sec}]",
            ),
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Self { bar }
    }

    pub fn set_message(&self, message: String) {
        self.bar.set_message(message);
    }

    pub fn inc(&self) {
        self.bar.inc(1);
    }

    /// Runs `f` (typically a log line) with the bar cleared, so the two do not interleave.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar; returns how many steps completed.
    pub fn finish(self) -> u64 {
        // Read first: finishing moves the bar to its end, failed steps included.
        let done = self.bar.position();
        self.bar.finish_and_clear();
        done
    }
}
