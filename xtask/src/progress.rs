//! The one progress-bar look the long jobs of xtask share.

use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `len` steps labelled `message`, with elapsed time and the time left.
pub fn bar(len: usize, message: &str) -> ProgressBar {
    let style = ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} [{elapsed} < {eta}]")
        .expect("a valid template");
    let bar = ProgressBar::new(len as u64).with_style(style);
    bar.set_message(message.to_string());
    bar
}
