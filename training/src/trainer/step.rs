//! One iteration: the loader's batch, the losses with their gradients, the check that training has
//! not diverged, then Adam's update.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use tch::{Kind, Tensor};

use super::Trainer;
use crate::checkpoint::TrainConfig;
use crate::data::Batch;
use crate::error::{Result, TrainError};
use crate::loss::{
    adain_losses, colour_moments, shift_consistency, total_variation, upsampling_grid_energy,
};
use crate::optim::learning_rate;
use crate::stats::adain;

/// The shifted copy of each crop is this much smaller, so shifts of 0..SHIFT_SPAN fit inside.
const SHIFT_SPAN: i64 = 8;
/// Pixels along the overlap's edges left out of the stability term: there the two decodings see
/// different image borders (reflect padding), which no decoder can hide.
const STABILITY_MARGIN: i64 = 8;

/// The batch of `iteration`. A closed channel means the loader thread ended while the run still
/// needed batches (it panicked, or was started for fewer iterations): that is not bad data.
pub(super) fn next_batch(
    receiver: &Receiver<Result<Batch, String>>,
    iteration: u64,
    content_dir: &str,
) -> Result<Batch> {
    let batch = receiver
        .recv()
        .map_err(|_| TrainError::LoaderStopped { iteration })?
        .map_err(|message| TrainError::Data {
            path: PathBuf::from(content_dir),
            message,
        })?;
    debug_assert_eq!(batch.iteration, iteration);
    Ok(batch)
}

/// The loss terms of one iteration, as numbers (a penalty is 0 when its weight is).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Terms {
    /// The paper's objective: content + λ·style, with the run's weights.
    pub paper: f64,
    pub content: f64,
    pub style: f64,
    pub tv: f64,
    pub grid: f64,
    pub stability: f64,
    pub colour: f64,
}

impl Terms {
    /// What the optimiser minimises: the paper's objective plus the weighted penalties.
    pub fn objective(&self, config: &TrainConfig) -> f64 {
        self.paper
            + config.tv_weight * self.tv
            + config.grid_weight * self.grid
            + config.stability_weight * self.stability
            + config.colour_weight * self.colour
    }

    pub fn add(&mut self, other: &Terms) {
        self.paper += other.paper;
        self.content += other.content;
        self.style += other.style;
        self.tv += other.tv;
        self.grid += other.grid;
        self.stability += other.stability;
        self.colour += other.colour;
    }
}

impl Trainer {
    /// The losses of one batch, leaving their gradients on the decoder's parameters.
    pub(super) fn losses(&self, batch: &Batch, iteration: u64) -> Terms {
        let config = &self.config;
        let shape = [
            config.batch as i64,
            3,
            config.crop as i64,
            config.crop as i64,
        ];
        let to_tensor = |v: &[f32]| Tensor::from_slice(v).view(shape).to_device(self.device);
        let (c, s) = (to_tensor(&batch.content), to_tensor(&batch.style));

        let (target, style_features) = tch::no_grad(|| {
            let fc = self.encoder.relu4_1(&c);
            let fs = self.encoder.features(&s);
            (adain(&fc, &fs[3]), fs)
        });
        let output = self.decoder.forward(&target, self.kind);
        let losses = adain_losses(&self.encoder.features(&output), &target, &style_features);
        let paper_loss = losses.total(config.content_weight, config.style_weight);
        let output32 = output.to_kind(Kind::Float);
        let penalty = |weight: f64, f: fn(&Tensor) -> Tensor| (weight > 0.0).then(|| f(&output32));
        let tv = penalty(config.tv_weight, total_variation);
        let grid = penalty(config.grid_weight, upsampling_grid_energy);
        let stability = (config.stability_weight > 0.0)
            .then(|| self.stability_term(&c, &output32, &style_features[3], iteration));
        let colour = (config.colour_weight > 0.0).then(|| colour_moments(&output32, &s));
        let mut objective = paper_loss.shallow_clone();
        // Not `+=`: tch's in-place add would also change `paper_loss`, which shares the storage.
        #[allow(clippy::assign_op_pattern)]
        for (term, weight) in [
            (&tv, config.tv_weight),
            (&grid, config.grid_weight),
            (&stability, config.stability_weight),
            (&colour, config.colour_weight),
        ] {
            if let Some(term) = term {
                objective = objective + term * weight;
            }
        }
        objective.backward();

        let value = |t: Option<Tensor>| t.map_or(0.0, |t| t.double_value(&[]));
        Terms {
            paper: paper_loss.double_value(&[]),
            content: losses.content.double_value(&[]),
            style: losses.style.double_value(&[]),
            tv: value(tv),
            grid: value(grid),
            stability: value(stability),
            colour: value(colour),
        }
    }

    /// Shift consistency: the decoding of the crop moved by this iteration's sub-stride shift must
    /// match `output` moved the same way.
    fn stability_term(
        &self,
        content: &Tensor,
        output: &Tensor,
        style_relu4_1: &Tensor,
        iteration: u64,
    ) -> Tensor {
        let (dy, dx) = stability_shift(self.config.seed, iteration);
        let side = self.config.crop as i64 - SHIFT_SPAN;
        let shifted = content.narrow(2, dy, side).narrow(3, dx, side);
        let target = tch::no_grad(|| adain(&self.encoder.relu4_1(&shifted), style_relu4_1));
        let shifted_output = self
            .decoder
            .forward(&target, self.kind)
            .to_kind(Kind::Float);
        shift_consistency(output, &shifted_output, dy, dx, STABILITY_MARGIN)
    }

