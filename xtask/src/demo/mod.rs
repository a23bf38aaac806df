//! `cargo xtask demo`: the default model on registry photographs and generated artworks, through the
//! real `adain` command: every content × style, an α sweep, a style interpolation, colour
//! preservation and spatial control. Results and an index.html land in target/demo/.

pub mod inputs;
mod page;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::paths::{default_package, target_dir};
use inputs::Inputs;
pub use page::Section;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder for the results [default: target/demo]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Shorter side, in pixels, that contents and styles are resized to (smaller is faster)
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub size: u32,

    /// Model package to run instead of models/default (to try the demo without the trained model)
    #[arg(long, value_name = "DIR", hide = true)]
    pub model: Option<PathBuf>,
}

/// The content and styles each single-image section uses.
const ALPHA_CONTENT: &str = "chelsea.png";
const ALPHA_STYLE: &str = "swirl.png";
const INTERPOLATION_CONTENT: &str = "coffee.png";
const INTERPOLATION_STYLES: [&str; 2] = ["mosaic.png", "kandinsky.png"];
const COLOR_CONTENT: &str = "motorcycle_left.png";
const MASK_CONTENT: &str = "astronaut.png";
const MASK_STYLES: [&str; 2] = ["mondrian.png", "swirl.png"];
const STEPS: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

/// One run of the `adain` command.
struct Run {
    args: Vec<OsString>,
    /// The result it writes (None: a folder of results).
    output: Option<PathBuf>,
    caption: String,
}

pub fn run(args: &DemoArgs) -> Result<()> {
    let start = Instant::now();
    let package = args.model.clone().unwrap_or_else(default_package);
    crate::adain_bin::require_package(&package, args.model.is_none())?;

    crate::setup::run(&crate::setup::SetupArgs {
        no_torch: true,
        ..Default::default()
    })?;
    let adain = crate::adain_bin::build_release()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| target_dir().join("demo"));
    // Only our own folders are cleared, so --out may point anywhere.
    for sub in [
        "inputs",
        "pairs",
        "alpha",
        "interpolation",
        "preserve_color",
        "masks",
    ] {
        let dir = out.join(sub);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
    }
    let inputs = inputs::prepare(&out.join("inputs"))?;
    let prepared = start.elapsed();

    let cli = Cli {
        binary: &adain,
        model: args.model.as_deref(),
        size: args.size,
    };
    let mut timings = Vec::new();

    // Every content × every style: one call over two folders, with the CLI's own progress bar.
    let started = Instant::now();
    let pairs = out.join("pairs");
    cli.execute(
        &[os(&inputs.contents), "--style".into(), os(&inputs.styles)],
        &pairs,
        true,
    )?;
    timings.push(("content × style", started.elapsed()));

    let [mix_a, mix_b] = INTERPOLATION_STYLES;
    let [mask_a, mask_b] = MASK_STYLES;
    let sections = [
        (
            "alpha",
            "Style strength α (0 = content through the decoder, 1 = full style)",
            vec![inputs.content(ALPHA_CONTENT), inputs.style(ALPHA_STYLE)],
            alpha_runs(&inputs, &out),
        ),
        (
            "interpolation",
            "Interpolating two styles",
            vec![
                inputs.content(INTERPOLATION_CONTENT),
                inputs.style(mix_a),
                inputs.style(mix_b),
            ],
            interpolation_runs(&inputs, &out),
        ),
        (
            "preserve_color",
            "Colour preservation (--preserve-color)",
            vec![inputs.content(COLOR_CONTENT)],
            vec![color_run(&inputs)],
        ),
        (
            "masks",
            "Spatial control (--mask): a different style inside and outside an ellipse",
            vec![
                inputs.content(MASK_CONTENT),
                inputs.style(mask_a),
                inputs.masks[0].clone(),
                inputs.style(mask_b),
                inputs.masks[1].clone(),
            ],
            vec![mask_run(&inputs, &out)],
        ),
    ];
    let total: usize = sections.iter().map(|(_, _, _, runs)| runs.len()).sum();
    let bar = ProgressBar::new(total as u64);
    bar.set_style(ProgressStyle::with_template(
        "{prefix:>14} {bar:30} {pos}/{len} [{elapsed}] {wide_msg}",
    )?);
    let mut page_sections = Vec::new();
    for (name, title, section_inputs, runs) in sections {
        bar.set_prefix(name);
        let started = Instant::now();
        let mut images = Vec::new();
        for run in runs {
            bar.set_message(run.caption.clone());
            let target = run.output.clone().unwrap_or_else(|| out.join(name));
            cli.execute(&run.args, &target, false)?;
            images.push((run.caption, run.output));
            bar.inc(1);
        }
        timings.push((name, started.elapsed()));
        page_sections.push(Section {
            title: title.into(),
            inputs: section_inputs,
            images: expand_folders(images, &out.join(name))?,
        });
    }
    bar.finish_and_clear();

    let index = page::write(&out, &inputs, &pairs, &page_sections)?;
    let results = count_images(&out)?;
    println!(
        "\nDemo finished in {:.1} s ({} results; inputs ready after {:.1} s):",
        start.elapsed().as_secs_f64(),
        results,
        prepared.as_secs_f64()
    );
    for (name, took) in &timings {
        println!("  {name:<16} {:>6.1} s", took.as_secs_f64());
    }
    println!("Results: {}\nOpen:    {}", out.display(), index.display());
    Ok(())
}

