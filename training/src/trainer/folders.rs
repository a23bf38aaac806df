//! The run's image folders: training folders, and validation folders (explicit, or held out of the
//! training ones, with the held-out files listed in the run folder).

use std::path::Path;

use crate::checkpoint::TrainConfig;
use crate::data::ImageFolder;
use crate::error::{Result, TrainError};

pub(super) type Folders = (ImageFolder, ImageFolder, Option<(ImageFolder, ImageFolder)>);

/// Training content and style folders, and the validation pair of folders if any.
pub(super) fn datasets(config: &TrainConfig, run_dir: &Path) -> Result<Folders> {
    let (mut content, mut style) = (scan(&config.content_dir)?, scan(&config.style_dir)?);
    let mut validation = match (&config.val_content, &config.val_style) {
        (Some(c), Some(s)) => Some((scan(c)?, scan(s)?)),
        (None, None) => None,
        _ => {
            return Err(TrainError::Config(
                "--val-content and --val-style go together".into(),
            ))
        }
    };
    if config.holdout > 0.0 {
        let (ck, ch) = content.split(config.holdout);
        let (sk, sh) = style.split(config.holdout);
        if ch.is_empty() || sh.is_empty() || ck.is_empty() || sk.is_empty() {
            return Err(TrainError::Config(format!(
                "--holdout {} leaves a training or validation folder empty",
                config.holdout
            )));
        }
        list_held_out(&ch, &sh, run_dir)?;
        (content, style) = (ck, sk);
        validation = Some((ch, sh));
    }
    tracing::info!(
        "training on {} content and {} style images",
        content.len(),
        style.len()
    );
    Ok((content, style, validation))
}

/// A folder's images; undecodable files are skipped with a warning.
fn scan(dir: &str) -> Result<ImageFolder> {
    let (folder, report) = ImageFolder::scan(Path::new(dir))?;
    if !report.skipped.is_empty() {
        tracing::warn!(
            "{dir}: skipped {} undecodable files (first: {})",
            report.skipped.len(),
            report.skipped[0].display()
        );
    }
    Ok(folder)
}

/// `validation_files.txt`: the held-out files, one a line, for evaluation and the model card.
fn list_held_out(content: &ImageFolder, style: &ImageFolder, run_dir: &Path) -> Result<()> {
    let list: String = content
        .files
        .iter()
        .chain(&style.files)
        .map(|f| format!("{}\n", f.display()))
        .collect();
    let path = run_dir.join("validation_files.txt");
    std::fs::write(&path, list).map_err(|e| TrainError::io(&path, e))
}
