//! `cargo xtask model-card`: the pictures of models/default/README.md, regenerated from the package
//! and its training run — loss curves (SVG); contents × styles, an α sweep and a four-style
//! interpolation (JPEG), once from free-to-show inputs (committed) and once from the run's held-out
//! images (kept under target/) — plus a README section filled with measured numbers only.

mod chart;
mod comparison;
mod evaluation;
mod metrics;
mod paired;
mod pictures;
mod projection;
mod section;

use std::path::{Path, PathBuf};

use adain::package::ModelPackage;
use anyhow::{Context, Result};
use clap::Args;

use adain_models::install_paths::cache_dir;

use crate::art::Artwork;
use crate::paths::{default_package, shared_train_data, target_dir, workspace_root};

/// Files written into the package folder.
const LOSS_CURVES: &str = "loss_curves.svg";
const GRID: &str = "grid.jpg";
/// The contents × styles grid stylized at 512 px.
const GRID_512: &str = "grid-512.jpg";
const ALPHA: &str = "alpha.jpg";
const INTERPOLATION: &str = "interpolation.jpg";
/// The metrics `adain-train export` copies into the package.
const METRICS: &str = "training_metrics.jsonl";
/// What the pictures may weigh together (they are committed).
const BUDGET_BYTES: u64 = 1_500_000;

#[derive(Args, Debug)]
pub struct ModelCardArgs {
    /// Training run folder holding validation_files.txt [default: <cache>/runs/default]
    #[arg(long, value_name = "DIR")]
    pub run_dir: Option<PathBuf>,

    /// Evaluation report (`adain-train eval ... --json FILE`) for the README section
    #[arg(long, value_name = "FILE")]
    pub eval: Option<PathBuf>,

    /// A model's evaluation report for the before/after section, as LABEL=FILE (repeat for each
    /// model and size; the first label is the baseline)
    #[arg(long, value_name = "LABEL=FILE")]
    pub compare: Vec<String>,

    /// A run's metrics.jsonl whose validation curve is extrapolated, as LABEL=FILE (e.g. v1's
    /// run from git history), for the section on how far a longer run would go
    #[arg(long, value_name = "LABEL=FILE")]
    pub learning_curve: Option<String>,

    /// The longer schedule the learning curve is read off at (the paper's 160,000 iterations)
    #[arg(long, value_name = "N", default_value_t = 160_000)]
    pub project_to: u64,

    /// Where to write the README section [default: target/model-card/README-section.md]
    #[arg(long, value_name = "FILE")]
    pub section: Option<PathBuf>,

    /// Side of each picture tile, in pixels
    #[arg(long, value_name = "N", default_value_t = 176)]
    pub tile: u32,

    /// JPEG quality of the pictures
    #[arg(long, value_name = "Q", default_value_t = 82, value_parser = clap::value_parser!(u8).range(30..=95))]
    pub quality: u8,

    /// Model package to illustrate instead of models/default (pictures are written into it)
    #[arg(long, value_name = "DIR", hide = true)]
    pub model: Option<PathBuf>,

    /// Metrics file instead of <model>/training_metrics.jsonl
    #[arg(long, value_name = "FILE", hide = true)]
    pub metrics: Option<PathBuf>,
}