/// How every run calls the `adain` binary.
struct Cli<'a> {
    binary: &'a Path,
    model: Option<&'a Path>,
    size: u32,
}

impl Cli<'_> {
    /// `adain stylize <args> -o <output>`; `interactive` lets the CLI draw its progress bar and log,
    /// otherwise its output is kept for the error message.
    fn execute(&self, args: &[OsString], output: &Path, interactive: bool) -> Result<()> {
        let mut cmd = Command::new(self.binary);
        cmd.arg("stylize").args(args).arg("-o").arg(output);
        let size = self.size.to_string();
        cmd.args(["--content-size", &size, "--style-size", &size]);
        if let Some(model) = self.model {
            cmd.arg("--model").arg(model);
        }
        let shown = format!("{cmd:?}");
        tracing::debug!("running {shown}");
        if interactive {
            let status = cmd
                .status()
                .with_context(|| format!("running {}", self.binary.display()))?;
            if !status.success() {
                bail!("{shown} failed ({status})");
            }
            return Ok(());
        }
        let result = cmd
            .arg("--quiet")
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {}", self.binary.display()))?;
        if !result.status.success() {
            bail!(
                "{shown} failed ({}):\n{}",
                result.status,
                String::from_utf8_lossy(&result.stderr)
            );
        }
        Ok(())
    }
}

fn os(path: &Path) -> OsString {
    path.as_os_str().to_owned()
}

fn alpha_runs(inputs: &Inputs, out: &Path) -> Vec<Run> {
    STEPS
        .iter()
        .map(|&alpha| {
            let output = out
                .join("alpha")
                .join(format!("chelsea_alpha_{alpha:.2}.png"));
            Run {
                args: vec![
                    os(&inputs.content(ALPHA_CONTENT)),
                    "--style".into(),
                    os(&inputs.style(ALPHA_STYLE)),
                    "--alpha".into(),
                    alpha.to_string().into(),
                ],
                output: Some(output),
                caption: format!("α = {alpha}"),
            }
        })
        .collect()
}

fn interpolation_runs(inputs: &Inputs, out: &Path) -> Vec<Run> {
    let [a, b] = INTERPOLATION_STYLES;
    STEPS
        .iter()
        .map(|&t| {
            let output = out
                .join("interpolation")
                .join(format!("coffee_mix_{t:.2}.png"));
            Run {
                args: vec![
                    os(&inputs.content(INTERPOLATION_CONTENT)),
                    "--style".into(),
                    os(&inputs.style(a)),
                    "--style".into(),
                    os(&inputs.style(b)),
                    "--weights".into(),
                    format!("{},{}", 1.0 - t, t).into(),
                ],
                output: Some(output),
                caption: format!("{:.2} {} + {t:.2} {}", 1.0 - t, stem(a), stem(b)),
            }
        })
        .collect()
}

fn color_run(inputs: &Inputs) -> Run {
    Run {
        args: vec![
            os(&inputs.content(COLOR_CONTENT)),
            "--style".into(),
            os(&inputs.styles),
            "--preserve-color".into(),
        ],
        output: None,
        caption: "every style, content colours kept".into(),
    }
}

fn mask_run(inputs: &Inputs, out: &Path) -> Run {
    let [a, b] = MASK_STYLES;
    Run {
        args: vec![
            os(&inputs.content(MASK_CONTENT)),
            "--style".into(),
            os(&inputs.style(a)),
            "--style".into(),
            os(&inputs.style(b)),
            "--mask".into(),
            os(&inputs.masks[0]),
            "--mask".into(),
            os(&inputs.masks[1]),
        ],
        output: Some(out.join("masks").join("astronaut_masked.png")),
        caption: format!("{} inside, {} outside", stem(a), stem(b)),
    }
}

fn stem(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Results of runs that wrote a folder are listed from that folder (sorted), captioned by file name.
fn expand_folders(
    images: Vec<(String, Option<PathBuf>)>,
    folder: &Path,
) -> Result<Vec<(String, PathBuf)>> {
    let mut all = Vec::new();
    for (caption, path) in images {
        match path {
            Some(p) => all.push((caption, p)),
            None => {
                for p in page::images_in(folder)? {
                    let name = p
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    all.push((name, p));
                }
            }
        }
    }
    Ok(all)
}

fn count_images(out: &Path) -> Result<usize> {
    let mut n = 0;
    for sub in ["pairs", "alpha", "interpolation", "preserve_color", "masks"] {
        n += page::images_in(&out.join(sub))?.len();
    }
    Ok(n)
}
