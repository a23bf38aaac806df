//! Animated GIF: decoded (and composited) by the `image` crate; written with a palette per frame and
//! delays in hundredths of a second, rounded so the total running time stays right.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::time::Duration;

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::{AnimationDecoder, DynamicImage, ImageDecoder};

use super::animation::AnimationSource;
use super::format::check_frame_size;
use super::{video_error, Frame, FrameSink, PendingFile, SinkOptions};
use crate::error::{AdainError, Result};

/// NeuQuant's speed (1 best … 30 fastest): 10 is the gif crate's own compromise.
const QUANTIZER_SPEED: i32 = 10;

/// Browsers show delays under 2/100 s as 1/10 s; never write one.
const MIN_DELAY_CS: u64 = 2;

/// Opens a GIF: its canvas is the frame size.
pub fn open(path: &Path, max_pixels: u64) -> Result<AnimationSource> {
    let file = File::open(path).map_err(|e| AdainError::io(path, e))?;
    let mut decoder = GifDecoder::new(BufReader::new(file))
        .map_err(|e| video_error(path, format!("not a readable GIF: {e}")))?;
    let (width, height) = decoder.dimensions();
    check_frame_size(path, "the GIF canvas", (width, height), max_pixels)?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some((max_pixels.saturating_mul(16)).max(512 << 20));
    decoder
        .set_limits(limits)
        .map_err(|e| video_error(path, e.to_string()))?;
    AnimationSource::new(path, "GIF", decoder.into_frames(), width, height)
}

pub struct GifSink {
    /// Unbuffered: the encoder writes whole sub-blocks, and no buffer can swallow an error on drop.
    encoder: GifEncoder<File>,
    file: PendingFile,
    /// Running time so far, and centiseconds written so far: each delay is what brings the second to
    /// the first, so rounding errors do not add up.
    elapsed: Duration,
    written_cs: u64,
}

impl GifSink {
    pub fn create(target: &Path, _options: &SinkOptions) -> Result<Self> {
        let (pending, file) = PendingFile::create(target)?;
        let mut encoder = GifEncoder::new_with_speed(file, QUANTIZER_SPEED);
        encoder
            .set_repeat(Repeat::Infinite)
            .map_err(|e| video_error(target, e.to_string()))?;
        Ok(Self {
            encoder,
            file: pending,
            elapsed: Duration::ZERO,
            written_cs: 0,
        })
    }

    fn next_delay_cs(&mut self, duration: Duration) -> u64 {
        self.elapsed += duration;
        let due = (self.elapsed.as_millis() as u64 + 5) / 10;
        let delay = due.saturating_sub(self.written_cs).max(MIN_DELAY_CS);
        self.written_cs += delay;
        delay
    }
}

impl FrameSink for GifSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        let delay_cs = self.next_delay_cs(frame.duration);
        let rgba = DynamicImage::ImageRgb8(frame.image.clone()).to_rgba8();
        let delay = image::Delay::from_numer_denom_ms(delay_cs as u32 * 10, 1);
        self.encoder
            .encode_frame(image::Frame::from_parts(rgba, 0, 0, delay))
            .map_err(|e| video_error(&self.file.target, format!("writing a GIF frame: {e}")))
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let Self { encoder, file, .. } = *self;
        // The encoder writes the GIF trailer when dropped; `commit` then syncs the file.
        drop(encoder);
        file.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_keep_the_running_time() {
        let dir = tempfile::tempdir().unwrap();
        let options = SinkOptions {
            width: 1,
            height: 1,
            rate: crate::video::FrameRate { num: 30, den: 1 },
            chroma: Default::default(),
            crf: None,
            audio: None,
            frame_extension: "png".into(),
        };
        let mut sink = GifSink::create(&dir.path().join("a.gif"), &options).unwrap();
        let third = Duration::from_nanos(33_333_333);
        let delays: Vec<u64> = (0..30).map(|_| sink.next_delay_cs(third)).collect();
        assert_eq!(delays.iter().sum::<u64>(), 100, "{delays:?}");
        assert!(delays.iter().all(|d| (3..=4).contains(d)), "{delays:?}");
    }
}
