//! YUV4MPEG2 (`.y4m`): a text header, then each frame as `FRAME\n` and its Y, U and V planes.
//! 8-bit 4:2:0, 4:2:2, 4:4:4 and mono; BT.601 colours in limited range unless `XCOLORRANGE=FULL`.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use image::RgbImage;

use super::format::check_frame_size;
use super::{
    video_error, Frame, FrameRate, FrameSink, FrameSource, PendingFile, SinkOptions, VideoInfo,
};
use crate::error::{AdainError, Result};

pub(crate) const MAGIC: &[u8] = b"YUV4MPEG2 ";

/// Longest header or frame line we accept (real ones are well under 100 bytes).
const MAX_LINE: usize = 4096;

/// How the chroma planes are subsampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Chroma {
    #[default]
    C420,
    C422,
    C444,
    Mono,
}

impl Chroma {
    fn parse(tag: &str) -> Option<Self> {
        match tag {
            "420" | "420jpeg" | "420paldv" | "420mpeg2" => Some(Self::C420),
            "422" => Some(Self::C422),
            "444" => Some(Self::C444),
            "mono" => Some(Self::Mono),
            _ => None,
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Self::C420 => "420jpeg",
            Self::C422 => "422",
            Self::C444 => "444",
            Self::Mono => "mono",
        }
    }

    /// Chroma plane size for a `width`×`height` frame (none for mono).
    fn plane(self, width: usize, height: usize) -> (usize, usize) {
        match self {
            Self::C420 => (width.div_ceil(2), height.div_ceil(2)),
            Self::C422 => (width.div_ceil(2), height),
            Self::C444 => (width, height),
            Self::Mono => (0, 0),
        }
    }

    fn frame_bytes(self, width: usize, height: usize) -> usize {
        let (cw, ch) = self.plane(width, height);
        width * height + 2 * cw * ch
    }
}

/// BT.601 conversion in studio (16–235/240) or full (0–255) range.
#[derive(Debug, Clone, Copy)]
struct Yuv {
    full_range: bool,
}

const KR: f32 = 0.299;
const KB: f32 = 0.114;
const KG: f32 = 1.0 - KR - KB;

impl Yuv {
    /// (luma offset, luma scale, chroma scale) from [0, 1] values to code values.
    fn scales(self) -> (f32, f32, f32) {
        if self.full_range {
            (0.0, 255.0, 255.0)
        } else {
            (16.0, 219.0, 224.0)
        }
    }

    fn yuv_of(self, [r, g, b]: [u8; 3]) -> [f32; 3] {
        let (r, g, b) = (
            f32::from(r) / 255.0,
            f32::from(g) / 255.0,
            f32::from(b) / 255.0,
        );
        let y = KR * r + KG * g + KB * b;
        let (off, ys, cs) = self.scales();
        [
            off + ys * y,
            128.0 + cs * (b - y) / (2.0 * (1.0 - KB)),
            128.0 + cs * (r - y) / (2.0 * (1.0 - KR)),
        ]
    }

    fn rgb_of(self, y: u8, u: u8, v: u8) -> [u8; 3] {
        let (off, ys, cs) = self.scales();
        let y = (f32::from(y) - off) / ys;
        let pb = (f32::from(u) - 128.0) / cs;
        let pr = (f32::from(v) - 128.0) / cs;
        let r = y + 2.0 * (1.0 - KR) * pr;
        let b = y + 2.0 * (1.0 - KB) * pb;
        let g = (y - KR * r - KB * b) / KG;
        [r, g, b].map(|c| (c * 255.0).round().clamp(0.0, 255.0) as u8)
    }
}

