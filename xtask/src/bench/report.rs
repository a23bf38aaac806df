//! Medians, ratios and PSNRs from the measurements, written as target/bench/bench.md (tables) and
//! bench.json (everything, every sample). Numbers are reported, never asserted.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use serde_json::json;

use adain_models::manifest::Validation;

use super::hires::HiRes;
use super::measure::{Measured, MODES};
use super::oneshot::OneShot;
use super::profile::Profile;
use super::workers::{Runner, Stages};

/// Stages that are not network or AdaIN work (only the Rust worker has them).
const IMAGE_STAGES: [&str; 2] = ["image_decode", "image_encode"];
/// Stage columns, in pipeline order.
const STAGES: [&str; 6] = [
    "image_decode",
    "content_encode",
    "style_encode",
    "adain",
    "decode",
    "image_encode",
];

/// One contestant, size and mode, summarised.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    pub size: u32,
    pub runner: Runner,
    pub precision: String,
    pub mode: String,
    /// Median over repetitions of content encode + style encode + AdaIN + decode: what every contestant does.
    pub compute_ms: f64,
    /// Median of the whole request, image decoding and encoding included (Rust worker only differs).
    pub end_to_end_ms: f64,
    pub stages_ms: BTreeMap<String, f64>,
    pub peak_rss_mib: Option<f64>,
    /// Of the warm-up `full` result against the Rust fp32 one at this size (JSON: null when identical).
    pub psnr_vs_adain_fp32_db: Option<f64>,
    pub identical_to_adain_fp32: bool,
    pub vs_ort_same: Option<f64>,
    pub vs_ort_fp32_full: Option<f64>,
}

impl Row {
    /// The cells that say which row this is, first in both markdown tables.
    fn key_cells(&self) -> String {
        format!(
            "| {}² | {} | {} | {} |",
            self.size,
            self.runner.label(),
            self.precision,
            self.mode
        )
    }
}

