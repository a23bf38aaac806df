//! Which reader or writer a path needs: folders are frame sequences, the first bytes of a file name
//! its format (GIF, APNG, Y4M), and everything else is ffmpeg's.

use std::io::Read;
use std::path::Path;

use super::{apng, ffmpeg, folder, gif, video_error, y4m, FrameRate, FrameSource};
use crate::error::{AdainError, ImageProblem, Result};

/// The formats `adain video` reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VideoFormat {
    /// A folder of images, one per frame, in name order.
    Folder,
    Gif,
    /// Animated PNG.
    Apng,
    /// YUV4MPEG2, uncompressed.
    Y4m,
    /// Anything an `ffmpeg` program reads or writes (MP4, WebM, MOV, MKV, …).
    Ffmpeg,
}

impl VideoFormat {
    /// The format of an output path, from its extension: none (or an existing folder) is a frame folder.
    pub fn of_output(path: &Path) -> Self {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            _ if path.is_dir() => Self::Folder,
            None => Self::Folder,
            Some("gif") => Self::Gif,
            Some("png" | "apng") => Self::Apng,
            Some("y4m") => Self::Y4m,
            Some(_) => Self::Ffmpeg,
        }
    }

    /// Whether this format needs the `ffmpeg` program.
    pub fn needs_ffmpeg(self) -> bool {
        self == Self::Ffmpeg
    }
}

/// Opens `path` for reading frames. `folder_rate` is the frame rate of a frame folder (other formats
/// carry their own); `max_pixels` bounds each frame.
pub fn open_source(
    path: &Path,
    folder_rate: FrameRate,
    max_pixels: u64,
) -> Result<Box<dyn FrameSource>> {
    if path.is_dir() {
        return Ok(Box::new(folder::FolderSource::open(
            path,
            folder_rate,
            max_pixels,
        )?));
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| read_up_to(&mut f, &mut head))
        .map_err(|e| AdainError::io(path, e))?;
    let head = &head[..n];
    if head.is_empty() {
        return Err(video_error(path, "the file is empty (0 bytes)"));
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Ok(Box::new(gif::open(path, max_pixels)?));
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Box::new(apng::open(path, max_pixels)?));
    }
    if head.starts_with(y4m::MAGIC) {
        return Ok(Box::new(y4m::Y4mSource::open(path, max_pixels)?));
    }
    Ok(Box::new(ffmpeg::FfmpegSource::open(path, max_pixels)?))
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Checks a frame's size against the limit and the video's size; `what` names the frame in errors.
pub(crate) fn check_frame_size(
    path: &Path,
    what: &str,
    (width, height): (u32, u32),
    max_pixels: u64,
) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(video_error(
            path,
            format!("{what} is empty ({width}x{height} pixels)"),
        ));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        tracing::debug!("{}: {what} is too large", path.display());
        return Err(AdainError::Image {
            path: path.to_path_buf(),
            problem: ImageProblem::TooLarge {
                width,
                height,
                pixels,
                limit: max_pixels,
            },
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_formats_follow_the_extension() {
        assert_eq!(VideoFormat::of_output(Path::new("a.GIF")), VideoFormat::Gif);
        assert_eq!(
            VideoFormat::of_output(Path::new("a.png")),
            VideoFormat::Apng
        );
        assert_eq!(VideoFormat::of_output(Path::new("a.y4m")), VideoFormat::Y4m);
        assert_eq!(
            VideoFormat::of_output(Path::new("a.webm")),
            VideoFormat::Ffmpeg
        );
        assert_eq!(
            VideoFormat::of_output(Path::new("frames")),
            VideoFormat::Folder
        );
    }
}
