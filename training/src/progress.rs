//! The progress bar of the crate's long loops that are not training (export checks, calibration, eval).

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} eta {eta}")
            .expect("valid template"),
    );
    bar.set_message(message);
    bar
}
