//! How much a longer run of the same recipe could still give: a run's validation curve fitted with
//! a power law, loss(i) = a + b·i^(−c), and read off at a longer schedule and at its limit (a).
//! Where the fit starts changes the answer a lot, so the card shows several starts, not one number.

use std::fmt::Write as _;

use super::metrics::Point;

/// Where the fits start, as fractions of the run's last validated iteration.
const STARTS: [f64; 5] = [1.0 / 32.0, 1.0 / 16.0, 1.0 / 8.0, 1.0 / 4.0, 3.0 / 8.0];
/// The exponents tried; a best fit on either bound means the data do not pin c down.
const C_MIN: f64 = 0.05;
const C_MAX: f64 = 3.0;
const C_STEP: f64 = 0.01;

/// A least-squares power law over some of a curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PowerLaw {
    pub a: f64,
    pub b: f64,
    pub c: f64,
}

impl PowerLaw {
    pub fn at(&self, iteration: f64) -> f64 {
        self.a + self.b * iteration.powf(-self.c)
    }

    /// The best exponent lay on the searched range's edge: the limit `a` is not meaningful.
    pub fn on_bound(&self) -> bool {
        self.c <= C_MIN + C_STEP / 2.0 || self.c >= C_MAX - C_STEP / 2.0
    }
}

/// The best a + b·x^(−c) through `(x, y)`: a grid over c, a and b in closed form for each.
pub fn fit(points: &[(f64, f64)]) -> Option<PowerLaw> {
    if points.len() < 3 {
        return None;
    }
    let n = points.len() as f64;
    let steps = ((C_MAX - C_MIN) / C_STEP).round() as usize;
    let mut best: Option<(f64, PowerLaw)> = None;
    for k in 0..=steps {
        let c = C_MIN + k as f64 * C_STEP;
        let xs: Vec<f64> = points.iter().map(|(x, _)| x.powf(-c)).collect();
        let mx = xs.iter().sum::<f64>() / n;
        let my = points.iter().map(|(_, y)| y).sum::<f64>() / n;
        let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        if sxx <= 0.0 {
            continue;
        }
        let sxy: f64 = xs
            .iter()
            .zip(points)
            .map(|(x, (_, y))| (x - mx) * (y - my))
            .sum();
        let b = sxy / sxx;
        let a = my - b * mx;
        let residual: f64 = xs
            .iter()
            .zip(points)
            .map(|(x, (_, y))| (y - a - b * x).powi(2))
            .sum();
        if best.is_none_or(|(r, _)| residual < r) {
            best = Some((residual, PowerLaw { a, b, c }));
        }
    }
    best.map(|(_, law)| law)
}

/// One start's fits of the style and content terms.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    pub from: u64,
    pub style: PowerLaw,
    pub content: PowerLaw,
}

/// The fits from each start in [`STARTS`] over a run's validation points.
pub fn project(val: &[Point]) -> Vec<Projection> {
    let Some(last) = val.iter().map(|p| p.iteration).max() else {
        return Vec::new();
    };
    let mut out: Vec<Projection> = Vec::new();
    for fraction in STARTS {
        let from = (last as f64 * fraction).round() as u64;
        let part: Vec<&Point> = val
            .iter()
            .filter(|p| p.iteration >= from && p.iteration > 0)
            .collect();
        let curve = |y: fn(&Point) -> f64| -> Vec<(f64, f64)> {
            part.iter().map(|p| (p.iteration as f64, y(p))).collect()
        };
        if let (Some(style), Some(content)) = (
            fit(&curve(|p| p.weighted_style)),
            fit(&curve(|p| p.content)),
        ) {
            out.push(Projection {
                from,
                style,
                content,
            });
        }
    }
    out
}

/// The card's table for `label`'s run: each fit's change from the run's end to `to` iterations and to the limit.
pub fn markdown(label: &str, val: &[Point], to: u64) -> String {
    let mut s = String::new();
    let Some(end) = val.iter().map(|p| p.iteration).max() else {
        return s;
    };
    let fits = project(val);
    if fits.is_empty() {
        return s;
    }
    let change = |law: &PowerLaw, at: f64| 100.0 * (law.at(at) / law.at(end as f64) - 1.0);
    let limit = |law: &PowerLaw| {
        if law.on_bound() {
            "–".to_string()
        } else {
            format!("{:+.0} %", 100.0 * (law.a / law.at(end as f64) - 1.0))
        }
    };
    let _ = writeln!(
        s,
        "\n## How far a longer run would go\n\n{label}'s validation curve ({} points up to iteration {end}) fitted \
         with a power law, loss(i) = a + b·i^(−c), from several starts; the change from the fit's value at \
         iteration {end} to iteration {to} and to the limit a (– where the best c lies on the searched \
         range's edge, {C_MIN}–{C_MAX}, so a is not pinned down).\n\n\
         | fit from iteration | style: c | style at {to} | style's limit | content: c | content at {to} | content's limit |\n\
         |---|---|---|---|---|---|---|",
        val.len()
    );
    for f in &fits {
        let _ = writeln!(
            s,
            "| {} | {:.2} | {:+.0} % | {} | {:.2} | {:+.0} % | {} |",
            f.from,
            f.style.c,
            change(&f.style, to as f64),
            limit(&f.style),
            f.content.c,
            change(&f.content, to as f64),
            limit(&f.content)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_power_law_is_recovered() {
        let law = PowerLaw {
            a: 1.2,
            b: 400.0,
            c: 0.65,
        };
        let points: Vec<(f64, f64)> = (1..=60)
            .map(|k| {
                let i = 500.0 * k as f64;
                (i, law.at(i))
            })
            .collect();
        let got = fit(&points).unwrap();
        assert!((got.c - 0.65).abs() < 1e-9, "{got:?}");
        assert!(
            (got.a - 1.2).abs() < 1e-6 && (got.b - 400.0).abs() < 1e-3,
            "{got:?}"
        );
        assert!(!got.on_bound());
        assert!(fit(&points[..2]).is_none());
    }

    #[test]
    fn the_table_reads_the_change_off_each_fit() {
        // Style falls as 1 + 100·i^(−1): at its end (1000) 1.1, at 10,000 1.01, in the limit 1.
        let val: Vec<Point> = (1..=40)
            .map(|k| {
                let i = 25 * k;
                let style = 1.0 + 100.0 / i as f64;
                Point {
                    iteration: i,
                    loss: 5.0 + style,
                    content: 5.0 + 20.0 / (i as f64).sqrt(),
                    weighted_style: style,
                }
            })
            .collect();
        let text = markdown("v1", &val, 10_000);
        assert!(text.contains("40 points up to iteration 1000"), "{text}");
        // −8 % to 10,000 (1.01 / 1.1) and −9 % in the limit (1 / 1.1), from every start.
        assert_eq!(text.matches("| 1.00 | -8 % | -9 % |").count(), 5, "{text}");
        assert!(text.contains("| fit from iteration |"), "{text}");
    }
}
