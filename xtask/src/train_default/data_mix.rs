//! The default model's data: the shared sets' images by provenance group, filtered by resolution,
//! weighted into a mix and split into training and held-out lists for `adain-train`.
//!
//! Why the weights: 510 of the 616 high-resolution artworks are AI-generated paintings from one
//! repository. Measured at 512 px (the model card's data section), they carry half the fine texture
//! of the real artworks (Laplacian RMS 0.074 against 0.144) and flatter tones (luma entropy 4.25
//! against 5.37 bits), so a real artwork is drawn `REAL_ART_WEIGHT` times as often as an AI one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// How much more often a real artwork is drawn than an AI-generated painting.
pub const REAL_ART_WEIGHT: f64 = 4.0;
/// Images whose shorter side is below this are left out: resizing them to 512 would blur them.
pub const MIN_SIDE: u32 = 400;
/// Share of each group held out for validation (by a hash of the image's path, so it is stable).
pub const HELD_OUT: f64 = 0.05;
/// The repository of AI-generated paintings in `train-hr`.
const AI_PAINTINGS: &str = "LoganSevin/1000-Paintings-Challenge";

/// One image of the mix.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub path: PathBuf,
    /// `set/kind/file`, e.g. `train-hr/style/0001.jpg`: what the held-out split hashes.
    pub name: String,
    pub group: &'static str,
    pub weight: f64,
}

/// The content and style images of the mix, each split into (training, held out).
pub struct Mix {
    pub content: (Vec<Entry>, Vec<Entry>),
    pub style: (Vec<Entry>, Vec<Entry>),
}

/// The mix of the team's shared data sets (`../shared/data`).
pub fn shared() -> Result<Mix> {
    let data = crate::paths::shared_data();
    let data = std::fs::canonicalize(&data)
        .with_context(|| format!("{}: the shared training data", data.display()))?;
    build(&data)
}

/// Reads `train-hr` and `train` under `data` (their SOURCES.tsv) into the mix.
pub fn build(data: &Path) -> Result<Mix> {
    let mut content = Vec::new();
    let mut style = Vec::new();
    for set in ["train-hr", "train"] {
        for row in sources(&data.join(set))? {
            let path = data.join(set).join(&row.file);
            let (w, h) = image::image_dimensions(&path)
                .with_context(|| format!("reading the size of {}", path.display()))?;
            if w.min(h) < MIN_SIDE {
                continue;
            }
            let (group, weight) = match (row.kind.as_str(), set) {
                ("content", "train-hr") => ("photos (train-hr)", 1.0),
                ("content", _) => ("photos ≥ 400 px (train)", 1.0),
                ("style", "train-hr") if row.repository == AI_PAINTINGS => {
                    ("AI paintings (train-hr)", 1.0)
                }
                ("style", "train-hr") => ("real art (train-hr)", REAL_ART_WEIGHT),
                ("style", _) => ("real art ≥ 400 px (train)", REAL_ART_WEIGHT),
                (kind, _) => bail!("{}: unknown kind {kind:?}", data.join(set).display()),
            };
            let entry = Entry {
                path,
                name: format!("{set}/{}", row.file),
                group,
                weight,
            };
            if row.kind == "content" {
                content.push(entry);
            } else {
                style.push(entry);
            }
        }
    }
    Ok(Mix {
        content: split(content),
        style: split(style),
    })
}

struct Row {
    kind: String,
    file: String,
    repository: String,
}

/// The rows of a set's SOURCES.tsv (kind, file, repository, …).
fn sources(set: &Path) -> Result<Vec<Row>> {
    let path = set.join("SOURCES.tsv");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            bail!(
                "{} line {}: expected kind, file, repository",
                path.display(),
                i + 1
            );
        }
        rows.push(Row {
            kind: cols[0].into(),
            file: cols[1].into(),
            repository: cols[2].into(),
        });
    }
    Ok(rows)
}

/// (training, held out), by a hash of each entry's name.
fn split(entries: Vec<Entry>) -> (Vec<Entry>, Vec<Entry>) {
    let (held, kept): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .partition(|e| (fnv1a(e.name.as_bytes()) % 10_000) as f64 / 10_000.0 < HELD_OUT);
    (kept, held)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100000001b3)
    })
}

