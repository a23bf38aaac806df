//! Video in and out, frame by frame: a [`FrameSource`] yields RGB frames, a [`FrameSink`] writes them.
//! Frame folders, animated GIF, APNG and Y4M are read and written in Rust; every other container
//! goes through an `ffmpeg` program on the PATH. Sinks write under a temporary name and rename at
//! [`FrameSink::finish`], so an interrupted or failed run never leaves a half-written video.
//!
//! [`temporal`] keeps AdaIN's content statistics steady from frame to frame, [`coherence`] carries
//! each result along the input's motion into the next.

mod animation;
mod apng;
pub mod coherence;
pub mod ffmpeg;
mod folder;
mod format;
mod gif;
mod stylize;
pub mod temporal;
mod y4m;

use std::path::{Path, PathBuf};
use std::time::Duration;

use image::RgbImage;

use crate::error::{AdainError, Result};

pub use format::{open_source, VideoFormat};
pub use stylize::{FrameStylizer, PreparedFrame, Temporal, VideoOptions};
pub use y4m::Chroma;

/// One frame and how long it is shown.
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: RgbImage,
    pub duration: Duration,
}

/// Frames per second as a fraction (NTSC's 30000/1001 stays exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameRate {
    pub num: u32,
    pub den: u32,
}

impl FrameRate {
    /// `num/den` frames per second; both must be positive.
    pub fn new(num: u32, den: u32) -> Option<Self> {
        (num > 0 && den > 0).then(|| {
            let g = gcd(num, den);
            Self {
                num: num / g,
                den: den / g,
            }
        })
    }

    /// The rate of frames shown for `duration` each, to the millisecond.
    pub fn from_duration(duration: Duration) -> Self {
        let ms = duration.as_millis().clamp(1, u128::from(u32::MAX)) as u32;
        Self::new(1000, ms).expect("both positive")
    }

    /// How long each frame is shown.
    pub fn frame_duration(&self) -> Duration {
        Duration::from_nanos(u64::from(self.den) * 1_000_000_000 / u64::from(self.num))
    }

    pub fn as_f64(&self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }
}

impl std::fmt::Display for FrameRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// What a source knows before its first frame.
#[derive(Debug, Clone)]
pub struct VideoInfo {
    pub width: u32,
    pub height: u32,
    pub rate: FrameRate,
    /// Number of frames, when the container says (for progress bars; never trusted for sizes).
    pub frames: Option<u64>,
    /// The Y4M chroma layout, so a Y4M result keeps its input's.
    pub chroma: Option<Chroma>,
    /// An audio track to carry over (only ffmpeg inputs have one).
    pub audio: Option<ffmpeg::AudioTrack>,
}

/// Frames in display order, all of one size.
pub trait FrameSource {
    fn info(&self) -> &VideoInfo;
    /// The next frame; `None` at the end.
    fn next_frame(&mut self) -> Result<Option<Frame>>;
}

/// Where frames go. Dropping a sink before [`FrameSink::finish`] removes what it wrote.
pub trait FrameSink: Send {
    fn write(&mut self, frame: &Frame) -> Result<()>;
    /// Completes the output and moves it to its final name.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// How to write an output.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    pub width: u32,
    pub height: u32,
    pub rate: FrameRate,
    /// Y4M chroma layout (default 4:2:0).
    pub chroma: Chroma,
    /// ffmpeg's constant rate factor; `None` takes the codec's default here (H.264 18, VP9 31).
    pub crf: Option<u8>,
    /// Audio to copy into an ffmpeg output.
    pub audio: Option<ffmpeg::AudioTrack>,
    /// Image format of a frame folder's files (their extension).
    pub frame_extension: String,
}

/// Opens a sink for `path`, in the format its name says ([`VideoFormat::of_output`]). Fails before any
/// frame is written when the format cannot be written here (e.g. no ffmpeg).
pub fn create_sink(path: &Path, options: &SinkOptions) -> Result<Box<dyn FrameSink>> {
    if options.width == 0 || options.height == 0 {
        return Err(AdainError::Mismatch(format!(
            "{}: cannot write a {}x{} video",
            path.display(),
            options.width,
            options.height
        )));
    }
    Ok(match VideoFormat::of_output(path) {
        VideoFormat::Folder => Box::new(folder::FolderSink::create(path, options)?),
        VideoFormat::Gif => Box::new(gif::GifSink::create(path, options)?),
        VideoFormat::Apng => Box::new(apng::ApngSink::create(path, options)?),
        VideoFormat::Y4m => Box::new(y4m::Y4mSink::create(path, options)?),
        VideoFormat::Ffmpeg => Box::new(ffmpeg::FfmpegSink::create(path, options)?),
    })
}

/// `dir/.stem.tmp-<pid>.ext`: hidden, beside the target (one filesystem for the rename), and keeping
/// the extension, which ffmpeg reads the container from.
pub(crate) fn temporary_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!(
            ".{stem}.tmp-{}.{}",
            std::process::id(),
            ext.to_string_lossy()
        ),
        None => format!(".{stem}.tmp-{}", std::process::id()),
    };
    path.with_file_name(name)
}

/// An output written under a temporary name beside its target ([`temporary_path`]). Dropped before
/// [`PendingFile::commit`], it removes the temporary file: a failed or interrupted run leaves nothing.
pub(crate) struct PendingFile {
    pub target: PathBuf,
    pub tmp: PathBuf,
    committed: bool,
}

impl PendingFile {
    /// Names the temporary file, for a program that writes it itself (ffmpeg).
    pub fn named(target: &Path) -> Self {
        Self {
            target: target.to_path_buf(),
            tmp: temporary_path(target),
            committed: false,
        }
    }

    /// Creates the temporary file.
    pub fn create(target: &Path) -> Result<(Self, std::fs::File)> {
        let pending = Self::named(target);
        let file = std::fs::File::create(&pending.tmp).map_err(|e| AdainError::io(target, e))?;
        Ok((pending, file))
    }

    /// Syncs the temporary file and renames it onto the target.
    pub fn commit(mut self) -> Result<()> {
        std::fs::File::open(&self.tmp)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&self.tmp, &self.target))
            .map_err(|e| AdainError::io(&self.target, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// A video-format error naming the file.
pub(crate) fn video_error(path: &Path, message: impl Into<String>) -> AdainError {
    AdainError::Video {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_reduce_and_convert() {
        let ntsc = FrameRate::new(60000, 2002).unwrap();
        assert_eq!((ntsc.num, ntsc.den), (30000, 1001));
        assert_eq!(ntsc.frame_duration(), Duration::from_nanos(33_366_666));
        assert_eq!(FrameRate::new(0, 1), None);
        let gif = FrameRate::from_duration(Duration::from_millis(40));
        assert_eq!((gif.num, gif.den), (25, 1));
    }

    #[test]
    fn temporary_names_keep_the_extension_and_hide() {
        let tmp = temporary_path(Path::new("out/clip.mp4"));
        let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with(".clip.tmp-") && name.ends_with(".mp4"),
            "{name}"
        );
        assert_eq!(tmp.parent(), Some(Path::new("out")));
    }
}
