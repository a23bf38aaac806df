//! A thread that prepares batches ahead of the training step, so decoding overlaps the math.
//!
//! Batch `i` is drawn from an RNG seeded by (seed, i): a resumed run sees exactly the batches the
//! uninterrupted run would have, with no RNG state to save.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

use image::RgbImage;
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::folder::ImageFolder;
use super::sample::{load_resized, planar_batch, random_crop};

#[derive(Debug, Clone, Copy)]
pub struct LoaderConfig {
    pub batch: usize,
    /// Shorter side before cropping.
    pub resize: u32,
    pub crop: u32,
    pub seed: u64,
}

/// Content and style images of one iteration, [batch, 3, crop, crop] each.
pub struct Batch {
    pub iteration: u64,
    pub content: Vec<f32>,
    pub style: Vec<f32>,
    /// Files found undecodable so far (skipped).
    pub skipped: Vec<PathBuf>,
}

pub struct BatchLoader {
    pub receiver: Receiver<Result<Batch, String>>,
    handle: Option<JoinHandle<()>>,
}

impl BatchLoader {
    /// Starts producing batches for iterations `start..end`.
    pub fn spawn(
        content: Arc<ImageFolder>,
        style: Arc<ImageFolder>,
        config: LoaderConfig,
        start: u64,
        end: u64,
    ) -> Self {
        let (tx, receiver) = sync_channel(3);
        let handle = std::thread::Builder::new()
            .name("batch-loader".into())
            .spawn(move || {
                let mut sources = [Source::new(content), Source::new(style)];
                for iteration in start..end {
                    let mut rng = ChaCha8Rng::seed_from_u64(
                        config.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ iteration,
                    );
                    let batch = (|| {
                        let mut halves = Vec::with_capacity(2);
                        for source in &mut sources {
                            let mut crops = Vec::with_capacity(config.batch);
                            for _ in 0..config.batch {
                                let img = source.pick(&mut rng, &config)?;
                                crops.push(random_crop(&img, config.crop, &mut rng));
                            }
                            halves.push(planar_batch(&crops));
                        }
                        let style = halves.pop().expect("two halves");
                        let content = halves.pop().expect("two halves");
                        let skipped = sources.iter().flat_map(|s| s.bad.iter().cloned()).collect();
                        Ok(Batch {
                            iteration,
                            content,
                            style,
                            skipped,
                        })
                    })();
                    let failed = batch.is_err();
                    if tx.send(batch).is_err() || failed {
                        return; // trainer gone, or nothing left to load
                    }
                }
            })
            .expect("spawning the loader thread");
        Self {
            receiver,
            handle: Some(handle),
        }
    }
}

impl Drop for BatchLoader {
    fn drop(&mut self) {
        // Unblock the thread (it sees the closed channel) and wait for it.
        let (_, dead) = sync_channel(0);
        self.receiver = dead;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// One folder with its cache of resized images (small: the whole set fits in memory at training sizes).
struct Source {
    folder: Arc<ImageFolder>,
    /// Draws files by the folder's weights (a list's mix); uniform when it has none.
    weighted: Option<WeightedIndex<f64>>,
    cache: HashMap<usize, Arc<RgbImage>>,
    bad: Vec<PathBuf>,
}

impl Source {
    fn new(folder: Arc<ImageFolder>) -> Self {
        // Weights were checked positive and finite when the list was read.
        let weighted = folder
            .weights
            .as_ref()
            .and_then(|w| WeightedIndex::new(w).ok());
        Self {
            folder,
            weighted,
            cache: HashMap::new(),
            bad: Vec::new(),
        }
    }

    fn pick(
        &mut self,
        rng: &mut ChaCha8Rng,
        config: &LoaderConfig,
    ) -> Result<Arc<RgbImage>, String> {
        loop {
            if self.bad.len() >= self.folder.len() {
                return Err(format!(
                    "{}: no image in the folder could be decoded",
                    self.folder.root.display()
                ));
            }
            let i = match &self.weighted {
                Some(w) => w.sample(rng),
                None => rng.random_range(0..self.folder.len()),
            };
            if let Some(img) = self.cache.get(&i) {
                return Ok(img.clone());
            }
            let path = &self.folder.files[i];
            if self.bad.contains(path) {
                continue;
            }
            match load_resized(path, config.resize, config.crop) {
                Some(img) => {
                    let img = Arc::new(img);
                    self.cache.insert(i, img.clone());
                    return Ok(img);
                }
                None => {
                    tracing::warn!("skipping {} (could not be decoded)", path.display());
                    self.bad.push(path.clone());
                }
            }
        }
    }
}
