//! `cargo xtask dist --check`: unpack the tarball into an empty folder and use it the way a user
//! would on a bare machine — `env -i <dir>/adain stylize ...` — checking that the binary takes the
//! runtime library and the model from the unpacked folder, not from this machine's cache or tree.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use adain::package::DEFAULT_PACKAGE;
use adain_models::install_paths::ONNX_RUNTIME_LIBRARY;
use anyhow::{bail, ensure, Context, Result};
use flate2::read::GzDecoder;

use crate::art::Artwork;

/// Size of the generated content image (odd width: the result must still match it exactly).
const CONTENT: (u32, u32) = (601, 512);

pub fn run(tarball: &Path, top: &str) -> Result<()> {
    let scratch = tempfile::tempdir().context("creating a temporary folder")?;
    let root = scratch.path().canonicalize()?;
    let unpacked = root.join("unpacked");
    tar::Archive::new(GzDecoder::new(
        File::open(tarball).with_context(|| format!("opening {}", tarball.display()))?,
    ))
    .unpack(&unpacked)
    .with_context(|| format!("unpacking {}", tarball.display()))?;
    let tops: Vec<String> = std::fs::read_dir(&unpacked)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ensure!(
        tops == [top],
        "the tarball should hold exactly one folder {top}/, it holds {tops:?}"
    );
    let dir = unpacked.join(top);
    let adain = dir.join("adain");
    for file in [
        adain.clone(),
        dir.join(ONNX_RUNTIME_LIBRARY),
        dir.join(DEFAULT_PACKAGE).join("manifest.json"),
        dir.join("README.md"),
    ] {
        ensure!(
            file.is_file(),
            "{} is missing from the tarball",
            file.strip_prefix(&unpacked).unwrap_or(&file).display()
        );
    }

    // A work folder outside the unpacked one, with inputs made by the project.
    let work = root.join("work");
    std::fs::create_dir_all(&work)?;
    Artwork::Mosaic
        .render(CONTENT.0, CONTENT.1, 1)
        .save(work.join("content.png"))?;
    Artwork::Swirl
        .render(300, 240, 2)
        .save(work.join("style.png"))?;

    let info = bare(&adain, &work, &["info"])?;
    let stdout = String::from_utf8_lossy(&info.stdout);
    let library = dir.join(ONNX_RUNTIME_LIBRARY);
    ensure!(
        stdout.contains(&library.display().to_string()),
        "adain did not load {}:\n{stdout}",
        library.display()
    );
    let model = dir.join(DEFAULT_PACKAGE);
    ensure!(
        stdout.contains(&model.display().to_string()),
        "adain did not use the model in {}:\n{stdout}",
        model.display()
    );

    bare(
        &adain,
        &work,
        &[
            "stylize",
            "content.png",
            "--style",
            "style.png",
            "-o",
            "out.png",
        ],
    )?;
    let out = work.join("out.png");
    let size = image::image_dimensions(&out)
        .with_context(|| format!("reading the result {}", out.display()))?;
    ensure!(
        size == CONTENT,
        "out.png is {}×{}, the content is {}×{}",
        size.0,
        size.1,
        CONTENT.0,
        CONTENT.1
    );
    tracing::info!(
        "checked: the unpacked tarball stylizes a {}×{} image under `env -i` (no PATH, HOME, cache, Rust or Python)",
        CONTENT.0,
        CONTENT.1
    );
    Ok(())
}

/// Runs `env -i <adain> <args>` in `work`: no environment variable at all.
fn bare(adain: &PathBuf, work: &Path, args: &[&str]) -> Result<Output> {
    let output = Command::new(adain)
        .args(args)
        .env_clear()
        .current_dir(work)
        .output()
        .with_context(|| format!("running {}", adain.display()))?;
    if !output.status.success() {
        bail!(
            "`env -i {} {}` failed ({}):\n{}{}",
            adain.display(),
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(output)
}
