//! A video as a folder of images, one per frame in name order (as `ffmpeg -i clip.mp4 %05d.png`
//! writes them). Written into a hidden sibling folder that is renamed into place at the end.

use std::path::{Path, PathBuf};

use super::format::check_frame_size;
use super::{
    temporary_path, video_error, Frame, FrameRate, FrameSink, FrameSource, SinkOptions, VideoInfo,
};
use crate::error::{AdainError, Result};
use crate::image_io::{images_in, load_rgb, save_rgb, IMAGE_EXTENSIONS};

pub struct FolderSource {
    dir: PathBuf,
    files: std::vec::IntoIter<PathBuf>,
    info: VideoInfo,
    max_pixels: u64,
}

impl FolderSource {
    /// Lists the frames and reads the first one's size; every other frame must have it.
    pub fn open(dir: &Path, rate: FrameRate, max_pixels: u64) -> Result<Self> {
        let files = images_in(dir)?;
        let first = files.first().ok_or_else(|| {
            video_error(
                dir,
                format!(
                    "no frames in this folder (looked for {})",
                    IMAGE_EXTENSIONS.join(", ")
                ),
            )
        })?;
        let (width, height) = image::image_dimensions(first)
            .map_err(|e| video_error(first, format!("cannot read the first frame's size: {e}")))?;
        check_frame_size(first, "the first frame", (width, height), max_pixels)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            info: VideoInfo {
                width,
                height,
                rate,
                frames: Some(files.len() as u64),
                chroma: None,
                audio: None,
            },
            files: files.into_iter(),
            max_pixels,
        })
    }
}

impl FrameSource for FolderSource {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        let Some(path) = self.files.next() else {
            return Ok(None);
        };
        let image = load_rgb(&path, self.max_pixels)?;
        let expected = (self.info.width, self.info.height);
        if image.dimensions() != expected {
            return Err(video_error(
                &path,
                format!(
                    "this frame is {}x{}, but the frames of {} are {}x{} (all frames of a video must have one size)",
                    image.width(),
                    image.height(),
                    self.dir.display(),
                    expected.0,
                    expected.1
                ),
            ));
        }
        Ok(Some(Frame {
            image,
            duration: self.info.rate.frame_duration(),
        }))
    }
}

pub struct FolderSink {
    target: PathBuf,
    tmp: PathBuf,
    extension: String,
    written: u64,
    finished: bool,
}

impl FolderSink {
    /// Refuses a target that exists and is not an empty folder: frames are never mixed with others.
    pub fn create(target: &Path, options: &SinkOptions) -> Result<Self> {
        if target.exists() {
            let empty = std::fs::read_dir(target)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty {
                return Err(video_error(
                    target,
                    "exists and is not an empty folder: frames are written only into a new or empty folder",
                ));
            }
        }
        let extension = options.frame_extension.trim_start_matches('.').to_string();
        crate::image_io::check_output_format(Path::new(&format!("frame.{extension}")))?;
        let tmp = temporary_path(target);
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| AdainError::io(&tmp, e))?;
        Ok(Self {
            target: target.to_path_buf(),
            tmp,
            extension,
            written: 0,
            finished: false,
        })
    }
}

impl FrameSink for FolderSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        self.written += 1;
        let name = format!("frame_{:06}.{}", self.written, self.extension);
        save_rgb(&frame.image, self.tmp.join(name))
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        if self.target.exists() {
            // Checked empty when the sink was made.
            std::fs::remove_dir(&self.target).map_err(|e| AdainError::io(&self.target, e))?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(|e| AdainError::io(&self.target, e))?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for FolderSink {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}
