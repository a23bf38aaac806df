//! With the content statistics fixed for the whole image, the decoder's input (1 − α)·x + α·mix(x) is a
//! per-channel affine map x ↦ a·x + b of the content features (one map per mask region), so each tile
//! can apply it on its own and all tiles get exactly the same style.

use ndarray::{Array3, ArrayView2, ArrayView3, Axis, Zip};

use crate::error::{AdainError, Result};
use crate::ops::transfer::{check_alpha, check_channels};
use crate::ops::{channel_affine, normalized_weights, ChannelStats, StyleMix};

/// One (scale, shift) per channel.
#[derive(Debug, Clone, PartialEq)]
struct Affine {
    scale: Vec<f32>,
    shift: Vec<f32>,
}

impl Affine {
    fn identity(channels: usize) -> Self {
        Self {
            scale: vec![1.0; channels],
            shift: vec![0.0; channels],
        }
    }

    /// Σ wₖ·AdaIN(·, sₖ) with content statistics `content`, then blended with the content by α.
    fn mix(content: &ChannelStats, styles: &[(&ChannelStats, f32)], alpha: f32) -> Self {
        let channels = content.channels();
        let (mut scale, mut shift) = (vec![0.0f64; channels], vec![0.0f64; channels]);
        for (style, w) in styles {
            for c in 0..channels {
                let (a, b) = channel_affine(content, style, c);
                scale[c] += f64::from(*w) * f64::from(a);
                shift[c] += f64::from(*w) * f64::from(b);
            }
        }
        let alpha = f64::from(alpha);
        Self {
            scale: scale
                .iter()
                .map(|a| ((1.0 - alpha) + alpha * a) as f32)
                .collect(),
            shift: shift.iter().map(|b| (alpha * b) as f32).collect(),
        }
    }
}

/// The affine maps of a mix: one for the whole image, or one per mask region (index = region; cells
/// in no region keep the content, which is the identity).
#[derive(Debug, Clone, PartialEq)]
pub struct AffineTarget {
    maps: Vec<Affine>,
    identity: Affine,
}

impl AffineTarget {
    /// `content` holds the whole image's statistics: one entry, or one per region for
    /// [`StyleMix::Regions`] (`None` for a region no cell falls into).
    pub fn new(content: &[Option<ChannelStats>], mix: StyleMix<'_>, alpha: f32) -> Result<Self> {
        check_alpha(alpha)?;
        let channels = content
            .iter()
            .flatten()
            .map(ChannelStats::channels)
            .next()
            .unwrap_or(0);
        let check = |style: &ChannelStats| check_channels(channels, style);
        let whole = || {
            content
                .first()
                .and_then(Option::as_ref)
                .ok_or_else(|| AdainError::InvalidParameter("no content statistics".into()))
        };
        let maps = match mix {
            StyleMix::One(style) => {
                check(style)?;
                vec![Affine::mix(whole()?, &[(style, 1.0)], alpha)]
            }
            StyleMix::Interpolate { styles, weights } => {
                let weights = normalized_weights(weights, styles.len())?;
                styles.iter().try_for_each(check)?;
                let pairs: Vec<(&ChannelStats, f32)> = styles.iter().zip(weights).collect();
                vec![Affine::mix(whole()?, &pairs, alpha)]
            }
            StyleMix::Regions { styles, .. } => {
                if content.len() != styles.len() {
                    return Err(AdainError::Mismatch(format!(
                        "{} region statistics for {} styles",
                        content.len(),
                        styles.len()
                    )));
                }
                styles.iter().try_for_each(check)?;
                styles
                    .iter()
                    .zip(content)
                    .map(|(style, region)| match region {
                        Some(stats) => Affine::mix(stats, &[(style, 1.0)], alpha),
                        None => Affine::identity(channels),
                    })
                    .collect()
            }
        };
        Ok(Self {
            maps,
            identity: Affine::identity(channels),
        })
    }

