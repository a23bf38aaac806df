//! A time-based progress bar: a fuzz run's length is its time budget.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(target: &str, duration: Duration) -> ProgressBar {
    let bar = ProgressBar::new(duration.as_secs().max(1));
    bar.set_style(
        ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} s  {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(target.to_string());
    bar
}
