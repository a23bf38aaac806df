//! Every other container through the `ffmpeg` program on the PATH: `ffprobe` reads the stream's size,
//! rate and audio; `ffmpeg` decodes to raw RGB on a pipe, and encodes raw RGB from a pipe (H.264
//! `yuv420p` by default, VP9 for WebM) while copying the input's audio track.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use serde_json::Value;

use super::format::check_frame_size;
use super::{
    video_error, Frame, FrameRate, FrameSink, FrameSource, PendingFile, SinkOptions, VideoInfo,
};
use crate::error::{AdainError, Result};

/// The formats that need no ffmpeg, for error messages.
pub const BUILT_IN_FORMATS: &str = "a folder of frames, .gif, .png (APNG) or .y4m";

/// Default constant rate factors: H.264 18 is visually close to lossless; VP9 31 is libvpx's advice
/// for HD.
const H264_CRF: u8 = 18;
const VP9_CRF: u8 = 31;

/// The input's audio, to be carried into the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioTrack {
    /// The file it is in (the input video).
    pub source: PathBuf,
    /// ffmpeg's codec name (aac, opus, …).
    pub codec: String,
}

/// Whether `ffmpeg` and `ffprobe` run here.
pub fn available() -> bool {
    ["ffmpeg", "ffprobe"].iter().all(|p| {
        Command::new(p)
            .arg("-version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

fn spawn(command: &mut Command, path: &Path) -> Result<Child> {
    command.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            video_error(
                path,
                format!(
                    "this format needs ffmpeg, and `{}` is not on the PATH: install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg), or use a format adain handles itself: {BUILT_IN_FORMATS}",
                    command.get_program().to_string_lossy()
                ),
            )
        } else {
            AdainError::io(path, e)
        }
    })
}

/// An ffmpeg process, its stderr collected on a thread (the last 4 KiB: enough for its error lines).
/// Dropped before [`Running::wait`], it is killed.
struct Running {
    child: Child,
    stderr: Option<JoinHandle<String>>,
}

impl Running {
    fn spawn(command: &mut Command, path: &Path) -> Result<Self> {
        let mut child = spawn(command, path)?;
        let stderr = child.stderr.take().map(|mut s| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = s.read_to_string(&mut text);
                let start = text.len().saturating_sub(4096);
                let start = (start..text.len())
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                text[start..].trim().to_string()
            })
        });
        Ok(Self { child, stderr })
    }

    /// Waits for the exit; a failure is an error about `path` in ffmpeg's own words.
    fn wait(&mut self, path: &Path, doing: &str) -> Result<()> {
        let status = self.child.wait().map_err(|e| AdainError::io(path, e))?;
        let stderr = self.stderr.take().map(|h| h.join().unwrap_or_default());
        if status.success() {
            return Ok(());
        }
        Err(video_error(
            path,
            format!(
                "ffmpeg could not {doing} it ({status}): {}",
                stderr.unwrap_or_default()
            ),
        ))
    }
}

