//! Medians, ratios and PSNRs from the measurements, written as target/bench/bench.md (tables) and
//! bench.json (everything, every sample). Numbers are reported, never asserted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use adain_models::manifest::Validation;
use anyhow::Result;
use serde_json::json;

use super::runs::{HiRes, OneShot};
use super::workers::{Measured, Runner, MODES};

/// Stage columns, in pipeline order; the first and last are image I/O, which only the Rust worker
/// does and which *compute* leaves out.
const STAGES: [&str; 6] = [
    "image_decode",
    "content_encode",
    "style_encode",
    "adain",
    "decode",
    "image_encode",
];

/// One contestant, size and mode, summarised by medians over the repetitions.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub size: u32,
    pub runner: Runner,
    pub precision: String,
    pub mode: String,
    /// Content encode + style encode + AdaIN + decode: what every contestant does.
    pub compute_ms: f64,
    /// The whole request, image decoding and encoding included.
    pub end_to_end_ms: f64,
    pub stages_ms: BTreeMap<String, f64>,
    pub peak_rss_mib: Option<f64>,
    /// Of the warm-up `full` result against the Rust fp32 one at this size (infinite: identical).
    pub psnr_vs_adain_fp32_db: Option<f64>,
    /// JSON has no infinity: the PSNR above is null there, and this says why.
    pub identical_to_adain_fp32: bool,
    /// compute ÷ ORT-Python's at the same precision and mode, and ÷ its fp32 full pipeline.
    pub vs_ort_same: Option<f64>,
    pub vs_ort_fp32_full: Option<f64>,
}

pub fn rows(measured: &[Measured]) -> Vec<Row> {
    let mut rows = Vec::new();
    for m in measured {
        let reference = measured.iter().find(|r| {
            r.size == m.size
                && r.contestant.runner == Runner::Adain
                && r.contestant.precision == "fp32"
        });
        let psnr = reference.and_then(|r| psnr_files(&r.output, &m.output));
        for (mode, samples) in &m.samples {
            let total = |io: bool| {
                let sums = samples.iter().map(|s| {
                    let counted = s.iter().filter(|(k, _)| io || !k.starts_with("image_"));
                    counted.map(|(_, v)| v).sum::<f64>()
                });
                median(sums.collect())
            };
            let stages_ms = STAGES
                .iter()
                .filter(|st| samples.iter().any(|s| s.contains_key(**st)))
                .map(|st| {
                    let values = samples.iter().map(|s| s.get(*st).copied().unwrap_or(0.0));
                    (st.to_string(), median(values.collect()))
                })
                .collect();
            rows.push(Row {
                size: m.size,
                runner: m.contestant.runner,
                precision: m.contestant.precision.clone(),
                mode: mode.clone(),
                compute_ms: total(false),
                end_to_end_ms: total(true),
                stages_ms,
                peak_rss_mib: m.peak_rss_mib,
                psnr_vs_adain_fp32_db: psnr,
                identical_to_adain_fp32: psnr.is_some_and(f64::is_infinite),
                vs_ort_same: None,
                vs_ort_fp32_full: None,
            });
        }
    }
    let ort = |rows: &[Row], size: u32, precision: &str, mode: &str| {
        let row = rows.iter().find(|r| {
            (r.size, r.runner, r.precision.as_str(), r.mode.as_str())
                == (size, Runner::OrtPython, precision, mode)
        });
        row.map(|r| r.compute_ms)
    };
    let snapshot = rows.clone();
    for row in &mut rows {
        row.vs_ort_same =
            ort(&snapshot, row.size, &row.precision, &row.mode).map(|o| row.compute_ms / o);
        row.vs_ort_fp32_full = ort(&snapshot, row.size, "fp32", "full").map(|o| row.compute_ms / o);
    }
    rows
}

/// Everything a report holds beside the rows.
pub struct Report<'a> {
    /// Environment and settings, for both files.
    pub info: BTreeMap<String, String>,
    /// Per reduced precision, its quality gate as the export recorded it in the manifest: PSNR
    /// against fp32 over held-out pairs (the bench's own image pair is one pair, not a validation set).
    pub validations: BTreeMap<String, Validation>,
    pub measured: &'a [Measured],
    pub oneshots: &'a [OneShot],
    pub hires: &'a [HiRes],
}

