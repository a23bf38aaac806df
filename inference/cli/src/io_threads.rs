//! Image decoding and encoding on their own threads, so that in a folder run the next content is read
//! and the previous result written while the networks run. Channels of one slot keep it bounded: at most
//! one decoded image waits ahead and one result waits to be written.

use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use adain::image_io::{load_rgb, prepare, resize_exact, save_rgb};
use anyhow::Result;
use image::RgbImage;

use crate::progress::Progress;

/// A content image ready for the networks.
pub struct Loaded {
    /// Position in the run's content list.
    pub index: usize,
    /// After --content-size and --crop.
    pub image: RgbImage,
    /// The size every result of this content must have: the original's, or its centre square with --crop.
    pub reference: (u32, u32),
}

/// How contents are prepared.
#[derive(Debug, Clone, Copy)]
pub struct Preparation {
    pub content_size: u32,
    pub crop: bool,
    pub max_pixels: u64,
}

/// Reads and prepares `paths` in order on a thread; yields one item per path (an error for a path that
/// cannot be used, so the run goes on with the others).
pub fn spawn_reader(
    paths: Vec<PathBuf>,
    how: Preparation,
) -> (Receiver<(usize, Result<Loaded>)>, JoinHandle<()>) {
    let (tx, rx) = sync_channel(1);
    let handle = std::thread::spawn(move || {
        for (index, path) in paths.iter().enumerate() {
            let loaded = load_rgb(path, how.max_pixels)
                .map_err(anyhow::Error::from)
                .map(|original| {
                    let (w, h) = original.dimensions();
                    let reference = if how.crop {
                        (w.min(h), w.min(h))
                    } else {
                        (w, h)
                    };
                    Loaded {
                        index,
                        image: prepare(&original, how.content_size, how.crop),
                        reference,
                    }
                });
            if tx.send((index, loaded)).is_err() {
                return; // the run stopped
            }
        }
    });
    (rx, handle)
}

/// A result to write.
pub struct Finished {
    pub content: usize,
    pub image: RgbImage,
    pub reference: (u32, u32),
    pub output: PathBuf,
}

/// Writes results on a thread: back to the content's size (Lanczos3) when it was processed at another,
/// then encoded and written atomically. Joining gives the content indices whose results failed, with why.
pub fn spawn_writer(
    progress: Progress,
) -> (SyncSender<Finished>, JoinHandle<Vec<(usize, String)>>) {
    let (tx, rx) = sync_channel::<Finished>(1);
    let handle = std::thread::spawn(move || {
        let mut failed = Vec::new();
        for done in rx {
            let content = done.content;
            match write(done) {
                Ok(output) => {
                    progress.inc();
                    tracing::debug!(output = %output.display(), "written");
                }
                Err(e) => {
                    let reason = crate::describe(&e);
                    progress.suspend(|| tracing::error!("{reason}"));
                    failed.push((content, reason));
                }
            }
        }
        failed
    });
    (tx, handle)
}

fn write(done: Finished) -> Result<PathBuf> {
    let (w, h) = done.reference;
    let image = if done.image.dimensions() == (w, h) {
        done.image
    } else {
        resize_exact(&done.image, w, h)
    };
    save_rgb(&image, &done.output)?;
    Ok(done.output)
}
