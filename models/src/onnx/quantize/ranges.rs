//! Activation ranges for int8 graphs: a histogram per tensor, filled from calibration runs, and the
//! clipping rules that turn it into the (min, max) each QuantizeLinear covers; plus the small file that
//! keeps the ranges of an encoder whose int8 graph is built on the user's machine.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::network::Network;

/// Bins of a [`Histogram`] over [-R, R] (half of them on each side of zero).
const BINS: usize = 8192;
/// Levels of a uint8 tensor.
const LEVELS: f64 = 255.0;

/// Values of one tensor over many calibration runs. The range [-R, R] doubles (merging bins pairwise,
/// which is exact because R and the bin width are powers of two) whenever a value falls outside it,
/// so one pass suffices. Exact zeros (most of a ReLU output) are counted apart: every range represents
/// them without error.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    bins: Vec<u64>,
    half_range: f64,
    zeros: u64,
    min: f32,
    max: f32,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            bins: vec![0; BINS],
            half_range: 0.0,
            zeros: 0,
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
        }
    }
}

/// How a histogram becomes a range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Clip {
    /// The smallest and largest value seen.
    Max,
    /// Cut each tail at this percentile (e.g. 99.99: 0.01 % of the values saturate on each side).
    Percentile(f64),
    /// The range that minimises the mean squared error of quantizing the seen values (rounding noise
    /// inside the range, clipping error outside).
    Mse,
}

impl fmt::Display for Clip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clip::Max => f.write_str("max"),
            Clip::Percentile(p) => write!(f, "percentile:{p}"),
            Clip::Mse => f.write_str("mse"),
        }
    }
}

impl FromStr for Clip {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "max" => Ok(Clip::Max),
            "mse" => Ok(Clip::Mse),
            _ => {
                let p = s
                    .strip_prefix("percentile:")
                    .and_then(|p| p.parse::<f64>().ok());
                match p {
                    Some(p) if p > 50.0 && p <= 100.0 => Ok(Clip::Percentile(p)),
                    _ => Err(format!("`{s}`: expected max, mse or percentile:P with 50 < P <= 100 (e.g. percentile:99.99)")),
                }
            }
        }
    }
}