fn code(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

pub struct Y4mSource {
    path: PathBuf,
    reader: BufReader<File>,
    info: VideoInfo,
    chroma: Chroma,
    yuv: Yuv,
    buffer: Vec<u8>,
    index: u64,
}

impl Y4mSource {
    pub fn open(path: &Path, max_pixels: u64) -> Result<Self> {
        let bad = |m: String| video_error(path, m);
        let file = File::open(path).map_err(|e| AdainError::io(path, e))?;
        let size = file.metadata().map(|m| m.len()).ok();
        let mut reader = BufReader::new(file);
        let header = read_line(&mut reader, path)?
            .ok_or_else(|| bad("not a Y4M file: no header line".into()))?;
        let fields = header.strip_prefix("YUV4MPEG2 ").ok_or_else(|| {
            bad("not a Y4M file: the header does not start with YUV4MPEG2".into())
        })?;
        let (mut width, mut height, mut rate, mut chroma, mut full_range) =
            (0u32, 0u32, None, Chroma::C420, false);
        for field in fields.split_ascii_whitespace() {
            let (key, value) = field.split_at(1);
            match key {
                "W" => {
                    width = value
                        .parse()
                        .map_err(|_| bad(format!("bad width `{value}`")))?
                }
                "H" => {
                    height = value
                        .parse()
                        .map_err(|_| bad(format!("bad height `{value}`")))?
                }
                "F" => {
                    rate = value
                        .split_once(':')
                        .and_then(|(n, d)| FrameRate::new(n.parse().ok()?, d.parse().ok()?));
                    if rate.is_none() {
                        return Err(bad(format!("bad frame rate `{value}` (expected N:D)")));
                    }
                }
                "C" => {
                    chroma = Chroma::parse(value).ok_or_else(|| {
                        bad(format!("unsupported colour space C{value} (supported: 8-bit 420, 422, 444, mono)"))
                    })?;
                }
                "I" if !matches!(value, "p" | "?") => {
                    return Err(bad(format!("interlaced video (I{value}) is not supported")));
                }
                "X" if value == "COLORRANGE=FULL" => full_range = true,
                _ => {}
            }
        }
        if width == 0 || height == 0 {
            return Err(bad(format!(
                "the header gives no frame size (W{width} H{height})"
            )));
        }
        check_frame_size(path, "each frame", (width, height), max_pixels)?;
        let frame_bytes = chroma.frame_bytes(width as usize, height as usize);
        let frames =
            size.map(|s| s.saturating_sub(header.len() as u64 + 1) / (frame_bytes as u64 + 6));
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            info: VideoInfo {
                width,
                height,
                rate: rate.unwrap_or(FrameRate { num: 25, den: 1 }),
                frames,
                chroma: Some(chroma),
                audio: None,
            },
            chroma,
            yuv: Yuv { full_range },
            buffer: vec![0; frame_bytes],
            index: 0,
        })
    }
}

/// One `\n`-terminated line, without it; `None` at a clean end of file.
fn read_line(reader: &mut impl BufRead, path: &Path) -> Result<Option<String>> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64)
        .read_until(b'\n', &mut line)
        .map_err(|e| AdainError::io(path, e))?;
    if n == 0 {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(video_error(path, "a header line is cut off or too long"));
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| video_error(path, "a header line is not text"))
}

impl FrameSource for Y4mSource {
    fn info(&self) -> &VideoInfo {
        &self.info
    }

    fn next_frame(&mut self) -> Result<Option<Frame>> {
        let Some(line) = read_line(&mut self.reader, &self.path)? else {
            return Ok(None);
        };
        if line != "FRAME" && !line.starts_with("FRAME ") {
            return Err(video_error(
                &self.path,
                format!("frame {}: expected a FRAME line", self.index + 1),
            ));
        }
        self.reader.read_exact(&mut self.buffer).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                video_error(&self.path, format!("frame {} is cut off", self.index + 1))
            } else {
                AdainError::io(&self.path, e)
            }
        })?;
        self.index += 1;
        let (w, h) = (self.info.width as usize, self.info.height as usize);
        let (cw, ch) = self.chroma.plane(w, h);
        let (luma, chroma) = self.buffer.split_at(w * h);
        let (u, v) = chroma.split_at(cw * ch);
        let image = RgbImage::from_fn(w as u32, h as u32, |x, y| {
            let (x, y) = (x as usize, y as usize);
            let (cu, cv) = if self.chroma == Chroma::Mono {
                (128, 128)
            } else {
                let i = (y * ch / h) * cw + x * cw / w;
                (u[i], v[i])
            };
            image::Rgb(self.yuv.rgb_of(luma[y * w + x], cu, cv))
        });
        Ok(Some(Frame {
            image,
            duration: self.info.rate.frame_duration(),
        }))
    }
}

