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

use crate::paths::target_dir;
use page::Section;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder for the results [default: target/demo]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Shorter side, in pixels, that contents and styles are resized to (smaller is faster)
    #[arg(long, value_name = "N", default_value_t = 512)]
    pub size: u32,
}

const STEPS: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];
/// The demo's own folders under --out (only these are cleared, so --out may point anywhere).
const FOLDERS: [&str; 5] = ["pairs", "alpha", "interpolation", "preserve_color", "masks"];

pub fn run(args: &DemoArgs) -> Result<()> {
    let start = Instant::now();
    crate::setup::run(&crate::setup::SetupArgs {
        no_torch: true,
        ..Default::default()
    })?;
    let adain = crate::cmd::build_adain()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| target_dir().join("demo"));
    for sub in FOLDERS.iter().chain(&["inputs"]) {
        let dir = out.join(sub);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).with_context(|| format!("clearing {}", dir.display()))?;
        }
    }
    let inputs = inputs::prepare(&out.join("inputs"))?;
    let size = args.size.to_string();
    let stylize = |mut stylize_args: Vec<OsString>, output: &Path, interactive: bool| {
        stylize_args.extend(["-o".into(), output.into()]);
        stylize_args.extend(["--content-size", &size, "--style-size", &size].map(OsString::from));
        cli(&adain, &stylize_args, interactive)
    };
    let (c, s) = (|n: &str| inputs.content(n), |n: &str| inputs.style(n));
    let os = |p: PathBuf| p.into_os_string();

    // Every content × every style: one call over two folders, with the CLI's own progress bar.
    let pairs = out.join("pairs");
    stylize(
        vec![
            os(inputs.contents.clone()),
            "--style".into(),
            os(inputs.styles.clone()),
        ],
        &pairs,
        true,
    )?;
    let after_pairs = start.elapsed();

    let bar = crate::progress::bar(2 * STEPS.len() + 2, "alpha, interpolation, colour, masks");
    let mut sections = Vec::new();
    let mut images = Vec::new();
    for alpha in STEPS {
        let path = out.join(format!("alpha/chelsea_alpha_{alpha:.2}.png"));
        let a = vec![
            os(c("chelsea.png")),
            "--style".into(),
            os(s("swirl.png")),
            "--alpha".into(),
            alpha.to_string().into(),
        ];
        stylize(a, &path, false)?;
        images.push((format!("α = {alpha}"), path));
        bar.inc(1);
    }
    sections.push(Section {
        title: "Style strength α (0 = content through the decoder, 1 = full style)".into(),
        inputs: vec![c("chelsea.png"), s("swirl.png")],
        images: std::mem::take(&mut images),
    });
    for t in STEPS {
        let path = out.join(format!("interpolation/coffee_mix_{t:.2}.png"));
        let weights = format!("{},{}", 1.0 - t, t);
        let a = vec![
            os(c("coffee.png")),
            "--style".into(),
            os(s("mosaic.png")),
            "--style".into(),
            os(s("kandinsky.png")),
            "--weights".into(),
            weights.into(),
        ];
        stylize(a, &path, false)?;
        images.push((format!("{:.2} mosaic + {t:.2} kandinsky", 1.0 - t), path));
        bar.inc(1);
    }
    sections.push(Section {
        title: "Interpolating two styles".into(),
        inputs: vec![c("coffee.png"), s("mosaic.png"), s("kandinsky.png")],
        images: std::mem::take(&mut images),
    });
    let colour = out.join("preserve_color");
    let a = vec![
        os(c("motorcycle_left.png")),
        "--style".into(),
        os(inputs.styles.clone()),
        "--palette".into(),
        "content".into(),
    ];
    stylize(a, &colour, false)?;
    bar.inc(1);
    sections.push(Section {
        title: "The photo's colours (--palette content; the default takes the painting's)".into(),
        inputs: vec![c("motorcycle_left.png")],
        images: page::images_in(&colour)?
            .into_iter()
            .map(|p| (page::stem(&p), p))
            .collect(),
    });
    let masked = out.join("masks/astronaut_masked.png");
    let [inside, outside] = inputs.masks.clone();
    let a = vec![
        os(c("astronaut.png")),
        "--style".into(),
        os(s("mondrian.png")),
        "--style".into(),
        os(s("swirl.png")),
        "--mask".into(),
        os(inside.clone()),
        "--mask".into(),
        os(outside.clone()),
    ];
    stylize(a, &masked, false)?;
    bar.finish_and_clear();
    sections.push(Section {
        title: "Spatial control (--mask): a different style inside and outside an ellipse".into(),
        inputs: vec![
            c("astronaut.png"),
            s("mondrian.png"),
            inside,
            s("swirl.png"),
            outside,
        ],
        images: vec![("mondrian inside, swirl outside".into(), masked)],
    });

    let index = page::write(&out, &inputs, &pairs, &sections)?;
    let mut results = 0;
    for sub in FOLDERS {
        results += page::images_in(&out.join(sub))?.len();
    }
    println!(
        "\nDemo finished in {:.1} s ({results} results; every content × style took {:.1} s)\nResults: {}\nOpen:    {}",
        start.elapsed().as_secs_f64(),
        after_pairs.as_secs_f64(),
        out.display(),
        index.display()
    );
    Ok(())
}

/// `adain stylize <args>`; `interactive` lets the command draw its progress bar and log, otherwise
/// its output is kept for the error message.
fn cli(adain: &Path, args: &[OsString], interactive: bool) -> Result<()> {
    let mut cmd = Command::new(adain);
    cmd.arg("stylize").args(args);
    if interactive {
        return crate::cmd::run(&mut cmd);
    }
    let shown = format!("{cmd:?}");
    let result = cmd
        .arg("--quiet")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", adain.display()))?;
    if !result.status.success() {
        bail!(
            "{shown} failed ({}):\n{}",
            result.status,
            String::from_utf8_lossy(&result.stderr)
        );
    }
    Ok(())
}