impl Histogram {
    /// Adds values (non-finite ones are ignored).
    pub fn add(&mut self, values: &[f32]) {
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for &v in values {
            if v.is_finite() {
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if lo > hi {
            return;
        }
        self.min = self.min.min(lo);
        self.max = self.max.max(hi);
        let needed = lo.abs().max(hi.abs()) as f64;
        if self.half_range == 0.0 {
            // A power of two at least `needed` (and at least 2^-20).
            let mut r = 1.0 / 1_048_576.0f64;
            while r < needed {
                r *= 2.0;
            }
            self.half_range = r;
        }
        while self.half_range < needed {
            self.grow();
        }
        let r = self.half_range;
        let per_unit = BINS as f64 / (2.0 * r);
        for &v in values {
            if !v.is_finite() {
                continue;
            }
            if v == 0.0 {
                self.zeros += 1;
                continue;
            }
            let i = (((v as f64 + r) * per_unit) as usize).min(BINS - 1);
            self.bins[i] += 1;
        }
    }

    /// Doubles the range: old bin i lands in new bin BINS/4 + i/2.
    fn grow(&mut self) {
        let mut bins = vec![0u64; BINS];
        for (i, &n) in self.bins.iter().enumerate() {
            bins[BINS / 4 + i / 2] += n;
        }
        self.bins = bins;
        self.half_range *= 2.0;
    }

    /// Values seen.
    pub fn count(&self) -> u64 {
        self.zeros + self.bins.iter().sum::<u64>()
    }

    /// Smallest and largest value seen.
    pub fn extremes(&self) -> Option<(f32, f32)> {
        (self.min <= self.max).then_some((self.min, self.max))
    }

    fn width(&self) -> f64 {
        2.0 * self.half_range / BINS as f64
    }
    fn lower_edge(&self, i: usize) -> f64 {
        -self.half_range + i as f64 * self.width()
    }
    fn center(&self, i: usize) -> f64 {
        self.lower_edge(i) + 0.5 * self.width()
    }

    /// The range to quantize over, always containing 0 (so zero is exact). `nonnegative` forces the
    /// minimum to 0 (a ReLU output). None before any value was added.
    pub fn range(&self, clip: Clip, nonnegative: bool) -> Option<(f32, f32)> {
        let (min, max) = self.extremes()?;
        let (lo, hi) = match clip {
            Clip::Max => (min as f64, max as f64),
            Clip::Percentile(p) => {
                let tail = (1.0 - p / 100.0).max(0.0);
                (
                    self.quantile(tail, false).max(min as f64),
                    self.quantile(1.0 - tail, true).min(max as f64),
                )
            }
            Clip::Mse => self.mse_range(nonnegative),
        };
        let lo = if nonnegative { 0.0 } else { lo.min(0.0) };
        let hi = hi.max(0.0);
        Some((lo as f32, hi as f32))
    }

    /// Value below which a fraction `q` of all values lies (bin edges; zeros counted at 0).
    /// `upper` returns the bin's upper edge, else its lower edge, so the range errs on the wide side.
    fn quantile(&self, q: f64, upper: bool) -> f64 {
        let total = self.count() as f64;
        let target = q * total;
        let zero_bin = BINS / 2;
        let mut seen = 0.0;
        for (i, &n) in self.bins.iter().enumerate() {
            if i == zero_bin && self.zeros > 0 {
                seen += self.zeros as f64;
                if seen >= target {
                    return 0.0;
                }
            }
            if n == 0 {
                continue;
            }
            seen += n as f64;
            if seen >= target {
                return if upper {
                    self.lower_edge(i) + self.width()
                } else {
                    self.lower_edge(i)
                };
            }
        }
        self.half_range
    }

    /// Minimum expected squared error of uint8 quantization over the histogram. For a nonnegative tensor
    /// every bin edge above zero is tried as the maximum; otherwise both ends are searched among tail
    /// quantiles from 0 to 1 %.
    fn mse_range(&self, nonnegative: bool) -> (f64, f64) {
        // Prefix sums of n, n·c and n·c² (c = bin centre) give each candidate's error in O(1).
        let mut n = vec![0.0f64; BINS + 1];
        let mut s1 = vec![0.0f64; BINS + 1];
        let mut s2 = vec![0.0f64; BINS + 1];
        for i in 0..BINS {
            let (c, k) = (self.center(i), self.bins[i] as f64);
            n[i + 1] = n[i] + k;
            s1[i + 1] = s1[i] + k * c;
            s2[i + 1] = s2[i] + k * c * c;
        }
        let bin_of =
            |v: f64| (((v + self.half_range) / self.width()).floor().max(0.0) as usize).min(BINS);
        // Error of range [lo, hi]: bins below lo clip to lo, above hi clip to hi, inside round (Δ²/12).
        let error = |lo: f64, hi: f64| -> f64 {
            let (a, b) = (bin_of(lo), bin_of(hi).max(bin_of(lo)));
            let below = s2[a] - 2.0 * lo * s1[a] + lo * lo * n[a];
            let (na, sa1, sa2) = (n[BINS] - n[b], s1[BINS] - s1[b], s2[BINS] - s2[b]);
            let above = sa2 - 2.0 * hi * sa1 + hi * hi * na;
            let step = (hi - lo) / LEVELS;
            below + above + (n[b] - n[a]) * step * step / 12.0
        };
        let (min, max) = (self.min as f64, self.max as f64);
        if nonnegative || min >= 0.0 {
            let first = BINS / 2 + 1;
            let mut best = (error(0.0, max.max(0.0)), max.max(0.0));
            for i in first..=BINS {
                let hi = self.lower_edge(i);
                if hi > max {
                    break;
                }
                let e = error(0.0, hi);
                if e < best.0 {
                    best = (e, hi);
                }
            }
            (0.0, best.1)
        } else {
            let tails = [
                0.0, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2,
            ];
            let mut best = (f64::INFINITY, min, max);
            for &tl in &tails {
                let lo = if tl == 0.0 {
                    min
                } else {
                    self.quantile(tl, false).max(min)
                };
                for &th in &tails {
                    let hi = if th == 0.0 {
                        max
                    } else {
                        self.quantile(1.0 - th, true).min(max)
                    };
                    let e = error(lo.min(0.0), hi.max(0.0));
                    if e < best.0 {
                        best = (e, lo, hi);
                    }
                }
            }
            (best.1, best.2)
        }
    }
}

/// The range of one tensor of a network: the graph input, or the (post-ReLU) output of a conv, named
/// after the conv.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorRange {
    pub name: String,
    pub min: f32,
    pub max: f32,
}

/// Calibrated ranges of one network's activations (`models/vgg16_int8_ranges.json` for the default
/// encoder), tied to the weights they were measured with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivationRanges {
    /// Architecture name of the network.
    pub architecture: String,
    /// Identity ([`Network::identity`]) of the network the ranges were measured on.
    pub measured_on: String,
    /// How they were measured (images, sizes, clipping rule), for the record.
    pub method: String,
    pub tensors: Vec<TensorRange>,
    /// Convs the int8 graph keeps in f32.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_float: Vec<String>,
}