pub struct Y4mSink {
    out: BufWriter<File>,
    file: PendingFile,
    width: u32,
    height: u32,
    chroma: Chroma,
    yuv: Yuv,
}

impl Y4mSink {
    pub fn create(target: &Path, options: &SinkOptions) -> Result<Self> {
        let (pending, file) = PendingFile::create(target)?;
        let mut out = BufWriter::new(file);
        let chroma = options.chroma;
        writeln!(
            out,
            "YUV4MPEG2 W{} H{} F{}:{} Ip A1:1 C{} XCOLORRANGE=LIMITED",
            options.width,
            options.height,
            options.rate.num,
            options.rate.den,
            chroma.tag()
        )
        .map_err(|e| AdainError::io(target, e))?;
        Ok(Self {
            out,
            file: pending,
            width: options.width,
            height: options.height,
            chroma,
            yuv: Yuv { full_range: false },
        })
    }

    /// Y, then U and V averaged over each chroma sample's block of pixels.
    fn planes(&self, image: &RgbImage) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = self.chroma.plane(w, h);
        let mut bytes = vec![0u8; self.chroma.frame_bytes(w, h)];
        let mut sums = vec![[0f32; 3]; cw * ch];
        for (x, y, p) in image.enumerate_pixels() {
            let yuv = self.yuv.yuv_of(p.0);
            let (x, y) = (x as usize, y as usize);
            bytes[y * w + x] = code(yuv[0]);
            if cw > 0 {
                let s = &mut sums[(y * ch / h) * cw + x * cw / w];
                s[0] += yuv[1];
                s[1] += yuv[2];
                s[2] += 1.0;
            }
        }
        let (u, v) = bytes[w * h..].split_at_mut(cw * ch);
        for (i, s) in sums.iter().enumerate() {
            u[i] = code(s[0] / s[2]);
            v[i] = code(s[1] / s[2]);
        }
        bytes
    }
}

impl FrameSink for Y4mSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        if frame.image.dimensions() != (self.width, self.height) {
            return Err(video_error(&self.file.target, "frames of different sizes"));
        }
        let planes = self.planes(&frame.image);
        let out = &mut self.out;
        out.write_all(b"FRAME\n")
            .and_then(|()| out.write_all(&planes))
            .map_err(|e| AdainError::io(&self.file.target, e))
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let Self { out, file, .. } = *self;
        out.into_inner()
            .map_err(|e| AdainError::io(&file.target, e.into_error()))?;
        file.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_conversion_round_trips_within_rounding() {
        for full_range in [false, true] {
            let yuv = Yuv { full_range };
            for rgb in [
                [0, 0, 0],
                [255, 255, 255],
                [255, 0, 0],
                [12, 200, 77],
                [128, 128, 128],
            ] {
                let [y, u, v] = yuv.yuv_of(rgb);
                let back = yuv.rgb_of(code(y), code(u), code(v));
                for c in 0..3 {
                    assert!(
                        (i32::from(back[c]) - i32::from(rgb[c])).abs() <= 2,
                        "{rgb:?} → {back:?} (full range {full_range})"
                    );
                }
            }
        }
        // Studio range: black and white at 16 and 235, grey chroma at 128.
        let studio = Yuv { full_range: false };
        assert_eq!(studio.yuv_of([0, 0, 0]).map(code), [16, 128, 128]);
        assert_eq!(studio.yuv_of([255, 255, 255]).map(code), [235, 128, 128]);
    }
}