    /// The decoder's input for `features` [C, h, w]; `classes` [h, w] gives each cell's region (masks).
    pub fn apply(
        &self,
        features: ArrayView3<'_, f32>,
        classes: Option<ArrayView2<'_, Option<usize>>>,
    ) -> Array3<f32> {
        let mut out = Array3::zeros(features.dim());
        for (c, (mut dst, src)) in out
            .axis_iter_mut(Axis(0))
            .zip(features.axis_iter(Axis(0)))
            .enumerate()
        {
            match classes {
                None => {
                    let (a, b) = (self.maps[0].scale[c], self.maps[0].shift[c]);
                    Zip::from(&mut dst)
                        .and(&src)
                        .for_each(|y, &x| *y = x * a + b);
                }
                Some(classes) => {
                    Zip::from(&mut dst)
                        .and(&src)
                        .and(&classes)
                        .for_each(|y, &x, class| {
                            let map = class.map_or(&self.identity, |k| &self.maps[k]);
                            *y = x * map.scale[c] + map.shift[c];
                        })
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::target_features;
    use ndarray::{Array1, Array2};

    fn features() -> Array3<f32> {
        Array3::from_shape_fn((4, 6, 5), |(c, i, j)| {
            ((c * 31 + i * 7 + j * 13) % 19) as f32 * 0.37 + c as f32
        })
    }

    fn style(m: f32) -> ChannelStats {
        ChannelStats {
            mean: Array1::from_shape_fn(4, |c| m + c as f32),
            std: Array1::from_shape_fn(4, |c| 0.5 + c as f32 * 0.1),
        }
    }

    fn close(a: &Array3<f32>, b: &Array3<f32>) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-4 * x.abs().max(1.0))
    }

    #[test]
    fn equals_adain_with_the_same_content_statistics() {
        let x = features();
        let stats = [Some(ChannelStats::of(x.view()))];
        let (s1, s2) = (style(1.0), style(-2.0));
        for alpha in [1.0, 0.3] {
            let one = AffineTarget::new(&stats, StyleMix::One(&s1), alpha)
                .unwrap()
                .apply(x.view(), None);
            assert!(close(
                &one,
                &target_features(x.view(), StyleMix::One(&s1), alpha).unwrap()
            ));
            let styles = [s1.clone(), s2.clone()];
            let mix = StyleMix::Interpolate {
                styles: &styles,
                weights: &[1.0, 3.0],
            };
            let both = AffineTarget::new(&stats, mix, alpha)
                .unwrap()
                .apply(x.view(), None);
            assert!(close(
                &both,
                &target_features(x.view(), mix, alpha).unwrap()
            ));
        }
        let exact = AffineTarget::new(&stats, StyleMix::One(&s1), 1.0)
            .unwrap()
            .apply(x.view(), None);
        assert_eq!(
            exact,
            target_features(x.view(), StyleMix::One(&s1), 1.0).unwrap()
        );
    }

    #[test]
    fn regions_use_their_own_statistics_and_no_region_keeps_the_content() {
        let x = features();
        let classes = Array2::from_shape_fn((6, 5), |(i, _)| {
            if i < 2 {
                Some(0)
            } else if i < 4 {
                None
            } else {
                Some(1)
            }
        });
        let region = |k: usize| {
            let cells: Vec<(usize, usize)> = classes
                .indexed_iter()
                .filter(|(_, c)| **c == Some(k))
                .map(|(p, _)| p)
                .collect();
            ChannelStats::of_pixels(
                Array2::from_shape_fn((4, cells.len()), |(c, p)| x[(c, cells[p].0, cells[p].1)])
                    .view(),
            )
        };
        let styles = [style(1.0), style(3.0)];
        let masks = [Array2::zeros((6, 5)), Array2::zeros((6, 5))];
        let target = AffineTarget::new(
            &[Some(region(0)), Some(region(1))],
            StyleMix::Regions {
                styles: &styles,
                masks: &masks,
            },
            1.0,
        )
        .unwrap()
        .apply(x.view(), Some(classes.view()));
        assert_eq!(
            target.slice(ndarray::s![.., 2..4, ..]),
            x.slice(ndarray::s![.., 2..4, ..])
        );
        let expected = crate::ops::masked(x.view(), &styles, classes.view()).unwrap();
        assert!(close(&target, &expected));
    }
}