impl ActivationRanges {
    pub fn new(network: &Network, method: String, ranges: BTreeMap<String, (f32, f32)>) -> Self {
        // Keep the network's order: input first, then conv by conv.
        let mut tensors: Vec<TensorRange> = Vec::new();
        let order: Vec<&str> = network.architecture().convs().map(|c| c.name).collect();
        let mut names: Vec<&String> = ranges.keys().collect();
        names.sort_by_key(|n| order.iter().position(|o| o == n).map_or(-1, |p| p as i64));
        for name in names {
            let (min, max) = ranges[name];
            tensors.push(TensorRange {
                name: name.clone(),
                min,
                max,
            });
        }
        Self {
            architecture: network.architecture().name.into(),
            measured_on: network.identity(),
            method,
            tensors,
            keep_float: Vec::new(),
        }
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::io(path, e))?;
        let r: Self = serde_json::from_str(&text)
            .map_err(|e| ModelError::format(path, format!("not an activation-ranges file: {e}")))?;
        if let Some(bad) = r
            .tensors
            .iter()
            .find(|t| !(t.min.is_finite() && t.max.is_finite() && t.min <= 0.0 && t.max >= 0.0))
        {
            return Err(ModelError::format(
                path,
                format!(
                    "range of `{}` is [{}, {}]; expected finite with min <= 0 <= max",
                    bad.name, bad.min, bad.max
                ),
            ));
        }
        Ok(r)
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).expect("ranges serialise") + "\n";
        crate::atomic_file::write(path, text.as_bytes())
    }

    /// The range of `name`.
    pub fn get(&self, name: &str) -> Option<(f32, f32)> {
        self.tensors
            .iter()
            .find(|t| t.name == name)
            .map(|t| (t.min, t.max))
    }

    /// Whether these ranges were measured on exactly this network.
    pub fn matches(&self, network: &Network) -> bool {
        self.architecture == network.architecture().name && self.measured_on == network.identity()
    }

    /// Errors unless the ranges belong to `network`.
    pub fn check(&self, network: &Network) -> Result<()> {
        if self.matches(network) {
            return Ok(());
        }
        Err(ModelError::Invalid(format!(
            "activation ranges were measured on {} ({}), not on these {} weights ({})",
            self.architecture,
            &self.measured_on[..self.measured_on.len().min(12)],
            network.architecture().name,
            &network.identity()[..12]
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn growing_keeps_every_value() {
        let mut h = Histogram::default();
        h.add(&[0.001, 0.002, 0.0]);
        h.add(&[100.0, -3.0]);
        assert_eq!(h.count(), 5);
        assert_eq!(h.extremes(), Some((-3.0, 100.0)));
        assert_eq!(h.range(Clip::Max, false), Some((-3.0, 100.0)));
        assert_eq!(h.range(Clip::Max, true), Some((0.0, 100.0)));
    }

    #[test]
    fn percentile_cuts_outliers() {
        let mut h = Histogram::default();
        let values: Vec<f32> = (0..100_000).map(|i| (i % 1000) as f32 / 1000.0).collect();
        h.add(&values);
        h.add(&[50.0]); // one outlier in 100 001 values
        let (lo, hi) = h.range(Clip::Percentile(99.99), true).unwrap();
        assert_eq!(lo, 0.0);
        assert!(close(hi, 1.0, 0.02), "{hi}");
        let (_, hi_max) = h.range(Clip::Max, true).unwrap();
        assert_eq!(hi_max, 50.0);
    }

    #[test]
    fn mse_clips_a_long_tail_but_keeps_the_body() {
        let mut h = Histogram::default();
        // Exponential-ish body with a few far values.
        let values: Vec<f32> = (1..200_000)
            .map(|i| -((i as f32) / 200_000.0).ln())
            .collect();
        h.add(&values);
        let (_, hi) = h.range(Clip::Mse, true).unwrap();
        let max = h.extremes().unwrap().1;
        assert!(hi < max && hi > 3.0, "mse max {hi} of {max}");
        // Uniform values: the whole range is optimal.
        let mut u = Histogram::default();
        u.add(&(0..10_000).map(|i| i as f32 / 10_000.0).collect::<Vec<_>>());
        let (_, hi) = u.range(Clip::Mse, true).unwrap();
        assert!(close(hi, 1.0, 0.01), "{hi}");
    }

    #[test]
    fn signed_ranges_contain_zero() {
        let mut h = Histogram::default();
        h.add(
            &(0..10_000)
                .map(|i| 1.0 + i as f32 / 10_000.0)
                .collect::<Vec<_>>(),
        );
        for clip in [Clip::Max, Clip::Mse, Clip::Percentile(99.9)] {
            let (lo, hi) = h.range(clip, false).unwrap();
            assert_eq!(lo, 0.0, "{clip}");
            assert!(hi >= 1.9, "{clip}: {hi}");
        }
        let mut s = Histogram::default();
        s.add(
            &(0..10_000)
                .map(|i| -2.0 + 3.0 * i as f32 / 10_000.0)
                .collect::<Vec<_>>(),
        );
        let (lo, hi) = s.range(Clip::Mse, false).unwrap();
        assert!(close(lo, -2.0, 0.05) && close(hi, 1.0, 0.05), "{lo} {hi}");
    }

    #[test]
    fn clip_parses() {
        assert_eq!("mse".parse::<Clip>(), Ok(Clip::Mse));
        assert_eq!(
            "percentile:99.99".parse::<Clip>(),
            Ok(Clip::Percentile(99.99))
        );
        assert!("percentile:20".parse::<Clip>().is_err());
        assert_eq!(
            Clip::Percentile(99.99).to_string().parse::<Clip>(),
            Ok(Clip::Percentile(99.99))
        );
    }
}
