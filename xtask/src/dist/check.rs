//! `cargo xtask dist --check`: unpack each archive into an empty folder and use it the way a user
//! would on a bare machine — `<dir>/adain stylize ...` with an empty environment — running the
//! target's own code (natively, under qemu-aarch64 or under wine), and check that:
//! - the binary takes the runtime library and the model from the unpacked folder, and `--version`
//!   names its target and the runtime it loaded;
//! - a small stylization matches this machine's native fp32 result on the same inputs (PSNR), and
//!   where the archive carries OpenVINO's plugin, `--ep openvino` loads it from there and matches too;
//! - a Linux build needs no newer glibc than it was linked for, and an older one than this machine's.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use adain_models::install_paths::{ONNX_RUNTIME_VERSION, OPENVINO_FOLDER};
use anyhow::{bail, ensure, Context, Result};
use flate2::read::GzDecoder;

use super::archive::glibc_requirement;
use super::emulator::Runner;
use crate::setup::cross::Toolchain;
use crate::target::{Target, GLIBC};
use adain_test_kit::art::Artwork;

/// The stylization compared across platforms: small, because emulation is slow (qemu took 86 s
/// for 128² on a 2-core EPYC); the style is encoded at this size too.
pub const SMALL: (u32, u32) = (64, 64);
/// What a native run also stylizes: a larger image with the default style size.
const LARGE: (u32, u32) = (601, 512);
/// fp32 on another CPU (NEON vs AVX2 kernels) or OS differs only by float rounding.
const MIN_PSNR_DB: f64 = 40.0;

/// What one archive's check measured.
pub struct Checked {
    pub stylize_seconds: f64,
    /// Its result against the reference's; None for the archive whose binary is the reference.
    pub psnr_db: Option<f64>,
}

/// Checks the archive of `target`; its result is compared with that of `reference`, a binary of
/// this machine (None for the archive whose binary is the reference).
pub fn run(
    target: Target,
    archive: &Path,
    reference: Option<&PathBuf>,
    tools: &Toolchain,
) -> Result<Checked> {
    let scratch = tempfile::tempdir().context("creating a temporary folder")?;
    let root = scratch.path().canonicalize()?;
    let unpacked = root.join("unpacked");
    unpack(archive, &unpacked)?;
    let top = target.release_name();
    let tops: Vec<String> = std::fs::read_dir(&unpacked)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ensure!(
        tops == [top.as_str()],
        "{} should hold exactly one folder {top}/, it holds {tops:?}",
        archive.display()
    );
    let dir = unpacked.join(&top);
    let binary = dir.join(target.binary_name());
    let library = dir.join(target.library_names().pinned);
    let model = dir.join("models").join("default");
    for file in [
        binary.clone(),
        library.clone(),
        model.join("manifest.json"),
        dir.join("README.md"),
        dir.join("licenses/onnxruntime/LICENSE"),
    ] {
        ensure!(
            file.is_file(),
            "{} is missing from {}",
            file.strip_prefix(&unpacked).unwrap_or(&file).display(),
            archive.display()
        );
    }
    if target.os() == "linux" {
        check_glibc(&binary, &library)?;
    }
    // OpenVINO's plugin where it ships (x86-64), and no openvino/ folder elsewhere.
    let openvino = crate::setup::openvino_ep::plugin_name(target)
        .map(|name| dir.join(OPENVINO_FOLDER).join(name));
    match &openvino {
        Some(plugin) => ensure!(
            plugin.is_file()
                && dir
                    .join("licenses/openvino/third-party-programs.txt")
                    .is_file(),
            "{} should carry OpenVINO's plugin {} and its notices",
            archive.display(),
            plugin.strip_prefix(&unpacked).unwrap_or(plugin).display()
        ),
        None => ensure!(
            !dir.join(OPENVINO_FOLDER).exists(),
            "{} carries an {OPENVINO_FOLDER}/ folder, but OpenVINO does not ship for {}",
            archive.display(),
            target.triple()
        ),
    }

    // A work folder outside the unpacked one, with inputs made by the project.
    let work = root.join("work");
    std::fs::create_dir_all(&work)?;
    Artwork::Mosaic
        .render(SMALL.0, SMALL.1, 1)
        .save(work.join("content.png"))?;
    Artwork::Swirl
        .render(SMALL.0 * 5 / 4, SMALL.1, 2)
        .save(work.join("style.png"))?;

    let runner = Runner::prepare(target, &root, tools)?;
    let result = exercise(
        target,
        &runner,
        &Unpacked {
            binary: &binary,
            library: &library,
            model: &model,
            openvino: openvino.as_deref(),
        },
        &work,
        reference.map(PathBuf::as_path),
    );
    runner.finish();
    let checked = result?;
    tracing::info!(
        "checked {}: the unpacked archive stylizes a {}×{} image in {:.1} s{}, {}",
        target.triple(),
        SMALL.0,
        SMALL.1,
        checked.stylize_seconds,
        match runner {
            Runner::Native => "",
            Runner::Qemu { .. } => " under qemu-aarch64",
            Runner::Wine { .. } => " under wine",
        },
        checked.psnr_db.map_or(
            "the reference for the other platforms".to_string(),
            |db| format!("{db:.1} dB from this machine's fp32 result")
        )
    );
    Ok(checked)
}

