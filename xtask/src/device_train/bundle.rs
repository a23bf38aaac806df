//! The bundle a remote GPU machine trains from, in `target/device-train/`: the binary, the data mix
//! re-encoded into parts that each fit one call's transfer, the lists naming them, and `run.sh`.
//!
//! A call carries at most 64 MiB including the work tree (about half of it the model packages), so
//! the ~100 MB of training images travel over several calls into a machine that stays warm between
//! them; the last call trains.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

use crate::train_default::data_mix::{Entry, Mix};

/// What one device call may carry, the work tree included.
pub const CALL_BYTES: u64 = 64 << 20;
/// Kept free in each call for files that change after packing (a re-exported package, notes).
const MARGIN_BYTES: u64 = 3 << 20;
/// Training resizes every image to this shorter side; larger ones are shrunk before they travel.
pub const SHORTER_SIDE: u32 = 512;

/// The bundle folder, relative to the workspace root (where the device machine runs it from).
pub const DIR: &str = "target/device-train";

/// One image of the mix as it travels: its part, its file name there, and its list weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    pub part: usize,
    pub file: String,
    pub weight: f64,
}

/// The name an image gets in the bundle: its `set/kind/file` name, flattened.
pub fn flat_name(entry: &Entry) -> String {
    entry.name.replace('/', "_")
}

/// Assigns each encoded image (its size in bytes) to the first part with room, in order: part 1
/// has `first` bytes, the others `rest` each. An image larger than a part is an error.
pub fn assign_parts(sizes: &[u64], first: u64, rest: u64) -> Result<Vec<usize>> {
    let mut parts = Vec::with_capacity(sizes.len());
    let (mut part, mut used) = (1usize, 0u64);
    for (i, &size) in sizes.iter().enumerate() {
        let room = |part| if part == 1 { first } else { rest };
        if used + size > room(part) {
            part += 1;
            used = 0;
            if size > room(part) {
                bail!(
                    "image {i} is {size} bytes, more than a part holds ({})",
                    room(part)
                );
            }
        }
        used += size;
        parts.push(part);
    }
    Ok(parts)
}

/// The files of the work tree that travels with every call (relative names): tracked files and
/// untracked ones git does not ignore.
pub fn work_tree_files(root: &Path) -> Result<Vec<String>> {
    let out = Command::new("git")
        .current_dir(root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .context("running git ls-files")?;
    if !out.status.success() {
        bail!("git ls-files failed in {}", root.display());
    }
    out.stdout
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| String::from_utf8(n.to_vec()).context("a file name is not UTF-8"))
        .collect()
}

/// Bytes of the work tree that travels with every call.
pub fn work_tree_bytes(root: &Path) -> Result<u64> {
    Ok(work_tree_files(root)?
        .iter()
        .filter_map(|name| std::fs::metadata(root.join(name)).ok())
        .map(|m| m.len())
        .sum())
}

/// What each call may carry beside the work tree.
pub fn carry_budget(tree: u64) -> Result<u64> {
    CALL_BYTES
        .checked_sub(tree + MARGIN_BYTES)
        .filter(|&b| b >= 8 << 20)
        .with_context(|| {
            format!(
                "the work tree is {} MiB: too little of a call's {} MiB is left for the bundle",
                tree >> 20,
                CALL_BYTES >> 20
            )
        })
}

