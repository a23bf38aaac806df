//! `adain video`: one stylized video from one input video, frame by frame through a bounded pipeline
//! (reader thread → encoder → AdaIN → decoder → writer thread), with content statistics smoothed
//! over time. The result appears under its name only when every frame is written.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

use adain::ops::normalized_weights;
use adain::video::coherence::DEFAULT_FLOW_WEIGHT;
use adain::video::temporal::{DEFAULT_SCENE_CUT, DEFAULT_SMOOTHING};
use adain::video::{
    create_sink, ffmpeg, open_source, Chroma, Frame, FrameRate, FrameSink, FrameStylizer,
    SinkOptions, Temporal, VideoFormat, VideoInfo, VideoOptions,
};
use adain::ReadyStyles;
use adain::Recipe;
use adain::Stylizer;
use anyhow::{anyhow, bail, Context, Result};
use clap::{ArgMatches, Args};

use crate::common::{ImageLimitArgs, ModelArgs};
use crate::exit::usage;
use crate::palette::PaletteArgs;
use crate::progress::Progress;
use crate::styles::{check_palette, load_styles, StyleArgs};

#[derive(Debug, Args)]
#[command(after_help = "\
Inputs: a folder of frames (sorted by name), an animated GIF or PNG (APNG), a .y4m file, or, through
an ffmpeg program on the PATH, any video ffmpeg reads (MP4, WebM, MOV, MKV, ...).
Outputs follow the name: .gif, .png (APNG), .y4m, a name without extension (a new folder of frames),
or any other extension through ffmpeg (H.264 yuv420p; VP9 for .webm), with the input's audio and
frame rate.

Style statistics are computed once. By default (--temporal flow) content statistics are averaged
over time (--temporal-smoothing) and each result is blended with the previous one, carried along the
input's optical flow, wherever that motion is trusted (--flow-weight): the texture holds still on
moving surfaces instead of repainting every frame. Both start afresh at scene cuts. --temporal stats
only averages the statistics; --temporal none stylizes each frame alone.

Examples:
  adain video clip.mp4 --style wave.jpg -o clip_wave.mp4
  adain video frames/ --fps 24 --style wave.jpg -o stylized.gif
  adain video clip.y4m --style-stats impressionism.safetensors --alpha 0.8 -o out.y4m")]
pub struct VideoArgs {
    /// Input video: a file, or a folder of frames
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// Output video (its extension picks the format; none makes a folder of frames)
    #[arg(short, long, value_name = "PATH")]
    pub output: PathBuf,

    /// Mix the styles with these weights (one per style, comma-separated, normalised to sum 1)
    #[arg(long, value_name = "W,W,...", value_delimiter = ',', num_args = 1..)]
    pub weights: Option<Vec<f32>>,

    /// Whose colours the frames take (--palette style: the style's, the default; content: the
    /// colours of the first frame of each shot; model: the decoder's own)
    #[command(flatten)]
    pub palette: PaletteArgs,

    /// Process frames with their shorter side at N pixels (results are resized back to the input's
    /// size); 0 processes them at their own size
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub content_size: u32,

    /// What keeps the video steady: `flow` (statistics averaged over time and results carried along
    /// the motion), `stats` (statistics only) or `none` (each frame alone)
    #[arg(long, value_enum, value_name = "MODE", default_value = "flow")]
    pub temporal: TemporalArg,

    /// Weight of the past in the running content statistics, 0 (per-frame AdaIN) to below 1
    #[arg(long, value_name = "S", default_value_t = DEFAULT_SMOOTHING, value_parser = parse_smoothing)]
    pub temporal_smoothing: f32,

    /// With --temporal flow: how much of the previous result a pixel keeps where its motion is
    /// trusted, 0 to below 1 (higher is steadier, and slower to follow changes)
    #[arg(long, value_name = "W", default_value_t = DEFAULT_FLOW_WEIGHT, value_parser = parse_smoothing)]
    pub flow_weight: f32,

    /// Colour-histogram distance (0–2) between consecutive frames that counts as a scene cut, where
    /// the running statistics start afresh; 2 never cuts
    #[arg(long, value_name = "D", default_value_t = DEFAULT_SCENE_CUT)]
    pub scene_cut: f32,

    /// Frame rate of a folder of frames (other inputs carry their own)
    #[arg(long, value_name = "FPS", default_value = "25", value_parser = parse_rate)]
    pub fps: FrameRate,

    /// ffmpeg outputs: constant rate factor (lower is better; default 18 for H.264, 31 for VP9)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=63))]
    pub crf: Option<u8>,

    /// Image format of the files of a frame-folder output
    #[arg(long, value_name = "EXT", default_value = "png")]
    pub frame_format: String,

    #[command(flatten)]
    pub styles: StyleArgs,