/// Writes bench.md and bench.json into `out`; returns the markdown.
pub fn write(out: &Path, r: &Report) -> Result<String> {
    let rows = rows(r.measured);
    let mut md = String::from("# adain benchmark\n\n");
    for (k, v) in &r.info {
        let _ = writeln!(md, "- {k}: {v}");
    }
    md.push_str(
        "\nTimes are medians over the repetitions, in ms; *compute* = content encode + style encode (full only) + AdaIN + \
         decode, the work every contestant does (from decoded pixels to 8-bit pixels); the Rust library's image \
         decoding (PNG) and encoding (PNG) are in the stage table. *full* encodes the style image every time; *cached* \
         reuses its statistics (a folder run after its first image, or `--style-stats`). Ratios divide by ORT-Python's \
         compute median at the same size. PSNR compares each warm-up `full` result with the Rust fp32 one.\n\n\
         ## Pipeline\n\n| size | runner | precision | mode | compute ms | × ORT-Python (same) | × ORT-Python fp32 full | peak RSS MiB | PSNR vs adain fp32 |\n\
         |---|---|---|---|---:|---:|---:|---:|---:|\n",
    );
    let key = |r: &Row| {
        format!(
            "| {}² | {} | {} | {} |",
            r.size,
            r.runner.label(),
            r.precision,
            r.mode
        )
    };
    for row in &rows {
        let _ = writeln!(
            md,
            "{} {:.0} | {} | {} | {} | {} |",
            key(row),
            row.compute_ms,
            opt(row.vs_ort_same, |v| format!("{v:.2}×")),
            opt(row.vs_ort_fp32_full, |v| format!("{v:.2}×")),
            opt(row.peak_rss_mib, |v| format!("{v:.0}")),
            opt(row.psnr_vs_adain_fp32_db, db),
        );
    }
    let names: String = STAGES
        .iter()
        .map(|st| format!(" {} |", st.replace('_', " ")))
        .collect();
    let _ = writeln!(
        md,
        "\n## Stages (medians, ms)\n\n| size | runner | precision | mode |{names} end to end |\n|---|---|---|---|{}",
        "---:|".repeat(STAGES.len() + 1)
    );
    for row in &rows {
        let cells: String = STAGES
            .iter()
            .map(|st| {
                format!(
                    " {} |",
                    opt(row.stages_ms.get(*st).copied(), |v| format!("{v:.1}"))
                )
            })
            .collect();
        let _ = writeln!(md, "{}{cells} {:.0} |", key(row), row.end_to_end_ms);
    }
    md.push_str(&oneshot_table(r.oneshots, &rows));
    if !r.hires.is_empty() {
        md.push_str("\n## High resolution\n\n| image | path | wall time | peak RSS | tiling |\n|---|---|---:|---:|---|\n");
    }
    for h in r.hires {
        let _ = writeln!(
            md,
            "| {0}×{0} through `adain stylize` | {1} | {2:.1} s | {3} | {4} |",
            h.side,
            h.path,
            h.seconds,
            opt(h.peak_rss_mib, |v| format!("{v:.0} MiB")),
            h.tiling.as_deref().unwrap_or("-")
        );
    }
    md.push_str(&precisions(&rows, &r.validations));
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("bench.md"), &md)?;
    let json = json!({
        "context": r.info,
        "rows": rows,
        "measured": r.measured,
        "hires": r.hires,
        "oneshot": r.oneshots,
        "validations": r.validations,
        "modes": MODES,
    });
    std::fs::write(
        out.join("bench.json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    Ok(md)
}

/// One-shot processes beside the warm in-session time of the same request (cached statistics,
/// image decoding and encoding included).
fn oneshot_table(oneshots: &[OneShot], rows: &[Row]) -> String {
    if oneshots.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "\n## One-shot process: `adain stylize --style-stats` per image\n\n\
         Whole process (library load, package checks, sessions, first inference, PNG in and out) \
         against the warm in-session time of the same request.\n\n\
         | size | precision | one-shot process (median) | warm in-session | one-shot / warm |\n|---|---|---:|---:|---:|\n",
    );
    for o in oneshots {
        let warm = rows.iter().find(|r| {
            (r.size, r.runner, r.mode.as_str()) == (o.size, Runner::Adain, "cached")
                && r.precision == o.precision
        });
        let warm = warm.map(|r| r.end_to_end_ms);
        let _ = writeln!(
            md,
            "| {0}² | {1} | {2:.0} ms ({3} runs) | {4} | {5} |",
            o.size,
            o.precision,
            o.median_ms,
            o.runs_ms.len(),
            opt(warm, |w| format!("{w:.0} ms")),
            opt(warm, |w| format!("{:.2}×", o.median_ms / w))
        );
    }
    md
}