/// An `adain-train` list: `path<TAB>weight` a line.
pub fn list(entries: &[Entry]) -> String {
    let mut out = String::new();
    for e in entries {
        writeln!(out, "{}\t{}", e.path.display(), e.weight).expect("writing to a String");
    }
    out
}

/// The evaluation pairs' images, from the held-out ones: every third photograph (8 at most), and
/// for styles every real artwork plus every ninth AI painting (5 at most), since real art is what
/// users bring.
pub fn eval_subset(held_contents: &[Entry], held_styles: &[Entry]) -> (Vec<Entry>, Vec<Entry>) {
    let contents = held_contents.iter().step_by(3).take(8).cloned().collect();
    let real = held_styles.iter().filter(|e| e.weight > 1.0);
    let ai = held_styles
        .iter()
        .filter(|e| e.weight <= 1.0)
        .step_by(9)
        .take(5);
    (contents, real.chain(ai).cloned().collect())
}

/// Per group: images, and the share of draws they get (for the log and the model card).
pub fn shares(entries: &[Entry]) -> BTreeMap<&'static str, (usize, f64)> {
    let total: f64 = entries.iter().map(|e| e.weight).sum();
    let mut groups = BTreeMap::new();
    for e in entries {
        let g = groups.entry(e.group).or_insert((0, 0.0));
        g.0 += 1;
        g.1 += e.weight / total;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, weight: f64) -> Entry {
        Entry {
            path: PathBuf::from("/data").join(name),
            name: name.into(),
            group: if weight > 1.0 { "real" } else { "ai" },
            weight,
        }
    }

    #[test]
    fn the_split_is_stable_and_the_shares_follow_the_weights() {
        let entries: Vec<Entry> = (0..400)
            .map(|i| {
                entry(
                    &format!("train-hr/style/{i:04}.jpg"),
                    if i < 100 { 4.0 } else { 1.0 },
                )
            })
            .collect();
        let (kept, held) = split(entries.clone());
        assert_eq!(kept.len() + held.len(), 400);
        assert!((8..=35).contains(&held.len()), "{} held out", held.len());
        let again = split(entries.into_iter().rev().collect());
        let names = |v: &[Entry]| {
            let mut n: Vec<_> = v.iter().map(|e| e.name.clone()).collect();
            n.sort();
            n
        };
        assert_eq!(names(&held), names(&again.1), "order does not matter");
        let all: Vec<Entry> = kept.into_iter().chain(held).collect();
        let shares = shares(&all);
        // 100 images of weight 4 against 300 of weight 1: 400 / 700 of the draws.
        assert_eq!(shares["real"].0, 100);
        assert!((shares["real"].1 - 4.0 / 7.0).abs() < 1e-9);
        assert!(list(&all[..1]).ends_with("train-hr/style/0000.jpg\t4\n"));
    }

    #[test]
    fn the_shared_sets_give_the_documented_mix() {
        let Some(data) = adain_test_kit::shared_file("data/train-hr/SOURCES.tsv")
            .and_then(|sources| Some(sources.parent()?.parent()?.to_path_buf()))
        else {
            return;
        };
        let mix = build(&data).unwrap();
        let style: Vec<Entry> = mix.style.0.iter().chain(&mix.style.1).cloned().collect();
        let shares = shares(&style);
        assert_eq!(shares["AI paintings (train-hr)"].0, 510);
        assert!(shares["real art (train-hr)"].0 >= 100);
        let real: f64 = shares
            .iter()
            .filter(|(g, _)| g.starts_with("real art"))
            .map(|(_, s)| s.1)
            .sum();
        assert!(
            (0.5..0.65).contains(&real),
            "real art drawn {real:.2} of the time"
        );
        assert!(!mix.content.1.is_empty() && !mix.style.1.is_empty());
        let content = mix.content.0.len() + mix.content.1.len();
        assert!(content >= 418, "{content} photos");
        let (contents, styles) = eval_subset(&mix.content.1, &mix.style.1);
        assert!(contents.len() <= 8 && !contents.is_empty());
        let real = styles.iter().filter(|e| e.weight > 1.0).count();
        assert!(
            real >= 1 && styles.len() - real <= 5,
            "{real} of {}",
            styles.len()
        );
    }
}