    #[command(flatten)]
    pub limits: ImageLimitArgs,

    #[command(flatten)]
    pub model: ModelArgs,
}

/// `--temporal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TemporalArg {
    Flow,
    Stats,
    None,
}

impl VideoArgs {
    fn temporal(&self) -> Temporal {
        match self.temporal {
            TemporalArg::None => Temporal::None,
            TemporalArg::Stats => Temporal::Stats {
                smoothing: self.temporal_smoothing,
            },
            TemporalArg::Flow => Temporal::Flow {
                smoothing: self.temporal_smoothing,
                weight: self.flow_weight,
            },
        }
    }
}

fn parse_smoothing(s: &str) -> Result<f32, String> {
    let v: f32 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside 0 (per-frame) to below 1"))
    }
}

/// `25`, `29.97` or `30000/1001`.
fn parse_rate(s: &str) -> Result<FrameRate, String> {
    let rate = match s.split_once('/') {
        Some((n, d)) => n
            .parse()
            .ok()
            .zip(d.parse().ok())
            .and_then(|(n, d)| FrameRate::new(n, d)),
        None => s
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite() && *f > 0.0 && *f <= 1000.0)
            .and_then(|f| FrameRate::new((f * 1000.0).round() as u32, 1000)),
    };
    rate.ok_or_else(|| format!("`{s}` is not a frame rate (e.g. 25, 29.97 or 30000/1001)"))
}

/// Set by Ctrl-C: the run stops after the frame in hand and writes nothing.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

pub fn run(args: &VideoArgs, matches: &ArgMatches) -> Result<()> {
    let sources = args.styles.sources(matches)?;
    let palette = args.palette.palette();
    check_palette(palette, &sources)?;
    // Before anything is opened: one result per frame, so several styles need weights.
    match (&args.weights, sources.len()) {
        (Some(w), n) => {
            normalized_weights(w, n)?;
        }
        (None, 1) => {}
        (None, n) => {
            return Err(usage(format!(
            "{n} styles given: a video gets one result, so mix them with --weights (one per style)"
        )))
        }
    }
    let output_format = VideoFormat::of_output(&args.output);
    if output_format.needs_ffmpeg() && !ffmpeg::available() {
        bail!(
            "{}: writing this format needs ffmpeg, which is not on the PATH: install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg), or write {}",
            args.output.display(),
            ffmpeg::BUILT_IN_FORMATS
        );
    }

    // From here on a temporary output may exist: Ctrl-C must stop the run, not kill the process.
    ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst))
        .context("installing the Ctrl-C handler")?;
    // Input first (a bad input costs no model load), then the output (a bad -o neither).
    let (info, frames, reader) =
        spawn_reader(args.input.clone(), args.fps, args.limits.max_pixels)?;
    tracing::info!(
        "{}: {}x{} at {} fps{}{}",
        args.input.display(),
        info.width,
        info.height,
        info.rate,
        info.frames
            .map(|n| format!(", {n} frames"))
            .unwrap_or_default(),
        if info.audio.is_some() {
            ", with audio"
        } else {
            ""
        }
    );
    let audio = match (&info.audio, output_format) {
        (Some(audio), VideoFormat::Ffmpeg) => Some(audio.clone()),
        (Some(_), _) => {
            tracing::warn!(
                "the input's audio is dropped: only ffmpeg outputs (.mp4, .webm, ...) carry audio"
            );
            None
        }
        (None, _) => None,
    };
    let sink = create_sink(
        &args.output,
        &SinkOptions {
            width: info.width,
            height: info.height,
            rate: info.rate,
            chroma: info.chroma.unwrap_or(Chroma::C420),
            crf: args.crf,
            audio,
            frame_extension: args.frame_format.clone(),
        },
    )?;

    let package = args.model.load_package()?;
    let mut stylizer = Stylizer::new(&package, &args.model.session_options()?)?;
    // A video is one result per frame, never cropped; its frames are prepared by FrameStylizer.
    let recipe = Recipe {
        alpha: args.styles.alpha,
        weights: args.weights.clone(),
        palette,
        seed: args.styles.seed,
        ..Recipe::default()
    };
    let styles = load_styles(
        &mut stylizer,
        &sources,
        args.styles.style_size,
        false,
        palette,
        args.limits.max_pixels,
    )?;
    let styles = recipe.ready(&mut stylizer, styles)?;

    let progress = Progress::frames(info.frames);
    let (to_writer, writer) = spawn_writer(sink, progress.clone());
    let mut run = Run {
        stylizer,
        recipe,
        styles,
        frames: FrameStylizer::new(VideoOptions {
            temporal: args.temporal(),
            scene_cut: args.scene_cut,
            content_size: args.content_size,
        }),
    };
    let stylized = run.all(&frames, &to_writer, &args.input);
    // Finish the output only when every frame made it; otherwise the writer drops it unwritten.
    if stylized.is_ok() {
        let _ = to_writer.send(ToWriter::Finish);
    }
    drop(to_writer);
    drop(frames); // unblocks the reader if we stopped early
    let written = writer
        .join()
        .map_err(|_| anyhow!("the video writer thread panicked"))?;
    let _ = reader.join();
    progress.finish();
    let count = stylized?;
    written.with_context(|| format!("writing {}", args.output.display()))?;
    tracing::info!("{count} frames written to {}", args.output.display());
    Ok(())
}

