//! How sure a before/after difference is: each model against the baseline pair by pair, on the
//! same content × style pairs. A mean over 96 pairs can move by a few per cent between checkpoints
//! of one run, so the card says how many pairs a model improves and how wide the mean ratio's
//! interval is, not only the two means.

use std::fmt::Write as _;

use super::comparison::{Pair, Report};

/// One model against the baseline on one loss.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    /// Pairs scored by both.
    pub pairs: usize,
    /// Pairs where the model's loss is lower than the baseline's.
    pub lower: usize,
    /// Two-sided sign-test p-value of `lower` out of `pairs` (ties counted as neither).
    pub sign_p: f64,
    /// Geometric mean of the per-pair ratios model / baseline, and its 95 % interval.
    pub ratio: f64,
    pub ratio_low: f64,
    pub ratio_high: f64,
}

/// The model's `loss` against the baseline's over the pairs both scored.
pub fn compare(baseline: &[Pair], model: &[Pair], loss: fn(&Pair) -> f64) -> Option<Paired> {
    let logs: Vec<f64> = model
        .iter()
        .filter_map(|m| {
            let b = baseline
                .iter()
                .find(|b| b.content == m.content && b.style == m.style)?;
            let (lb, lm) = (loss(b), loss(m));
            (lb > 0.0 && lm > 0.0).then(|| (lm / lb).ln())
        })
        .collect();
    let n = logs.len();
    if n < 2 {
        return None;
    }
    let lower = logs.iter().filter(|&&l| l < 0.0).count();
    let higher = logs.iter().filter(|&&l| l > 0.0).count();
    let mean = logs.iter().sum::<f64>() / n as f64;
    let var = logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    // Normal approximation to the mean log ratio: fine for the card's 96 pairs.
    let half = 1.96 * (var / n as f64).sqrt();
    Some(Paired {
        pairs: n,
        lower,
        sign_p: sign_test(lower, lower + higher),
        ratio: mean.exp(),
        ratio_low: (mean - half).exp(),
        ratio_high: (mean + half).exp(),
    })
}

/// Two-sided exact sign test: the chance of a split at least as uneven as `k` of `n` under a fair coin.
fn sign_test(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let extreme = k.min(n - k);
    // ln C(n, i) − n ln 2, summed over the lower tail in log space so that n in the hundreds is exact.
    let ln_choose = |i: usize| -> f64 {
        (1..=i)
            .map(|j| ((n - i + j) as f64).ln() - (j as f64).ln())
            .sum()
    };
    let tail: f64 = (0..=extreme)
        .map(|i| (ln_choose(i) - n as f64 * std::f64::consts::LN_2).exp())
        .sum();
    (2.0 * tail).min(1.0)
}

/// The card's table: each non-baseline model against the baseline of its size, on both losses.
pub fn markdown(reports: &[(String, Report)]) -> String {
    let mut s = String::new();
    let Some((baseline, _)) = reports.first() else {
        return s;
    };
    let mut rows = String::new();
    for (label, r) in &reports[1..] {
        if label == baseline {
            continue;
        }
        let Some((_, base)) = reports
            .iter()
            .find(|(l, b)| l == baseline && b.size == r.size)
        else {
            continue;
        };
        let style = compare(&base.pair_scores, &r.pair_scores, |p| p.style_loss);
        let content = compare(&base.pair_scores, &r.pair_scores, |p| p.content_loss);
        let (Some(style), Some(content)) = (style, content) else {
            continue;
        };
        let _ = writeln!(
            rows,
            "| {} | {label} | {} | {} |",
            r.size,
            cell(&style),
            cell(&content)
        );
    }
    if rows.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "\nPair by pair against {baseline} (the same pairs): how many pairs each model scores lower, the \
         two-sided sign test's p, and the geometric mean of the per-pair ratios to {baseline} with its 95 % \
         interval (normal approximation on the log ratios).\n\n\
         | size | model | style loss: lower on / p / ratio [95 %] | content loss: lower on / p / ratio [95 %] |\n\
         |---|---|---|---|\n{rows}"
    );
    s
}

fn cell(p: &Paired) -> String {
    format!(
        "{} of {} / {} / {:.3} [{:.3}, {:.3}]",
        p.lower,
        p.pairs,
        p_value(p.sign_p),
        p.ratio,
        p.ratio_low,
        p.ratio_high
    )
}

fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "< 0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(content: &str, style_loss: f64, content_loss: f64) -> Pair {
        Pair {
            content: content.into(),
            style: "s.jpg".into(),
            style_loss,
            content_loss,
            colour: 10.0,
            content_colour: 30.0,
        }
    }

    #[test]
    fn the_sign_test_matches_the_binomial_tails() {
        // 2 × P(X ≤ 1) for X ~ Bin(10, 1/2) = 2 × 11 / 1024.
        assert!((sign_test(1, 10) - 22.0 / 1024.0).abs() < 1e-12);
        assert!((sign_test(9, 10) - 22.0 / 1024.0).abs() < 1e-12);
        assert_eq!(sign_test(5, 10), 1.0, "an even split is capped at 1");
        // 96 of 96: 2 / 2^96, still representable.
        let p = sign_test(96, 96);
        assert!(p > 0.0 && (p - 2.0 / 2f64.powi(96)).abs() < 1e-40, "{p}");
    }

    #[test]
    fn a_uniform_improvement_gives_its_ratio_and_a_tight_interval() {
        let base: Vec<Pair> = (0..20)
            .map(|i| pair(&format!("{i}.jpg"), 1.0 + i as f64 / 10.0, 6.0))
            .collect();
        // Half the style loss on every pair, the content loss 1 % up on half of them, down on the rest.
        let model: Vec<Pair> = base
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let c = if i % 2 == 0 { 1.01 } else { 0.99 };
                pair(&b.content, b.style_loss / 2.0, b.content_loss * c)
            })
            .collect();
        let style = compare(&base, &model, |p| p.style_loss).unwrap();
        assert_eq!((style.pairs, style.lower), (20, 20));
        assert!((style.ratio - 0.5).abs() < 1e-12, "{style:?}");
        assert!(
            (style.ratio_high - style.ratio_low).abs() < 1e-9,
            "no spread, no width"
        );
        assert!(style.sign_p < 1e-5);
        let content = compare(&base, &model, |p| p.content_loss).unwrap();
        assert_eq!(content.lower, 10);
        assert_eq!(content.sign_p, 1.0);
        assert!(
            content.ratio_low < 1.0 && content.ratio_high > 1.0,
            "{content:?}"
        );
    }

    #[test]
    fn only_pairs_both_models_scored_are_compared() {
        let base = vec![pair("a.jpg", 1.0, 6.0), pair("b.jpg", 1.0, 6.0)];
        let model = vec![
            pair("a.jpg", 0.8, 6.0),
            pair("b.jpg", 0.9, 6.0),
            pair("c.jpg", 9.0, 9.0),
        ];
        let style = compare(&base, &model, |p| p.style_loss).unwrap();
        assert_eq!((style.pairs, style.lower), (2, 2));
        assert!(
            compare(&base[..1], &model, |p| p.style_loss).is_none(),
            "one pair is no interval"
        );
    }
}