impl Drop for Running {
    /// Kills it unless it has been waited for.
    fn drop(&mut self) {
        if self.stderr.take().is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// ffprobe's description of the file: video size, rate, frame count, audio.
fn probe(path: &Path, max_pixels: u64) -> Result<VideoInfo> {
    let mut command = Command::new("ffprobe");
    command
        .args(["-v", "error", "-show_streams", "-of", "json"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = spawn(&mut command, path)?
        .wait_with_output()
        .map_err(|e| AdainError::io(path, e))?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        let why = why.lines().last().unwrap_or("").trim();
        return Err(video_error(
            path,
            format!("not a video or image sequence adain can read (ffprobe: {why})"),
        ));
    }
    let json: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| video_error(path, format!("unreadable ffprobe output: {e}")))?;
    let streams = json["streams"].as_array().cloned().unwrap_or_default();
    let is = |s: &&Value, kind: &str| s["codec_type"] == kind;
    let video = streams
        .iter()
        .find(|s| is(s, "video") && s["disposition"]["attached_pic"] != 1)
        .ok_or_else(|| video_error(path, "no video stream in this file"))?;
    let dim = |key: &str| video[key].as_u64().unwrap_or(0) as u32;
    let (mut width, mut height) = (dim("width"), dim("height"));
    // ffmpeg turns phone videos upright; the frames it sends then have the sides swapped.
    let rotation = video["side_data_list"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["rotation"].as_i64())
        .unwrap_or(0);
    if rotation.rem_euclid(180) == 90 {
        std::mem::swap(&mut width, &mut height);
    }
    check_frame_size(path, "each frame", (width, height), max_pixels)?;
    let rate = ["r_frame_rate", "avg_frame_rate"]
        .iter()
        .find_map(|key| {
            let (n, d) = video[*key].as_str()?.split_once('/')?;
            FrameRate::new(n.parse().ok()?, d.parse().ok()?)
        })
        .unwrap_or(FrameRate { num: 25, den: 1 });
    let frames = video["nb_frames"].as_str().and_then(|n| n.parse().ok());
    let audio = streams.iter().find(|s| is(s, "audio")).map(|a| AudioTrack {
        source: path.to_path_buf(),
        codec: a["codec_name"].as_str().unwrap_or("").to_string(),
    });
    Ok(VideoInfo {
        width,
        height,
        rate,
        frames,
        chroma: None,
        audio,
    })
}

pub struct FfmpegSource {
    path: PathBuf,
    info: VideoInfo,
    stdout: ChildStdout,
    ffmpeg: Running,
    buffer: Vec<u8>,
}

impl FfmpegSource {
    pub fn open(path: &Path, max_pixels: u64) -> Result<Self> {
        let info = probe(path, max_pixels)?;
        let mut command = Command::new("ffmpeg");
        command
            .args(["-v", "error", "-nostdin", "-i"])
            .arg(path)
            .args(["-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut ffmpeg = Running::spawn(&mut command, path)?;
        let stdout = ffmpeg.child.stdout.take().expect("piped");
        let bytes = info.width as usize * info.height as usize * 3;
        Ok(Self {
            path: path.to_path_buf(),
            info,
            stdout,
            ffmpeg,
            buffer: vec![0; bytes],
        })
    }
}

impl FrameSource for FfmpegSource {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        let mut filled = 0;
        while filled < self.buffer.len() {
            match self.stdout.read(&mut self.buffer[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(AdainError::io(&self.path, e)),
            }
        }
        if filled < self.buffer.len() {
            // After the last frame: ffmpeg's verdict on the whole file.
            self.ffmpeg.wait(&self.path, "decode")?;
            if filled > 0 {
                return Err(video_error(&self.path, "ffmpeg's last frame is cut off"));
            }
            return Ok(None);
        }
        let image =
            image::RgbImage::from_raw(self.info.width, self.info.height, self.buffer.clone())
                .expect("buffer holds one frame");
        Ok(Some(Frame {
            image,
            duration: self.info.rate.frame_duration(),
        }))
    }
}

/// Fields drop in order: ffmpeg's input closes, ffmpeg is stopped, then its unfinished file is
/// removed (so ffmpeg cannot create it again afterwards).
pub struct FfmpegSink {
    stdin: Option<ChildStdin>,
    ffmpeg: Running,
    file: PendingFile,
    size: (u32, u32),
}

impl FfmpegSink {
    pub fn create(target: &Path, options: &SinkOptions) -> Result<Self> {
        let file = PendingFile::named(target);
        let container = target
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let mut command = Command::new("ffmpeg");
        command
            .args(["-v", "error", "-nostdin", "-y"])
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24"])
            .args(["-s", &format!("{}x{}", options.width, options.height)])
            .args(["-framerate", &options.rate.to_string(), "-i", "-"]);
        if let Some(audio) = &options.audio {
            command
                .arg("-i")
                .arg(&audio.source)
                .args(["-map", "0:v", "-map", "1:a:0"])
                .args(audio_codec(&container, &audio.codec));
        }
        command.args(video_codec(&container, options.crf));
        // 4:2:0 needs even sides: an odd one gets one more pixel, repeated from the edge.
        let (right, bottom) = (options.width % 2, options.height % 2);
        if right + bottom > 0 {
            command.args([
                "-vf",
                &format!("pad=iw+{right}:ih+{bottom},fillborders=mode=smear:right={right}:bottom={bottom}"),
            ]);
        }
        if matches!(container.as_str(), "mp4" | "mov" | "m4v") {
            command.args(["-movflags", "+faststart"]);
        }
        command
            .arg(&file.tmp)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut ffmpeg = Running::spawn(&mut command, target)?;
        Ok(Self {
            stdin: ffmpeg.child.stdin.take(),
            ffmpeg,
            file,
            size: (options.width, options.height),
        })
    }

    /// Closes ffmpeg's input and waits for it to write the file.
    fn wait(&mut self) -> Result<()> {
        drop(self.stdin.take());
        self.ffmpeg.wait(&self.file.target, "encode")
    }
}

/// H.264 in 4:2:0 (plays everywhere), VP9 for WebM.
fn video_codec(container: &str, crf: Option<u8>) -> Vec<String> {
    let (codec, default_crf, extra): (_, _, &[&str]) = if container == "webm" {
        ("libvpx-vp9", VP9_CRF, &["-b:v", "0", "-row-mt", "1"])
    } else {
        ("libx264", H264_CRF, &["-preset", "medium"])
    };
    let crf = crf.unwrap_or(default_crf).to_string();
    ["-c:v", codec, "-crf", &crf]
        .into_iter()
        .chain(extra.iter().copied())
        .chain(["-pix_fmt", "yuv420p"])
        .map(String::from)
        .collect()
}

/// Copy the audio when the container can hold its codec, else re-encode to the container's usual one.
fn audio_codec(container: &str, codec: &str) -> Vec<&'static str> {
    let copyable = match container {
        "mp4" | "m4v" | "mov" => matches!(codec, "aac" | "mp3" | "alac" | "ac3" | "eac3" | "opus"),
        "webm" => matches!(codec, "opus" | "vorbis"),
        "mkv" => true,
        _ => false,
    };
    match (copyable, container) {
        (true, _) => vec!["-c:a", "copy"],
        (false, "webm") => vec!["-c:a", "libopus"],
        (false, _) => vec!["-c:a", "aac"],
    }
}

impl FrameSink for FfmpegSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        if frame.image.dimensions() != self.size {
            return Err(video_error(&self.file.target, "frames of different sizes"));
        }
        let written = self
            .stdin
            .as_mut()
            .expect("open until finish")
            .write_all(frame.image.as_raw());
        if let Err(e) = written {
            // A closed pipe means ffmpeg stopped: its own message says why.
            self.wait()?;
            return Err(AdainError::io(&self.file.target, e));
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        self.wait()?;
        let Self { file, .. } = *self;
        file.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_is_copied_only_where_the_container_holds_it() {
        assert_eq!(audio_codec("mp4", "aac"), ["-c:a", "copy"]);
        assert_eq!(audio_codec("mp4", "vorbis"), ["-c:a", "aac"]);
        assert_eq!(audio_codec("webm", "aac"), ["-c:a", "libopus"]);
        assert_eq!(audio_codec("mkv", "pcm_s16le"), ["-c:a", "copy"]);
    }
}