pub fn run(args: &ModelCardArgs) -> Result<()> {
    let start = std::time::Instant::now();
    let dir = args.model.clone().unwrap_or_else(default_package);
    crate::adain_bin::require_package(&dir, args.model.is_none())?;
    crate::setup::run(&crate::setup::SetupArgs {
        no_torch: true,
        ..Default::default()
    })?;
    let package = ModelPackage::load(&dir, adain::Precision::Fp32, adain::Provider::Cpu)
        .with_context(|| format!("model package {} is not usable", dir.display()))?;
    let manifest = package.manifest().clone();
    let mut written: Vec<(PathBuf, u64)> = Vec::new();

    // (a) Loss curves.
    let metrics_file = args.metrics.clone().unwrap_or_else(|| dir.join(METRICS));
    let metrics = if metrics_file.is_file() {
        let m = metrics::read(&metrics_file)?;
        let svg = chart::loss_curves(
            &m,
            &format!(
                "{} {}: training and validation loss",
                manifest.name, manifest.version
            ),
        );
        let path = dir.join(LOSS_CURVES);
        adain_models::atomic_file::write(&path, svg.as_bytes())?;
        written.push((path, svg.len() as u64));
        Some(m)
    } else {
        tracing::warn!(
            "{} not found (`adain-train export` copies it from the run): no loss curves",
            metrics_file.display()
        );
        None
    };

    // (b) Committed examples: free-to-show photographs × the project's generated artworks.
    let examples = crate::demo::inputs::prepare(&target_dir().join("model-card").join("inputs"))?;
    let contents: Vec<PathBuf> = crate::demo::inputs::FREE_CONTENTS
        .iter()
        .map(|n| examples.content(n))
        .collect();
    let styles: Vec<PathBuf> = Artwork::ALL
        .iter()
        .map(|a| examples.style(&format!("{}.png", a.name())))
        .collect();
    tracing::info!(
        "examples: {} photographs × {} generated artworks, an α sweep and a 5×5 interpolation",
        contents.len(),
        styles.len()
    );
    written.extend(draw(&package, &contents, &styles, args, &dir)?);

    // (c) The same pictures from the run's held-out images, kept out of the repository: the shared
    // training images carry no licence to redistribute.
    let run_dir = args
        .run_dir
        .clone()
        .unwrap_or_else(|| cache_dir().join("runs").join("default"));
    let held_out_dir = target_dir().join("model-card").join("held-out");
    let held_out = match held_out(&run_dir)? {
        Some(v) => {
            let files = v
                .contents
                .iter()
                .chain(&v.styles)
                .map(|p| relative_to_data(p))
                .collect();
            let (contents, styles) = (
                pictures::spread(&v.contents, 4),
                pictures::spread(&v.styles, 4),
            );
            tracing::info!(
                "held out: {} contents × {} styles, an α sweep and a 5×5 interpolation",
                contents.len(),
                styles.len()
            );
            let made = draw(&package, &contents, &styles, args, &held_out_dir)?;
            for (path, bytes) in &made {
                println!(
                    "{:>9.1} kB  {} (not committed)",
                    *bytes as f64 / 1e3,
                    path.display()
                );
            }
            Some(section::HeldOut {
                dir: held_out_dir
                    .strip_prefix(workspace_root())
                    .unwrap_or(&held_out_dir)
                    .display()
                    .to_string(),
                grid_shape: (contents.len(), styles.len()),
                files,
            })
        }
        None => None,
    };

    // (d) The README section.
    let eval = match &args.eval {
        Some(path) => Some(
            serde_json::from_str::<evaluation::EvalReport>(
                &std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            )
            .with_context(|| {
                format!(
                    "{} is not an `adain-train eval --json` report",
                    path.display()
                )
            })?,
        ),
        None => None,
    };
    let mut compared = Vec::new();
    for spec in &args.compare {
        let (label, path) = spec
            .split_once('=')
            .with_context(|| format!("--compare {spec}: expected LABEL=FILE"))?;
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
        let report: comparison::Report = serde_json::from_str(&text).with_context(|| {
            format!("{path} is not an `adain-train eval --json` report with per-layer and colour scores")
        })?;
        compared.push((label.to_string(), report));
    }
    let projection = match &args.learning_curve {
        Some(spec) => {
            let (label, path) = spec
                .split_once('=')
                .with_context(|| format!("--learning-curve {spec}: expected LABEL=FILE"))?;
            let curve = metrics::read(Path::new(path))?;
            if curve.val.len() < 3 {
                anyhow::bail!(
                    "--learning-curve {path}: {} validation records, need at least 3 to fit a curve",
                    curve.val.len()
                );
            }
            projection::markdown(label, &curve.val, args.project_to)
        }
        None => String::new(),
    };
    let has = |name: &'static str| {
        written
            .iter()
            .any(|(p, _)| p.ends_with(name))
            .then_some(name)
    };
    let text = section::markdown(
        &manifest,
        metrics.as_ref(),
        eval.as_ref(),
        &section::Pictures {
            loss_curves: has(LOSS_CURVES),
            grid: has(GRID),
            grid_512: has(GRID_512),
            alpha: has(ALPHA),
            interpolation: has(INTERPOLATION),
            grid_shape: (contents.len(), styles.len()),
            held_out,
        },
    );
    let text = text + &comparison::markdown(&compared) + &paired::markdown(&compared) + &projection;
    let section_path = args
        .section
        .clone()
        .unwrap_or_else(|| target_dir().join("model-card").join("README-section.md"));
    if let Some(parent) = section_path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&section_path, &text)
        .with_context(|| format!("writing {}", section_path.display()))?;
    let card = dir.join("README.md");
    let card_updated = update_card(&card, &text)?;

    let total: u64 = written.iter().map(|(_, b)| b).sum();
    for (path, bytes) in &written {
        println!("{:>9.1} kB  {}", *bytes as f64 / 1e3, path.display());
    }
    println!(
        "{:>9.1} kB  in all (budget {:.1} MB)",
        total as f64 / 1e3,
        BUDGET_BYTES as f64 / 1e6
    );
    println!(
        "README section: {}  ({:.1} s)",
        section_path.display(),
        start.elapsed().as_secs_f64()
    );
    if card_updated {
        println!(
            "model card: {} (between its model-card markers)",
            card.display()
        );
    }
    if total > BUDGET_BYTES {
        tracing::warn!(
            "the pictures weigh {:.2} MB, over the {:.1} MB budget: lower --tile or --quality",
            total as f64 / 1e6,
            BUDGET_BYTES as f64 / 1e6
        );
    }
    Ok(())
}