pub fn rows(measured: &[Measured]) -> Vec<Row> {
    let mut rows = Vec::new();
    for m in measured {
        let reference = measured
            .iter()
            .find(|r| {
                r.size == m.size
                    && r.contestant.runner == Runner::Adain
                    && r.contestant.precision == "fp32"
            })
            .map(|r| r.output.clone());
        let psnr = reference.and_then(|r| psnr_files(&r, &m.output));
        for (mode, samples) in &m.samples {
            let total = |s: &Stages, skip_images: bool| {
                s.iter()
                    .filter(|(k, _)| !skip_images || !IMAGE_STAGES.contains(&k.as_str()))
                    .map(|(_, v)| v)
                    .sum::<f64>()
            };
            let stages_ms = STAGES
                .iter()
                .filter(|st| samples.iter().any(|s| s.contains_key(**st)))
                .map(|st| {
                    (
                        st.to_string(),
                        median(
                            samples
                                .iter()
                                .map(|s| s.get(*st).copied().unwrap_or(0.0))
                                .collect(),
                        ),
                    )
                })
                .collect();
            rows.push(Row {
                size: m.size,
                runner: m.contestant.runner,
                precision: m.contestant.precision.clone(),
                mode: mode.clone(),
                compute_ms: median(samples.iter().map(|s| total(s, true)).collect()),
                end_to_end_ms: median(samples.iter().map(|s| total(s, false)).collect()),
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
        rows.iter()
            .find(|r| {
                r.size == size
                    && r.runner == Runner::OrtPython
                    && r.precision == precision
                    && r.mode == mode
            })
            .map(|r| r.compute_ms)
    };
    let snapshot = rows.clone();
    for row in &mut rows {
        row.vs_ort_same =
            ort(&snapshot, row.size, &row.precision, &row.mode).map(|o| row.compute_ms / o);
        row.vs_ort_fp32_full = ort(&snapshot, row.size, "fp32", "full").map(|o| row.compute_ms / o);
    }
    rows
}

/// Environment and settings, for both files.
pub struct Context {
    pub info: BTreeMap<String, String>,
    /// Per reduced precision, its quality gate as the export recorded it in the manifest: PSNR against
    /// fp32 over the run's held-out pairs (the bench's own image pair is one pair, not a validation set).
    pub validations: BTreeMap<String, Validation>,
}

pub fn write(
    out: &Path,
    context: &Context,
    measured: &[Measured],
    rows: &[Row],
    profiles: &BTreeMap<String, Profile>,
    oneshots: &[OneShot],
    hires: &[HiRes],
) -> Result<String> {
    let mut md = String::from("# adain benchmark\n\n");
    for (k, v) in &context.info {
        let _ = writeln!(md, "- {k}: {v}");
    }
    md.push_str(
        "\nTimes are medians over the repetitions, in ms; *compute* = content encode + style encode (full only) + AdaIN + \
         decode, the work every contestant does (from decoded pixels to 8-bit pixels); the Rust library's image \
         decoding (PNG) and encoding (PNG) are in the stage table. *full* encodes the style image every time; *cached* \
         reuses its statistics (a folder run after its first image, or `--style-stats`). Ratios divide by ORT-Python's \
         compute median at the same size. PSNR compares each warm-up `full` result with the Rust fp32 one.\n\n",
    );
    md.push_str("## Pipeline\n\n| size | runner | precision | mode | compute ms | × ORT-Python (same) | × ORT-Python fp32 full | peak RSS MiB | PSNR vs adain fp32 |\n|---|---|---|---|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let _ = writeln!(
            md,
            "{} {:.0} | {} | {} | {} | {} |",
            r.key_cells(),
            r.compute_ms,
            opt(r.vs_ort_same, |v| format!("{v:.2}×")),
            opt(r.vs_ort_fp32_full, |v| format!("{v:.2}×")),
            opt(r.peak_rss_mib, |v| format!("{v:.0}")),
            opt(r.psnr_vs_adain_fp32_db, |v| if v.is_infinite() {
                "identical".into()
            } else {
                format!("{v:.1} dB")
            }),
        );
    }
    md.push_str("\n## Stages (medians, ms)\n\n| size | runner | precision | mode |");
    for st in STAGES {
        let _ = write!(md, " {} |", st.replace('_', " "));
    }
    md.push_str(" end to end |\n|---|---|---|---|");
    md.push_str(&"---:|".repeat(STAGES.len() + 1));
    md.push('\n');
    for r in rows {
        md.push_str(&r.key_cells());
        for st in STAGES {
            let _ = write!(
                md,
                " {} |",
                opt(r.stages_ms.get(st).copied(), |v| format!("{v:.1}"))
            );
        }
        let _ = writeln!(md, " {:.0} |", r.end_to_end_ms);
    }
    md.push_str(&profile_tables(profiles));
    md.push_str(&oneshot_table(oneshots, rows));
    if !hires.is_empty() {
        md.push_str("\n## High resolution\n\n| image | path | wall time | peak RSS | tiling |\n|---|---|---:|---:|---|\n");
    }
    for h in hires {
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
    md.push_str(&aims(rows, &context.validations));
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("bench.md"), &md)?;
    let json = json!({
        "context": context.info,
        "rows": rows,
        "measured": measured,
        "hires": hires,
        "oneshot": oneshots,
        "ort_profile_ms_per_run": profiles,
        "validations": context.validations,
        "modes": MODES,
    });
    std::fs::write(
        out.join("bench.json"),
        serde_json::to_string_pretty(&json)? + "\n",
    )?;
    Ok(md)
}

/// One-shot processes beside the warm in-session time of the same work (cached statistics, image
/// decoding and encoding included).
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
        let warm = rows
            .iter()
            .find(|r| {
                r.size == o.size
                    && r.runner == Runner::Adain
                    && r.precision == o.precision
                    && r.mode == "cached"
            })
            .map(|r| r.end_to_end_ms);
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

/// Operator types by time, per graph: what limits speed inside the networks.
fn profile_tables(profiles: &BTreeMap<String, Profile>) -> String {
    let mut md = String::new();
    for (label, graphs) in profiles {
        let _ = writeln!(
            md,
            "\n## Where the graph time goes ({label}, ONNX Runtime profiler, ms per run)\n"
        );
        md.push_str("| graph | total | operators (share) |\n|---|---:|---|\n");
        for (graph, ops) in graphs {
            let total: f64 = ops.values().sum();
            let mut sorted: Vec<(&String, &f64)> = ops.iter().collect();
            sorted.sort_by(|a, b| b.1.total_cmp(a.1));
            let parts: Vec<String> = sorted
                .iter()
                .map(|(op, ms)| format!("{op} {ms:.0} ({:.0}%)", 100.0 * *ms / total))
                .collect();
            let _ = writeln!(md, "| {graph} | {total:.0} | {} |", parts.join(", "));
        }
    }
    md
}

/// The project's aims at 512², stated against the measurements (reported, not asserted). Quality is
/// judged as the issue states it, on validation pairs (the manifest's gate); the PSNR on the bench's
/// one image pair is shown beside it.
fn aims(rows: &[Row], validations: &BTreeMap<String, Validation>) -> String {
    let mut md = String::from("\n## Aims (512²)\n\n");
    let at = |runner: Runner, precision: &str, mode: &str| {
        rows.iter().find(|r| {
            r.size == 512 && r.runner == runner && r.precision == precision && r.mode == mode
        })
    };
    if let Some(r) = at(Runner::Adain, "fp32", "full") {
        let _ = writeln!(
            md,
            "- fp32 full pipeline vs ORT-Python: {} (aim ≤ 1.05×)",
            opt(r.vs_ort_same, |v| format!("{v:.2}×"))
        );
    }
    let validated = |precision: &str| {
        precision == "fp32" || validations.get(precision).is_some_and(|v| v.validated)
    };
    // Every precision with the style statistics reused, then the fastest validated one.
    let cached: Vec<&Row> = rows
        .iter()
        .filter(|r| r.size == 512 && r.runner == Runner::Adain && r.mode == "cached")
        .collect();
    for r in &cached {
        let gate = match validations.get(&r.precision) {
            Some(v) => format!(
                "{:.1} dB mean, {:.1} dB worst over {} held-out pairs at {}² ({}; aim ≥ 30 dB)",
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
            "- {} with style statistics reused: {} of ORT-Python's fp32 full pipeline (aim ≤ 0.35×); PSNR vs fp32: {}, {} on the bench's image pair",
            r.precision,
            opt(r.vs_ort_fp32_full, |v| format!("{v:.2}×")),
            gate,
            opt(r.psnr_vs_adain_fp32_db, |v| if v.is_infinite() { "identical".into() } else { format!("{v:.1} dB") })
        );
    }
    let best = cached
        .iter()
        .filter(|r| validated(&r.precision))
        .min_by(|a, b| a.compute_ms.total_cmp(&b.compute_ms));
    if let Some(r) = best {
        let _ = writeln!(
            md,
            "- fastest validated precision: {} ({})",
            r.precision,
            opt(r.vs_ort_fp32_full, |v| format!("{v:.2}×"))
        );
    }
    md
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".into(), f)
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
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    Some(adain_test_kit::psnr::of(&a, &b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(runner: Runner, precision: &str, ms: &[f64]) -> Measured {
        let stages = |v: f64| {
            Stages::from([
                ("content_encode".to_string(), v / 2.0),
                ("decode".to_string(), v / 2.0),
                ("image_encode".to_string(), 5.0),
            ])
        };
        Measured {
            contestant: super::super::workers::Contestant {
                runner,
                precision: precision.into(),
            },
            size: 512,
            setup_ms: 0.0,
            peak_rss_mib: Some(100.0),
            samples: vec![
                ("full".into(), ms.iter().map(|&v| stages(v)).collect()),
                (
                    "cached".into(),
                    ms.iter().map(|&v| stages(v / 2.0)).collect(),
                ),
            ],
            output: "/nonexistent".into(),
        }
    }

    #[test]
    fn ratios_use_medians_of_compute_time() {
        let all = [
            measured(Runner::Adain, "fp32", &[90.0, 100.0, 500.0]),
            measured(Runner::OrtPython, "fp32", &[200.0, 200.0, 10.0]),
        ];
        let rows = rows(&all);
        let ours = rows
            .iter()
            .find(|r| r.runner == Runner::Adain && r.mode == "cached")
            .unwrap();
        assert_eq!(ours.compute_ms, 50.0); // image encoding left out
        assert_eq!(ours.end_to_end_ms, 55.0);
        assert_eq!(ours.vs_ort_same, Some(0.5));
        assert_eq!(ours.vs_ort_fp32_full, Some(0.25));
        assert!(aims(&rows, &BTreeMap::new()).contains("0.25×"));
    }

    #[test]
    fn fastest_precision_is_chosen_among_validated_ones() {
        let all = [
            measured(Runner::Adain, "fp32", &[100.0]),
            measured(Runner::Adain, "int8", &[30.0]),
            measured(Runner::OrtPython, "fp32", &[100.0]),
        ];
        let rows = rows(&all);
        let gate = |psnr_db: f64| Validation {
            psnr_db,
            min_psnr_db: psnr_db - 3.0,
            pairs: 16,
            size: 512,
            threshold_db: 30.0,
            validated: psnr_db >= 30.0,
            method: String::new(),
        };
        let failing = BTreeMap::from([("int8".to_string(), gate(27.0))]);
        let text = aims(&rows, &failing);
        assert!(text.contains("fastest validated precision: fp32"), "{text}");
        assert!(text.contains(
            "27.0 dB mean, 24.0 dB worst over 16 held-out pairs at 512² (not validated; aim ≥ 30 dB)"
        ));
        let passing = BTreeMap::from([("int8".to_string(), gate(33.5))]);
        assert!(aims(&rows, &passing).contains("fastest validated precision: int8 (0.15×)"));
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
