//! Animated PNG. Read by the `image` crate (which composites the frames); written here: the `png`
//! crate wants the frame count before the first frame, and a stream does not know it. We write a
//! placeholder count in `acTL` and patch it when the stream ends.

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use image::codecs::png::PngDecoder;
use image::{AnimationDecoder, ImageDecoder, RgbImage};

use super::animation::AnimationSource;
use super::format::check_frame_size;
use super::{video_error, Frame, FrameSink, PendingFile, SinkOptions};
use crate::error::{AdainError, Result};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Where `acTL`'s frame count sits: signature, IHDR (4 + 4 + 13 + 4 bytes), acTL's length and type.
const ACTL_COUNT_AT: u64 = 8 + 25 + 8;

/// Opens an animated PNG (a still PNG is refused: it is an image, not a video).
pub fn open(path: &Path, max_pixels: u64) -> Result<AnimationSource> {
    let file = File::open(path).map_err(|e| AdainError::io(path, e))?;
    let decoder = PngDecoder::new(BufReader::new(file))
        .map_err(|e| video_error(path, format!("not a readable PNG: {e}")))?;
    let (width, height) = decoder.dimensions();
    check_frame_size(path, "the APNG canvas", (width, height), max_pixels)?;
    if !decoder.is_apng().unwrap_or(false) {
        return Err(video_error(
            path,
            "a still PNG image, not an animation (APNG)",
        ));
    }
    let apng = decoder
        .apng()
        .map_err(|e| video_error(path, format!("not a readable APNG: {e}")))?;
    AnimationSource::new(path, "APNG", apng.into_frames(), width, height)
}

pub struct ApngSink {
    out: BufWriter<File>,
    file: PendingFile,
    width: u32,
    height: u32,
    frames: u32,
    /// fcTL and fdAT chunks share one sequence.
    sequence: u32,
}

impl ApngSink {
    pub fn create(target: &Path, options: &SinkOptions) -> Result<Self> {
        let (pending, file) = PendingFile::create(target)?;
        let mut sink = Self {
            out: BufWriter::new(file),
            file: pending,
            width: options.width,
            height: options.height,
            frames: 0,
            sequence: 0,
        };
        let mut ihdr = Vec::with_capacity(13);
        ihdr.extend(options.width.to_be_bytes());
        ihdr.extend(options.height.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filters, no interlace
        let mut actl = vec![0u8; 4]; // frame count: patched by `finish`
        actl.extend(0u32.to_be_bytes()); // loop forever
        sink.io(|out| {
            out.write_all(SIGNATURE)?;
            write_chunk(out, b"IHDR", &ihdr)?;
            write_chunk(out, b"acTL", &actl)
        })?;
        Ok(sink)
    }

    fn io(&mut self, f: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>) -> Result<()> {
        f(&mut self.out).map_err(|e| AdainError::io(&self.file.target, e))
    }

    fn next_sequence(&mut self) -> u32 {
        self.sequence += 1;
        self.sequence - 1
    }
}

impl FrameSink for ApngSink {
    fn write(&mut self, frame: &Frame) -> Result<()> {
        if frame.image.dimensions() != (self.width, self.height) {
            return Err(video_error(&self.file.target, "frames of different sizes"));
        }
        let (num, den) = delay_fraction(frame.duration);
        let mut fctl = Vec::with_capacity(26);
        fctl.extend(self.next_sequence().to_be_bytes());
        fctl.extend(self.width.to_be_bytes());
        fctl.extend(self.height.to_be_bytes());
        fctl.extend([0u8; 8]); // x and y offsets
        fctl.extend(num.to_be_bytes());
        fctl.extend(den.to_be_bytes());
        fctl.extend([0, 0]); // dispose: none; blend: source (every frame is whole and opaque)
        let data = compressed_scanlines(&frame.image)
            .map_err(|e| video_error(&self.file.target, format!("compressing a frame: {e}")))?;
        let first = self.frames == 0;
        let fdat_sequence = if first { 0 } else { self.next_sequence() };
        self.io(|out| {
            write_chunk(out, b"fcTL", &fctl)?;
            if first {
                // The first frame is also the still image that plain PNG viewers show.
                write_chunk(out, b"IDAT", &data)
            } else {
                let mut fdat = Vec::with_capacity(data.len() + 4);
                fdat.extend(fdat_sequence.to_be_bytes());
                fdat.extend(&data);
                write_chunk(out, b"fdAT", &fdat)
            }
        })?;
        self.frames += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        if self.frames == 0 {
            return Err(video_error(&self.file.target, "no frames to write"));
        }
        let frames = self.frames;
        self.io(|out| {
            write_chunk(out, b"IEND", &[])?;
            let mut actl = frames.to_be_bytes().to_vec();
            actl.extend(0u32.to_be_bytes());
            out.seek(SeekFrom::Start(ACTL_COUNT_AT))?;
            out.write_all(&actl)?;
            out.write_all(&crc(b"acTL", &actl).to_be_bytes())?;
            out.flush()
        })?;
        let Self { out, file, .. } = *self;
        drop(out);
        file.commit()
    }
}

/// A frame's duration as the fraction of seconds fcTL holds (two u16), to the millisecond.
fn delay_fraction(duration: Duration) -> (u16, u16) {
    let ms = duration.as_millis().min(u128::from(u16::MAX)) as u16;
    if ms.is_multiple_of(10) {
        (ms / 10, 100)
    } else {
        (ms, 1000)
    }
}

fn write_chunk(out: &mut impl Write, kind: &[u8; 4], data: &[u8]) -> std::io::Result<()> {
    out.write_all(&(data.len() as u32).to_be_bytes())?;
    out.write_all(kind)?;
    out.write_all(data)?;
    out.write_all(&crc(kind, data).to_be_bytes())
}

fn crc(kind: &[u8; 4], data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    hasher.finalize()
}

/// Zlib stream of the frame's rows, each with the Paeth filter (good on photographic images).
fn compressed_scanlines(image: &RgbImage) -> std::io::Result<Vec<u8>> {
    let stride = image.width() as usize * 3;
    let raw = image.as_raw();
    let mut z = ZlibEncoder::new(Vec::with_capacity(raw.len() / 2), Compression::default());
    let mut row = vec![0u8; stride + 1];
    for (y, line) in raw.chunks_exact(stride).enumerate() {
        let above = (y > 0).then(|| &raw[(y - 1) * stride..y * stride]);
        row[0] = 4; // Paeth
        for i in 0..stride {
            let a = if i >= 3 { line[i - 3] } else { 0 };
            let b = above.map_or(0, |r| r[i]);
            let c = if i >= 3 {
                above.map_or(0, |r| r[i - 3])
            } else {
                0
            };
            row[i + 1] = line[i].wrapping_sub(paeth(a, b, c));
        }
        z.write_all(&row)?;
    }
    z.finish()
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
