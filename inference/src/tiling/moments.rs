//! Content statistics of a whole image gathered tile by tile: per-channel sums and sums of squares in
//! f64, per region when masks split the image, turned into μ and σ under the project's convention
//! once every tile has been seen.

use adain_models::convention::STATS_EPS;
use ndarray::{Array1, ArrayView2, ArrayView3, Axis};

use crate::ops::ChannelStats;

/// Running sums for `classes` regions of `channels` channels.
#[derive(Debug, Clone)]
pub struct Moments {
    sum: Vec<Vec<f64>>,
    sum_sq: Vec<Vec<f64>>,
    count: Vec<u64>,
}

impl Moments {
    pub fn new(classes: usize, channels: usize) -> Self {
        Self {
            sum: vec![vec![0.0; channels]; classes],
            sum_sq: vec![vec![0.0; channels]; classes],
            count: vec![0; classes],
        }
    }

    /// Adds every cell of `features` [C, h, w] to class 0.
    pub fn add(&mut self, features: ArrayView3<'_, f32>) {
        let (_, h, w) = features.dim();
        for (c, plane) in features.axis_iter(Axis(0)).enumerate() {
            let (s, q) = plane.iter().fold((0.0f64, 0.0f64), |(s, q), &v| {
                let v = f64::from(v);
                (s + v, q + v * v)
            });
            self.sum[0][c] += s;
            self.sum_sq[0][c] += q;
        }
        self.count[0] += (h * w) as u64;
    }

    /// Adds each cell of `features` [C, h, w] to the class `classes` [h, w] gives it (none: skipped).
    pub fn add_classified(
        &mut self,
        features: ArrayView3<'_, f32>,
        classes: ArrayView2<'_, Option<usize>>,
    ) {
        for (c, plane) in features.axis_iter(Axis(0)).enumerate() {
            for (&v, class) in plane.iter().zip(classes.iter()) {
                if let Some(k) = *class {
                    let v = f64::from(v);
                    self.sum[k][c] += v;
                    self.sum_sq[k][c] += v * v;
                }
            }
        }
        for k in classes.iter().flatten() {
            self.count[*k] += 1;
        }
    }

    /// μ and σ of each class; `None` for a class no cell fell into.
    pub fn stats(&self) -> Vec<Option<ChannelStats>> {
        (0..self.count.len())
            .map(|k| {
                let n = self.count[k] as f64;
                (n > 0.0).then(|| {
                    let mean: Array1<f64> = self.sum[k].iter().map(|s| s / n).collect();
                    let std = self.sum_sq[k]
                        .iter()
                        .zip(&mean)
                        .map(|(q, m)| {
                            (((q / n) - m * m).max(0.0) + f64::from(STATS_EPS)).sqrt() as f32
                        })
                        .collect();
                    ChannelStats {
                        mean: mean.mapv(|m| m as f32),
                        std,
                    }
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{s, Array2, Array3};

    #[test]
    fn pieces_add_up_to_the_whole() {
        let x = Array3::from_shape_fn((3, 10, 7), |(c, i, j)| {
            ((c * 31 + i * 7 + j * 13) % 19) as f32 * 0.37 - c as f32
        });
        let mut m = Moments::new(1, 3);
        m.add(x.slice(s![.., ..4, ..]));
        m.add(x.slice(s![.., 4.., ..3]));
        m.add(x.slice(s![.., 4.., 3..]));
        let tiled = m.stats().remove(0).unwrap();
        let whole = ChannelStats::of(x.view());
        for c in 0..3 {
            assert!((tiled.mean[c] - whole.mean[c]).abs() < 1e-6);
            assert!((tiled.std[c] - whole.std[c]).abs() < 1e-6);
        }
    }

    #[test]
    fn classes_are_kept_apart() {
        let x = Array3::from_shape_fn((2, 2, 3), |(c, _, j)| (j + c) as f32);
        let classes = Array2::from_shape_fn((2, 3), |(_, j)| {
            if j == 0 {
                Some(1)
            } else if j == 1 {
                None
            } else {
                Some(0)
            }
        });
        let mut m = Moments::new(3, 2);
        m.add_classified(x.view(), classes.view());
        let stats = m.stats();
        assert_eq!(stats[0].as_ref().unwrap().mean.to_vec(), vec![2.0, 3.0]);
        assert_eq!(stats[1].as_ref().unwrap().mean.to_vec(), vec![0.0, 1.0]);
        assert!(stats[2].is_none());
    }
}