/// The model, the styles and the state carried from frame to frame.
struct Run {
    stylizer: Stylizer,
    recipe: Recipe,
    styles: ReadyStyles,
    /// Each frame is taken to the style palette from its own colours, as `stylize` maps an image:
    /// on a zoom this flickered less than a map from colours averaged over the shot
    /// (video_temporal.rs).
    frames: FrameStylizer,
}

impl Run {
    /// Every frame through the networks to the writer; the number of frames.
    fn all(
        &mut self,
        frames: &Receiver<adain::Result<Frame>>,
        to_writer: &SyncSender<ToWriter>,
        input: &std::path::Path,
    ) -> Result<u64> {
        let mut count = 0u64;
        for frame in frames {
            if INTERRUPTED.load(Ordering::SeqCst) {
                bail!("interrupted: no output written");
            }
            let frame = frame?;
            let image = self
                .frame(&frame)
                .with_context(|| format!("{}: frame {}", input.display(), count + 1))?;
            let out = Frame {
                image,
                duration: frame.duration,
            };
            if to_writer.send(ToWriter::Frame(out)).is_err() {
                break; // the writer failed; its error is reported
            }
            count += 1;
        }
        if count == 0 {
            bail!("{}: the video has no frames", input.display());
        }
        Ok(count)
    }

    fn frame(&mut self, frame: &Frame) -> Result<image::RgbImage> {
        Ok(self
            .frames
            .stylize(&mut self.stylizer, &self.recipe, &self.styles, &frame.image)?)
    }
}

/// Opens the input on its own thread (decoders need not be Send) and returns what it knows first.
/// Two frames wait ahead at most.
#[allow(clippy::type_complexity)]
fn spawn_reader(
    input: PathBuf,
    rate: FrameRate,
    max_pixels: u64,
) -> Result<(VideoInfo, Receiver<adain::Result<Frame>>, JoinHandle<()>)> {
    let (info_tx, info_rx) = sync_channel(1);
    let (tx, rx) = sync_channel(2);
    let handle = std::thread::spawn(move || {
        let mut source = match open_source(&input, rate, max_pixels) {
            Ok(source) => source,
            Err(e) => {
                let _ = info_tx.send(Err(e));
                return;
            }
        };
        if info_tx.send(Ok(source.info().clone())).is_err() {
            return;
        }
        loop {
            let next = source.next_frame().transpose();
            let Some(next) = next else { break };
            let failed = next.is_err();
            if tx.send(next).is_err() || failed {
                break;
            }
        }
    });
    let info = info_rx
        .recv()
        .map_err(|_| anyhow!("the video reader thread stopped"))??;
    Ok((info, rx, handle))
}

enum ToWriter {
    Frame(Frame),
    /// Every frame was sent: complete the file.
    Finish,
}

/// Writes frames on a thread; without a final [`ToWriter::Finish`] the sink is dropped, which
/// deletes what it wrote. Two frames wait at most.
fn spawn_writer(
    mut sink: Box<dyn FrameSink>,
    progress: Progress,
) -> (SyncSender<ToWriter>, JoinHandle<Result<()>>) {
    let (tx, rx) = sync_channel::<ToWriter>(2);
    let handle = std::thread::spawn(move || -> Result<()> {
        for message in rx {
            match message {
                ToWriter::Frame(frame) => {
                    sink.write(&frame)?;
                    progress.inc();
                }
                ToWriter::Finish => return Ok(sink.finish()?),
            }
        }
        Ok(()) // stopped before the end: the sink is dropped and removes its file
    });
    (tx, handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_parse_as_fractions_or_decimals() {
        assert_eq!(
            parse_rate("30000/1001"),
            Ok(FrameRate::new(30000, 1001).unwrap())
        );
        assert_eq!(parse_rate("25"), Ok(FrameRate::new(25, 1).unwrap()));
        assert_eq!(parse_rate("29.97"), Ok(FrameRate::new(2997, 100).unwrap()));
        assert!(
            parse_rate("0").is_err() && parse_rate("fast").is_err() && parse_rate("1/0").is_err()
        );
    }
}