/// Where the generated section goes in a package's README.md.
const BEGIN_MARKER: &str = "<!-- model-card:begin -->";
const END_MARKER: &str = "<!-- model-card:end -->";

/// Replaces what lies between the card's markers with `section`; false when the card or its markers
/// are absent (then only the section file is written).
fn update_card(card: &Path, section: &str) -> Result<bool> {
    let Ok(text) = std::fs::read_to_string(card) else {
        return Ok(false);
    };
    match splice(&text, section) {
        Some(updated) => {
            adain_models::atomic_file::write(card, updated.as_bytes())?;
            Ok(true)
        }
        None => {
            tracing::warn!(
                "{} has no {BEGIN_MARKER} … {END_MARKER}: not updated",
                card.display()
            );
            Ok(false)
        }
    }
}

/// `text` with the part between the markers replaced by `section`.
fn splice(text: &str, section: &str) -> Option<String> {
    let begin = text.find(BEGIN_MARKER)? + BEGIN_MARKER.len();
    let end = begin + text[begin..].find(END_MARKER)?;
    Some(format!(
        "{}\n{}\n{}",
        &text[..begin],
        section.trim_end(),
        &text[end..]
    ))
}

/// `train-hr/content/0001.jpg` for `<anything>/train-hr/content/0001.jpg`: the set, the kind and the name.
fn relative_to_data(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .rev()
        .take(3)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

/// Every picture of `contents` × `styles` into `dir`: the grid, α sweep and interpolation at 256 px,
/// and the grid again at 512 px (`GRID_512`); returns each file with its size.
fn draw(
    package: &ModelPackage,
    contents: &[PathBuf],
    styles: &[PathBuf],
    args: &ModelCardArgs,
    dir: &Path,
) -> Result<Vec<(PathBuf, u64)>> {
    let make = |size| pictures::make(package, contents, styles, args.tile, size);
    let mut written = write_pictures(&make(pictures::STYLIZE_SIZE)?, dir, args.quality)?;
    let path = dir.join(GRID_512);
    let bytes = pictures::save_jpeg(&make(pictures::LARGE_SIZE)?.grid, &path, args.quality)?;
    written.push((path, bytes));
    Ok(written)
}

/// Writes the grid, α sweep and interpolation into `dir`; returns each file with its size.
fn write_pictures(
    pics: &pictures::Pictures,
    dir: &Path,
    quality: u8,
) -> Result<Vec<(PathBuf, u64)>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    [
        (GRID, &pics.grid),
        (ALPHA, &pics.alpha),
        (INTERPOLATION, &pics.interpolation),
    ]
    .into_iter()
    .map(|(name, image)| {
        let path = dir.join(name);
        let bytes = pictures::save_jpeg(image, &path, quality)?;
        Ok((path, bytes))
    })
    .collect()
}

/// The run's held-out images, or None (with the reason logged) when they cannot be had.
fn held_out(run_dir: &Path) -> Result<Option<pictures::Validation>> {
    let list = run_dir.join("validation_files.txt");
    if !list.is_file() {
        tracing::warn!(
            "{} not found: no picture grids (pass --run-dir, the training run of this model)",
            list.display()
        );
        return Ok(None);
    }
    let data = shared_train_data();
    if !data.is_dir() {
        tracing::warn!(
            "{} is absent (the shared training images): no picture grids",
            data.display()
        );
        return Ok(None);
    }
    let v = pictures::validation_files(&list, &data)?;
    if v.contents.is_empty() || v.styles.len() < 4 {
        tracing::warn!(
            "{} lists {} content and {} style images that exist here (need 1 and 4): no picture grids",
            list.display(),
            v.contents.len(),
            v.styles.len()
        );
        return Ok(None);
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_replaces_only_what_lies_between_the_markers() {
        let card =
            format!("# Card\nhand-written\n{BEGIN_MARKER}\nold numbers\n{END_MARKER}\nlimits\n");
        let updated = splice(&card, "new numbers\n").unwrap();
        assert_eq!(
            updated,
            format!("# Card\nhand-written\n{BEGIN_MARKER}\nnew numbers\n{END_MARKER}\nlimits\n")
        );
        assert_eq!(
            splice(&updated, "new numbers").unwrap(),
            updated,
            "splicing is idempotent"
        );
        assert!(splice("# Card without markers\n", "x").is_none());
        assert!(
            splice(&format!("{END_MARKER}\n{BEGIN_MARKER}\n"), "x").is_none(),
            "markers out of order"
        );
    }
}