/// The image as it travels: a JPEG no larger than training needs goes as it is (no generation
/// loss); any other is shrunk to shorter side [`SHORTER_SIDE`] if larger and encoded at `quality`.
pub fn encode(path: &Path, quality: u8) -> Result<Vec<u8>> {
    let undecodable = || format!("{} could not be decoded", path.display());
    let original = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let format = image::guess_format(&original).with_context(undecodable)?;
    let img = image::load_from_memory_with_format(&original, format)
        .with_context(undecodable)?
        .to_rgb8();
    let (w, h) = img.dimensions();
    let shorter = w.min(h);
    if shorter <= SHORTER_SIDE && format == image::ImageFormat::Jpeg {
        return Ok(original);
    }
    let img = if shorter > SHORTER_SIDE {
        let scale = f64::from(SHORTER_SIDE) / f64::from(shorter);
        let size = |v: u32| ((f64::from(v) * scale).round() as u32).max(SHORTER_SIDE);
        image::imageops::resize(&img, size(w), size(h), FilterType::Lanczos3)
    } else {
        img
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(&img)
        .with_context(|| format!("encoding {}", path.display()))?;
    Ok(bytes)
}

/// The lists of the bundle, `lists/NAME.tsv`, with paths relative to `lists/`.
pub fn list(entries: &[(&Entry, &Packed)]) -> String {
    let mut out = String::new();
    for (_, p) in entries {
        writeln!(out, "../{}/{}\t{}", part_dir(p.part), p.file, p.weight).expect("to a String");
    }
    out
}

pub fn part_dir(part: usize) -> String {
    format!("part-{part}")
}

/// Writes the mix's images into `dir/part-N/` (first part `first` bytes, others `rest`) and returns
/// where each went, in the order of `entries`.
pub fn write_parts(
    entries: &[&Entry],
    dir: &Path,
    quality: u8,
    first: u64,
    rest: u64,
) -> Result<Vec<Packed>> {
    let bar = indicatif::ProgressBar::new(entries.len() as u64);
    bar.set_message("re-encoding the training images");
    let mut encoded = Vec::with_capacity(entries.len());
    for entry in entries {
        encoded.push(encode(&entry.path, quality)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let sizes: Vec<u64> = encoded.iter().map(|b| b.len() as u64).collect();
    let parts = assign_parts(&sizes, first, rest)?;
    let mut packed = Vec::with_capacity(entries.len());
    for ((entry, bytes), part) in entries.iter().zip(&encoded).zip(parts) {
        let folder = dir.join(part_dir(part));
        std::fs::create_dir_all(&folder)?;
        let file = format!(
            "{}.jpg",
            flat_name(entry)
                .trim_end_matches(".jpg")
                .trim_end_matches(".png")
        );
        let path = folder.join(&file);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        packed.push(Packed {
            part,
            file,
            weight: entry.weight,
        });
    }
    Ok(packed)
}

/// The mix's entries in the order they are packed: training and held-out contents, then styles.
pub fn ordered(mix: &Mix) -> Vec<&Entry> {
    mix.content
        .0
        .iter()
        .chain(&mix.content.1)
        .chain(&mix.style.0)
        .chain(&mix.style.1)
        .collect()
}

/// A folder's total file size (recursively).
pub fn folder_bytes(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else {
        return 0;
    };
    if meta.is_file() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| folder_bytes(&e.path()))
        .sum()
}

/// `run.sh` for this bundle: the recipe's arguments of a new run, the iteration target and the
/// minutes the training call trains for.
pub fn run_script(new_run_args: &[String], iters: u64, minutes: f64) -> String {
    let quoted: Vec<String> = new_run_args.iter().map(|a| shell_quote(a)).collect();
    include_str!("run.sh")
        .replace("{{TORCH_VERSION}}", super::build::DEVICE_TORCH)
        .replace("{{NEW_RUN_ARGS}}", &quoted.join(" "))
        .replace("{{ITERS}}", &iters.to_string())
        .replace("{{MINUTES}}", &minutes.to_string())
}

fn shell_quote(arg: &str) -> String {
    if arg
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:+".contains(c))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// One device call: what it carries and what it runs.
pub struct Call {
    pub carry: Vec<PathBuf>,
    pub command: String,
    pub timeout_s: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_fill_the_parts_in_order_and_none_overflows() {
        let sizes = [4, 4, 4, 9, 1, 10];
        let parts = assign_parts(&sizes, 8, 10).unwrap();
        assert_eq!(parts, [1, 1, 2, 3, 3, 4]);
        for part in 1..=4 {
            let room = if part == 1 { 8 } else { 10 };
            let used: u64 = sizes
                .iter()
                .zip(&parts)
                .filter(|(_, &p)| p == part)
                .map(|(s, _)| s)
                .sum();
            assert!(used <= room, "part {part}: {used} > {room}");
        }
        let err = assign_parts(&[3, 11], 8, 10).unwrap_err().to_string();
        assert!(err.contains("image 1") && err.contains("11 bytes"), "{err}");
    }

    #[test]
    fn a_tree_too_large_for_a_call_is_refused() {
        assert_eq!(carry_budget(30 << 20).unwrap(), (64 - 30 - 3) << 20);
        let err = carry_budget(60 << 20).unwrap_err().to_string();
        assert!(err.contains("60 MiB"), "{err}");
    }

    #[test]
    fn the_script_names_the_recipe_and_is_valid_bash() {
        let args = vec![
            "--lr".to_string(),
            "1e-4".into(),
            "--content-dir".into(),
            "a b.tsv".into(),
        ];
        let script = run_script(&args, 160_000, 7.5);
        assert!(!script.contains("{{"), "every placeholder is filled");
        assert!(
            script.contains("stage=(--lr 1e-4 --content-dir 'a b.tsv')"),
            "{script}"
        );
        assert!(script.contains("minutes=${ADAIN_MINUTES:-7.5}"));
        assert!(script.contains("--max-minutes \"$minutes\""));
        assert!(script.contains("\"${precision[@]}\""));
        assert!(script.contains("2.11.0*)"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.sh");
        std::fs::write(&path, &script).unwrap();
        let status = Command::new("bash").arg("-n").arg(&path).status().unwrap();
        assert!(status.success(), "bash -n rejects the script");
    }

    #[test]
    fn large_images_are_shrunk_to_the_training_size_and_small_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let pixels = |w, h| {
            image::RgbImage::from_fn(w, h, |x, y| {
                image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
            })
        };
        for (name, (w, h), expect) in [
            ("large.jpg", (1200, 900), (683, 512)),
            ("small.png", (300, 450), (300, 450)),
        ] {
            let path = dir.path().join(name);
            pixels(w, h).save(&path).unwrap();
            let bytes = encode(&path, 90).unwrap();
            assert_eq!(
                image::guess_format(&bytes).unwrap(),
                image::ImageFormat::Jpeg,
                "{name}"
            );
            let back = image::load_from_memory(&bytes).unwrap();
            assert_eq!((back.width(), back.height()), expect, "{name}");
        }
        let small_jpeg = dir.path().join("small.jpg");
        pixels(512, 600).save(&small_jpeg).unwrap();
        assert_eq!(
            encode(&small_jpeg, 90).unwrap(),
            std::fs::read(&small_jpeg).unwrap(),
            "a JPEG at the training size travels as it is"
        );
        let broken = dir.path().join("broken.jpg");
        std::fs::write(&broken, b"not a jpeg").unwrap();
        let err = format!("{:#}", encode(&broken, 90).unwrap_err());
        assert!(
            err.contains("broken.jpg") && err.contains("decoded"),
            "{err}"
        );
    }
}
