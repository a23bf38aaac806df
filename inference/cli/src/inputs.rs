//! Turning the paths on the command line into lists of files, and naming results.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::exit::usage;

/// Files as given, folders replaced by the images inside them (not recursive), sorted by name.
pub fn expand_images(paths: &[PathBuf], what: &str) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let inside = adain::image_io::images_in(path)
                .with_context(|| format!("reading the {what} folder {}", path.display()))?;
            if inside.is_empty() {
                bail!(
                    "{}: no images in this {what} folder (looked for {})",
                    path.display(),
                    adain::image_io::IMAGE_EXTENSIONS.join(", ")
                );
            }
            files.extend(inside);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            bail!("{}: no such {what} file or folder", path.display());
        }
    }
    Ok(files)
}

/// The file name without its extension.
pub fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned())
}

/// `<content-stem>_stylized_<style-label>.<content-ext>`; the content's extension when we can
/// write that format, else png.
pub fn result_name(content: &Path, style_label: &str) -> String {
    let ext = content
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .filter(|e| adain::image_io::check_output_format(Path::new(&format!("x.{e}"))).is_ok())
        .unwrap_or_else(|| "png".into());
    format!("{}_stylized_{style_label}.{ext}", stem(content))
}

/// Where the results go: `-o` is an image path for a single result, otherwise a folder.
pub fn result_paths(output: Option<&Path>, names: &[String]) -> Result<Vec<PathBuf>> {
    let output = output.unwrap_or(Path::new("."));
    // A path with an image extension names a file (and must be a format we write); anything else
    // is a folder.
    let names_a_file = !output.is_dir() && image::ImageFormat::from_path(output).is_ok();
    if names_a_file {
        adain::image_io::check_output_format(output)?;
    }
    let paths: Vec<PathBuf> = if names_a_file {
        if names.len() != 1 {
            return Err(usage(format!(
                "-o {} names one image, but this run makes {} results: give a folder instead",
                output.display(),
                names.len()
            )));
        }
        vec![output.to_path_buf()]
    } else {
        names.iter().map(|n| output.join(n)).collect()
    };
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = paths.iter().find(|p| !seen.insert(*p)) {
        return Err(usage(format!("two results would both be written to {} (inputs with the same name in different folders?)", dup.display())));
    }
    Ok(paths)
}

/// Creates the folders the results go into, before any work is done.
pub fn create_parent_dirs(paths: &[PathBuf]) -> Result<()> {
    let mut done = std::collections::HashSet::new();
    for dir in paths
        .iter()
        .filter_map(|p| p.parent())
        .filter(|d| !d.as_os_str().is_empty())
    {
        if done.insert(dir) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("{}: cannot create the output folder", dir.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_content() {
        assert_eq!(
            result_name(Path::new("a/cat.JPG"), "wave"),
            "cat_stylized_wave.JPG"
        );
        assert_eq!(
            result_name(Path::new("a/cat.gif"), "wave"),
            "cat_stylized_wave.png"
        );
    }

    #[test]
    fn one_result_may_go_to_a_file_many_need_a_folder() {
        let one = result_paths(Some(Path::new("out.png")), &["x.png".into()]).unwrap();
        assert_eq!(one, vec![PathBuf::from("out.png")]);
        assert!(result_paths(
            Some(Path::new("out.png")),
            &["x.png".into(), "y.png".into()]
        )
        .is_err());
        let many =
            result_paths(Some(Path::new("outdir")), &["x.png".into(), "y.png".into()]).unwrap();
        assert_eq!(many[1], PathBuf::from("outdir/y.png"));
    }
}