/// The files of an unpacked archive that its check runs.
struct Unpacked<'a> {
    binary: &'a Path,
    library: &'a Path,
    model: &'a Path,
    /// OpenVINO's plugin, where the archive carries one.
    openvino: Option<&'a Path>,
}

fn exercise(
    target: Target,
    runner: &Runner,
    unpacked: &Unpacked,
    work: &Path,
    reference: Option<&Path>,
) -> Result<Checked> {
    let Unpacked {
        binary,
        library,
        model,
        openvino,
    } = *unpacked;
    let run = |args: &[&str]| -> Result<Output> {
        let output = runner
            .command(binary, work)
            .args(args)
            .output()
            .with_context(|| format!("running {}", binary.display()))?;
        if !output.status.success() {
            bail!(
                "`{} {}` failed ({}):\n{}{}",
                binary.display(),
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(output)
    };

    let version = String::from_utf8_lossy(&run(&["--version"])?.stdout).into_owned();
    for expected in [
        format!("target        {}", target.triple()),
        format!(
            "onnx runtime  {ONNX_RUNTIME_VERSION} ({})",
            runner.shown(library)
        ),
    ] {
        ensure!(
            version.contains(&expected),
            "`adain --version` should say {expected:?}:\n{version}"
        );
    }
    let info = String::from_utf8_lossy(&run(&["info"])?.stdout).into_owned();
    ensure!(
        info.contains(&runner.shown(model)),
        "adain did not use the model in {}:\n{info}",
        runner.shown(model)
    );

    let style_size = SMALL.1.to_string();
    let small = [
        "stylize",
        "content.png",
        "--style",
        "style.png",
        "--style-size",
        &style_size,
        "--precision",
        "fp32",
        "-o",
    ];
    let start = Instant::now();
    run(&[&small[..], &["out.png"]].concat())?;
    let stylize_seconds = start.elapsed().as_secs_f64();
    check_size(&work.join("out.png"), SMALL)?;

    // This machine's own build, on the same model (the unpacked one) and inputs.
    let psnr_db = match reference {
        Some(reference) => {
            let status = std::process::Command::new(reference)
                .args(small)
                .arg("reference.png")
                .arg("--model")
                .arg(model)
                .arg("--quiet")
                .current_dir(work)
                .status()
                .with_context(|| format!("running {}", reference.display()))?;
            ensure!(
                status.success(),
                "{} failed ({status})",
                reference.display()
            );
            let db = psnr(&work.join("out.png"), &work.join("reference.png"))?;
            ensure!(
                db >= MIN_PSNR_DB,
                "the {} build's result is {db:.1} dB from this machine's fp32 result (want ≥ {MIN_PSNR_DB} dB)",
                target.triple()
            );
            Some(db)
        }
        None => None,
    };

    // The same stylization on OpenVINO's plugin from the archive (full precision, as the CPU
    // provider's; only float rounding apart).
    if let Some(plugin) = openvino {
        let info =
            String::from_utf8_lossy(&run(&["info", "--ep", "openvino"])?.stdout).into_owned();
        ensure!(
            info.contains(&format!("OpenVINO plugin {}", runner.shown(plugin))),
            "adain did not load OpenVINO's plugin {}:\n{info}",
            runner.shown(plugin)
        );
        run(&[&small[..], &["openvino.png", "--ep", "openvino"]].concat())?;
        let db = psnr(&work.join("out.png"), &work.join("openvino.png"))?;
        ensure!(
            db >= MIN_PSNR_DB,
            "the {} build's OpenVINO result is {db:.1} dB from its CPU result (want ≥ {MIN_PSNR_DB} dB)",
            target.triple()
        );
        tracing::info!(
            "{}: OpenVINO's result {db:.1} dB from the CPU provider's",
            target.triple()
        );
    }

    if let Runner::Native = runner {
        Artwork::Mosaic
            .render(LARGE.0, LARGE.1, 1)
            .save(work.join("large.png"))?;
        run(&[
            "stylize",
            "large.png",
            "--style",
            "style.png",
            "-o",
            "large-out.png",
        ])?;
        check_size(&work.join("large-out.png"), LARGE)?;
    }
    Ok(Checked {
        stylize_seconds,
        psnr_db,
    })
}

fn unpack(archive: &Path, into: &Path) -> Result<()> {
    let file = File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    if archive.extension().is_some_and(|e| e == "zip") {
        zip::ZipArchive::new(file)?.extract(into)
    } else {
        tar::Archive::new(GzDecoder::new(file))
            .unpack(into)
            .map_err(Into::into)
    }
    .with_context(|| format!("unpacking {}", archive.display()))
}

fn check_size(path: &Path, expected: (u32, u32)) -> Result<()> {
    let size = image::image_dimensions(path)
        .with_context(|| format!("reading the result {}", path.display()))?;
    ensure!(
        size == expected,
        "{} is {}×{}, the content is {}×{}",
        path.display(),
        size.0,
        size.1,
        expected.0,
        expected.1
    );
    Ok(())
}

/// PSNR of two 8-bit RGB images of one size, in dB (infinite when equal).
fn psnr(a: &Path, b: &Path) -> Result<f64> {
    let load = |p: &Path| -> Result<image::RgbImage> {
        Ok(image::open(p)
            .with_context(|| format!("reading {}", p.display()))?
            .to_rgb8())
    };
    let (a, b) = (load(a)?, load(b)?);
    ensure!(
        a.dimensions() == b.dimensions(),
        "the two results differ in size"
    );
    Ok(adain_test_kit::psnr::of(a.as_raw(), b.as_raw()))
}

/// The binary and the library need glibc ≤ the version they were linked for, and older than this
/// machine's: the point of linking with zig.
fn check_glibc(binary: &Path, library: &Path) -> Result<()> {
    let needed =
        glibc_requirement(&[binary, library])?.context("no GLIBC_ symbol versions found")?;
    ensure!(
        super::version_le(&needed, GLIBC),
        "{} and {} need glibc {needed}, more than {GLIBC}",
        binary.display(),
        library.display()
    );
    if let Some(host) = super::host_glibc() {
        ensure!(
            super::version_le(&needed, &host) && needed != host,
            "the release needs glibc {needed}, not older than this machine's {host}"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psnr_of_equal_and_of_off_by_one_images() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.png");
        let b = dir.path().join("b.png");
        image::RgbImage::from_pixel(4, 4, image::Rgb([10, 20, 30]))
            .save(&a)
            .unwrap();
        assert_eq!(psnr(&a, &a).unwrap(), f64::INFINITY);
        image::RgbImage::from_pixel(4, 4, image::Rgb([11, 21, 31]))
            .save(&b)
            .unwrap();
        // MSE 1 → 20·log10(255) = 48.13 dB.
        assert!((psnr(&a, &b).unwrap() - 48.13).abs() < 0.01);
    }
}