    /// Adam's update from the stored gradients, at the schedule's learning rate; returns the rate.
    pub(super) fn update(&mut self, iteration: u64) -> f64 {
        let lr = learning_rate(self.config.lr, self.config.lr_decay, iteration);
        self.adam.step(&self.decoder.parameters(), lr);
        lr
    }
}

/// An objective this many times the invocation's first is no longer training: a healthy run's
/// batches differ by a few times at most, and an exploding one overflows within a few more steps.
const EXPLOSION_FACTOR: f64 = 1e4;

/// Stops a run whose objective became non-finite or exploded, before Adam applies that step and
/// before anything is saved, so the run folder keeps its last checkpoint.
#[derive(Debug, Default)]
pub(super) struct DivergenceGuard {
    /// The first objective of this invocation, the scale an explosion is measured against.
    first: Option<f64>,
}

impl DivergenceGuard {
    pub fn check(&mut self, iteration: u64, objective: f64) -> Result<()> {
        let exploded = self
            .first
            .is_some_and(|first| objective > EXPLOSION_FACTOR * first);
        if !objective.is_finite() || exploded {
            return Err(TrainError::Diverged {
                iteration,
                loss: objective,
            });
        }
        self.first.get_or_insert(objective);
        Ok(())
    }
}

/// The sub-stride shift (dy, dx) of an iteration's stability term: each in 0..8, never both 0 (a
/// shift by the encoder's stride of 8 costs nothing to match). Drawn from the run's seed and the
/// iteration, so a resumed run draws the same shifts.
fn stability_shift(seed: u64, iteration: u64) -> (i64, i64) {
    use rand::{Rng, SeedableRng};
    let mut rng =
        rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ iteration.rotate_left(32) ^ 0x5ab1e);
    loop {
        let (dy, dx) = (
            rng.random_range(0..SHIFT_SPAN),
            rng.random_range(0..SHIFT_SPAN),
        );
        if (dy, dx) != (0, 0) {
            return (dy, dx);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::sync_channel;
    use std::sync::Arc;

    use super::*;
    use crate::data::{BatchLoader, ImageFolder, LoaderConfig};

    #[test]
    fn a_non_finite_or_exploding_objective_is_divergence() {
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut guard = DivergenceGuard::default();
            let err = guard.check(0, bad).unwrap_err();
            assert!(
                matches!(err, TrainError::Diverged { iteration: 0, loss } if loss.to_bits() == bad.to_bits()),
                "{bad}: {err}"
            );
        }
        let mut guard = DivergenceGuard::default();
        for (iteration, healthy) in [(7, 30.0), (8, 300.0), (9, 2.0), (10, 29.0e4)] {
            guard.check(iteration, healthy).unwrap();
        }
        let err = guard.check(11, 30.0e4 + 1.0).unwrap_err();
        assert!(
            matches!(err, TrainError::Diverged { iteration: 11, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("iteration 11"), "{err}");
    }

    #[test]
    fn a_loader_that_ends_early_is_loader_stopped_not_bad_data() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..2u8 {
            image::RgbImage::from_fn(40, 36, |x, y| {
                image::Rgb([x as u8 * 6, y as u8 * 7, i * 90])
            })
            .save(dir.path().join(format!("{i}.png")))
            .unwrap();
        }
        let folder = Arc::new(ImageFolder::scan(dir.path()).unwrap().0);
        let config = LoaderConfig {
            batch: 1,
            resize: 36,
            crop: 32,
            seed: 1,
        };
        // Started for iterations 4..5 only: its thread ends, and closes the channel, after one batch.
        let loader = BatchLoader::spawn(folder.clone(), folder, config, 4, 5);
        assert_eq!(next_batch(&loader.receiver, 4, "c").unwrap().iteration, 4);
        let Err(err) = next_batch(&loader.receiver, 5, "c") else {
            panic!("a batch beyond the loader's range");
        };
        assert!(
            matches!(err, TrainError::LoaderStopped { iteration: 5 }),
            "{err}"
        );

        // A loader thread that dies takes its sender with it: the same error.
        let (tx, rx) = sync_channel::<Result<Batch, String>>(1);
        let dead = std::thread::spawn(move || {
            let _sender = tx;
            panic!("deliberate panic: the loader thread dies");
        });
        assert!(dead.join().is_err());
        assert!(matches!(
            next_batch(&rx, 0, "c"),
            Err(TrainError::LoaderStopped { iteration: 0 })
        ));

        // A batch the loader could not make is bad data, named by the content folder.
        let (tx, rx) = sync_channel(1);
        tx.send(Err("nothing decodes".to_string())).unwrap();
        let Err(err) = next_batch(&rx, 0, "content-folder") else {
            panic!("a batch from an error");
        };
        assert!(
            matches!(&err, TrainError::Data { path, .. } if path.ends_with("content-folder")),
            "{err}"
        );
    }
}
