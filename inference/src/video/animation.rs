//! Frames of an animated image (GIF, APNG) as the `image` crate composites them, each with its own
//! delay. The first frame is read ahead: its delay is the rate a video written from them gets.

use std::path::{Path, PathBuf};
use std::time::Duration;

use image::{DynamicImage, Frames};

use super::{video_error, Frame, FrameRate, FrameSource, VideoInfo};
use crate::error::Result;

pub struct AnimationSource {
    path: PathBuf,
    /// "GIF" or "APNG", for messages.
    kind: &'static str,
    frames: Frames<'static>,
    ahead: Option<Frame>,
    info: VideoInfo,
}

impl AnimationSource {
    pub fn new(
        path: &Path,
        kind: &'static str,
        frames: Frames<'static>,
        width: u32,
        height: u32,
    ) -> Result<Self> {
        let mut source = Self {
            path: path.to_path_buf(),
            kind,
            frames,
            ahead: None,
            info: VideoInfo {
                width,
                height,
                rate: FrameRate { num: 10, den: 1 },
                frames: None,
                chroma: None,
                audio: None,
            },
        };
        source.ahead = source.decode_next()?;
        if let Some(first) = &source.ahead {
            source.info.rate = FrameRate::from_duration(first.duration);
        }
        Ok(source)
    }

    fn decode_next(&mut self) -> Result<Option<Frame>> {
        let Some(frame) = self.frames.next() else {
            return Ok(None);
        };
        let frame = frame
            .map_err(|e| video_error(&self.path, format!("corrupt {} frame: {e}", self.kind)))?;
        Ok(Some(Frame {
            // A zero delay means "as fast as possible"; browsers show it at 10 frames a second.
            duration: Some(Duration::from(frame.delay()))
                .filter(|d| !d.is_zero())
                .unwrap_or(Duration::from_millis(100)),
            image: DynamicImage::ImageRgba8(frame.into_buffer()).to_rgb8(),
        }))
    }
}

impl FrameSource for AnimationSource {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        match self.ahead.take() {
            Some(frame) => Ok(Some(frame)),
            None => self.decode_next(),
        }
    }
}