/// Each precision of our library at 512² with the style statistics reused, beside its quality gate
/// from the manifest, then the fastest precision that passed it.
fn precisions(rows: &[Row], validations: &BTreeMap<String, Validation>) -> String {
    let cached: Vec<&Row> = rows
        .iter()
        .filter(|r| (r.size, r.runner, r.mode.as_str()) == (512, Runner::Adain, "cached"))
        .collect();
    if cached.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n## Precisions (512², style statistics reused)\n\n");
    for r in &cached {
        let gate = match validations.get(&r.precision) {
            Some(v) => format!(
                "{:.1} dB mean, {:.1} dB worst over {} held-out pairs at {}² ({})",
                v.psnr_db,
                v.min_psnr_db,
                v.pairs,
                v.size,
                if v.validated {
                    "validated"
                } else {
                    "not validated"
                }
            ),
            None if r.precision == "fp32" => "itself (the reference)".into(),
            None => "no validation in the manifest".into(),
        };
        let _ = writeln!(
            md,
            "- {}: {} of ORT-Python's fp32 full pipeline; PSNR vs fp32: {gate}, {} on the bench's image pair",
            r.precision,
            opt(r.vs_ort_fp32_full, |v| format!("{v:.2}×")),
            opt(r.psnr_vs_adain_fp32_db, db)
        );
    }
    let validated = |p: &str| p == "fp32" || validations.get(p).is_some_and(|v| v.validated);
    let best = cached
        .iter()
        .filter(|r| validated(&r.precision))
        .min_by(|a, b| a.compute_ms.total_cmp(&b.compute_ms));
    if let Some(r) = best {
        let ratio = opt(r.vs_ort_fp32_full, |v| format!("{v:.2}×"));
        let _ = writeln!(
            md,
            "- fastest validated precision: {} ({ratio})",
            r.precision
        );
    }
    md
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".into(), f)
}

fn db(v: f64) -> String {
    if v.is_infinite() {
        "identical".into()
    } else {
        format!("{v:.1} dB")
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// PSNR of two raw RGB8 files of the same size (infinite when identical).
fn psnr_files(a: &Path, b: &Path) -> Option<f64> {
    let (a, b) = (std::fs::read(a).ok()?, std::fs::read(b).ok()?);
    (a.len() == b.len() && !a.is_empty()).then(|| adain_test_kit::psnr::of(&a, &b))
}

#[cfg(test)]
mod tests {
    use super::super::workers::{Contestant, Stages};
    use super::*;

    fn measured(runner: Runner, precision: &str, ms: &[f64]) -> Measured {
        let stages = |v: f64| {
            Stages::from([
                ("content_encode".to_string(), v / 2.0),
                ("decode".to_string(), v / 2.0),
                ("image_encode".to_string(), 5.0),
            ])
        };
        let samples = |scale: f64| ms.iter().map(|&v| stages(v * scale)).collect();
        Measured {
            contestant: Contestant {
                runner,
                precision: precision.into(),
            },
            size: 512,
            setup_ms: 0.0,
            peak_rss_mib: Some(100.0),
            samples: vec![
                ("full".into(), samples(1.0)),
                ("cached".into(), samples(0.5)),
            ],
            output: "/nonexistent".into(),
        }
    }

    #[test]
    fn ratios_use_medians_of_compute_time() {
        let rows = rows(&[
            measured(Runner::Adain, "fp32", &[90.0, 100.0, 500.0]),
            measured(Runner::OrtPython, "fp32", &[200.0, 200.0, 10.0]),
        ]);
        let ours = rows
            .iter()
            .find(|r| r.runner == Runner::Adain && r.mode == "cached")
            .unwrap();
        assert_eq!((ours.compute_ms, ours.end_to_end_ms), (50.0, 55.0)); // image I/O left out
        assert_eq!(
            (ours.vs_ort_same, ours.vs_ort_fp32_full),
            (Some(0.5), Some(0.25))
        );
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn the_fastest_precision_is_chosen_among_validated_ones() {
        let rows = rows(&[
            measured(Runner::Adain, "fp32", &[100.0]),
            measured(Runner::Adain, "int8", &[30.0]),
            measured(Runner::OrtPython, "fp32", &[100.0]),
        ]);
        let gate = |psnr_db: f64| Validation {
            psnr_db,
            min_psnr_db: psnr_db - 3.0,
            pairs: 16,
            size: 512,
            threshold_db: 30.0,
            validated: psnr_db >= 30.0,
            method: String::new(),
        };
        let failing = precisions(&rows, &BTreeMap::from([("int8".to_string(), gate(27.0))]));
        assert!(
            failing.contains("fastest validated precision: fp32"),
            "{failing}"
        );
        assert!(failing.contains(
            "27.0 dB mean, 24.0 dB worst over 16 held-out pairs at 512² (not validated)"
        ));
        let passing = precisions(&rows, &BTreeMap::from([("int8".to_string(), gate(33.5))]));
        assert!(
            passing.contains("fastest validated precision: int8 (0.15×)"),
            "{passing}"
        );
    }
}
