//! The same pictures from the run's held-out images, kept under target/ (the shared training images
//! carry no licence to redistribute), and the card's list of the validation split.

use std::path::{Path, PathBuf};

use adain::package::ModelPackage;
use anyhow::{Context, Result};

use super::{markdown::short, pictures};
use crate::paths::{shared_data, target_dir, workspace_root};

/// How many held-out contents and styles the pictures take, spread over the list.
const SHOWN: usize = 4;

/// Draws the held-out pictures; returns what the card says of them and the split, or nothing (with
/// the reason logged) when the run's list or its images are not here.
pub fn section(run_dir: &Path, package: &ModelPackage) -> Result<String> {
    let list = run_dir.join("validation_files.txt");
    if !list.is_file() {
        let hint = "pass --run-dir, the training run of this model";
        tracing::warn!(
            "{} not found: no held-out pictures ({hint})",
            list.display()
        );
        return Ok(String::new());
    }
    let (contents, styles) = files(&list, &shared_data())?;
    if contents.is_empty() || styles.len() < 4 {
        let (c, s) = (contents.len(), styles.len());
        let found = format!("{c} content and {s} style images found here (need 1 and 4)");
        tracing::warn!("{} lists {found}: no held-out pictures", list.display());
        return Ok(String::new());
    }
    let names: Vec<String> = contents
        .iter()
        .chain(&styles)
        .map(|p| short(&p.to_string_lossy()))
        .collect();
    let (contents, styles) = (spread(&contents), spread(&styles));
    let dir = target_dir().join("model-card").join("held-out");
    for (path, bytes) in pictures::draw(package, &contents, &styles, &dir)? {
        let kb = bytes as f64 / 1e3;
        println!("{kb:>9.1} kB  {} (not committed)", path.display());
    }
    Ok(format!(
        "The same pictures (both grids, the α sweep and the interpolation) from held-out training \
         images ({} contents × {} styles) are rebuilt by `cargo xtask model-card` in `{}`; they stay \
         out of the repository because the shared training images carry no licence to redistribute.\
         \n\n## Validation split\n\n{} files held out of training, for the validation loss and the \
         held-out pictures:\n\n```text\n{}\n```\n\n",
        contents.len(),
        styles.len(),
        dir.strip_prefix(workspace_root()).unwrap_or(&dir).display(),
        names.len(),
        names.join("\n")
    ))
}

/// The contents and styles a run lists in `validation_files.txt`, found where the list says or,
/// for a run made elsewhere, by their set/kind/name under `data`; files in neither place are left out.
fn files(list: &Path, data: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let text =
        std::fs::read_to_string(list).with_context(|| format!("reading {}", list.display()))?;
    let (mut contents, mut styles) = (Vec::new(), Vec::new());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let path = Some(PathBuf::from(line)).filter(|p| p.is_file());
        let found = path.unwrap_or_else(|| data.join(short(line)));
        let kind = found
            .parent()
            .and_then(Path::file_name)
            .and_then(|k| k.to_str());
        match kind {
            Some("content") if found.is_file() => contents.push(found),
            Some("style") if found.is_file() => styles.push(found),
            _ => {}
        }
    }
    Ok((contents, styles))
}

/// `SHOWN` items spread evenly over `all` (all of them when there are fewer).
fn spread(all: &[PathBuf]) -> Vec<PathBuf> {
    let n = SHOWN.min(all.len());
    (0..n).map(|i| all[i * all.len() / n].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_files_are_found_when_moved_and_a_few_are_shown() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        for file in [
            "train-hr/content/a.jpg",
            "train/style/b.jpg",
            "train/content/a.jpg",
        ] {
            std::fs::create_dir_all(data.join(file).parent().unwrap()).unwrap();
            std::fs::write(data.join(file), b"x").unwrap();
        }
        let list = dir.path().join("validation_files.txt");
        let lines =
            "/elsewhere/train-hr/content/a.jpg\n/x/train/style/b.jpg\n/x/train/style/gone.jpg";
        std::fs::write(&list, lines).unwrap();
        // train-hr's a.jpg, not train's file of the same name; the missing file left out.
        let (contents, styles) = files(&list, &data).unwrap();
        assert_eq!(contents, [data.join("train-hr/content/a.jpg")]);
        assert_eq!(styles, [data.join("train/style/b.jpg")]);
        let all: Vec<PathBuf> = (0..10).map(|i| PathBuf::from(i.to_string())).collect();
        assert_eq!(spread(&all), ["0", "2", "5", "7"].map(PathBuf::from));
        assert_eq!(spread(&all[..3]), all[..3]);
    }
}
