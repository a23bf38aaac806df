//! AdaIN(x, y) = σ(y)·(x − μ(x))/σ(x) + μ(y), and the controls built on it: the content/style
//! trade-off α, interpolation between styles, and spatial control with masks.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis, Zip};

use super::stats::ChannelStats;
use crate::error::{AdainError, Result};

/// Mask value from which a region counts as "on".
pub const MASK_ON: f32 = 0.5;

/// How the styles of one result are combined.
#[derive(Debug, Clone, Copy)]
pub enum StyleMix<'a> {
    /// One style.
    One(&'a ChannelStats),
    /// Σ wₖ·AdaIN(f(c), sₖ); weights are normalised to sum to 1.
    Interpolate {
        styles: &'a [ChannelStats],
        weights: &'a [f32],
    },
    /// Each style where its mask wins (see [`regions_from_masks`]); masks are on the feature grid.
    Regions {
        styles: &'a [ChannelStats],
        masks: &'a [Array2<f32>],
    },
}

/// The decoder's input: (1 − α)·f(c) + α·mix(f(c), styles).
pub fn target_features(
    content: ArrayView3<'_, f32>,
    mix: StyleMix<'_>,
    alpha: f32,
) -> Result<Array3<f32>> {
    target_features_with(content, None, mix, alpha)
}

/// [`target_features`] with the content's statistics computed beforehand (once per content image,
/// however many styles and alphas meet it); `None` computes them here when the mix needs them.
/// Given `Some`, they must be `ChannelStats::of(content)`: the result is then bit-identical.
pub fn target_features_with(
    content: ArrayView3<'_, f32>,
    content_stats: Option<&ChannelStats>,
    mix: StyleMix<'_>,
    alpha: f32,
) -> Result<Array3<f32>> {
    check_alpha(alpha)?;
    let computed;
    let whole = match (content_stats, &mix) {
        (Some(stats), _) => Some(stats),
        (None, StyleMix::Regions { .. }) => None,
        (None, _) => {
            computed = ChannelStats::of(content);
            Some(&computed)
        }
    };
    let stylized = match mix {
        StyleMix::One(style) => adain_with(content, whole.expect("computed above"), style)?,
        StyleMix::Interpolate { styles, weights } => {
            interpolate_with(content, whole.expect("computed above"), styles, weights)?
        }
        StyleMix::Regions { styles, masks } => {
            let views: Vec<ArrayView2<'_, f32>> = masks.iter().map(|m| m.view()).collect();
            masked(
                content,
                styles,
                regions_from_masks(&views, styles.len())?.view(),
            )?
        }
    };
    blend_alpha(content, stylized, alpha)
}

/// AdaIN of a [C, H, W] feature map with a style's channel statistics.
pub fn adain(content: ArrayView3<'_, f32>, style: &ChannelStats) -> Result<Array3<f32>> {
    adain_with(content, &ChannelStats::of(content), style)
}

/// [`adain`] with the content's statistics given (`ChannelStats::of(content)`).
pub fn adain_with(
    content: ArrayView3<'_, f32>,
    content_stats: &ChannelStats,
    style: &ChannelStats,
) -> Result<Array3<f32>> {
    check_channels(content.dim().0, style)?;
    check_channels(content.dim().0, content_stats)?;
    let mut out = content.to_owned();
    for (c, mut plane) in out.axis_iter_mut(Axis(0)).enumerate() {
        let (scale, shift) = channel_affine(content_stats, style, c);
        plane.mapv_inplace(|x| x * scale + shift);
    }
    Ok(out)
}

/// Σ wₖ·AdaIN(f(c), sₖ) with the weights normalised to sum to 1.
pub fn interpolate(
    content: ArrayView3<'_, f32>,
    styles: &[ChannelStats],
    weights: &[f32],
) -> Result<Array3<f32>> {
    interpolate_with(content, &ChannelStats::of(content), styles, weights)
}

/// [`interpolate`] with the content's statistics given: they are the same for every style.
pub fn interpolate_with(
    content: ArrayView3<'_, f32>,
    content_stats: &ChannelStats,
    styles: &[ChannelStats],
    weights: &[f32],
) -> Result<Array3<f32>> {
    let weights = normalized_weights(weights, styles.len())?;
    let mut out = Array3::zeros(content.dim());
    for (style, w) in styles.iter().zip(weights) {
        let t = adain_with(content, content_stats, style)?;
        out.scaled_add(w, &t);
    }
    Ok(out)
}

/// `weights` scaled to sum to 1; there must be one per style, none negative, not all zero.
pub fn normalized_weights(weights: &[f32], styles: usize) -> Result<Vec<f32>> {
    if weights.len() != styles {
        return Err(AdainError::InvalidParameter(format!(
            "{} weights given for {styles} style(s): give one weight per style (style images and stats files count alike)",
            weights.len()
        )));
    }
    if let Some(w) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
        return Err(AdainError::InvalidParameter(format!(
            "style weight {w}: weights must be finite and not negative"
        )));
    }
    let sum: f32 = weights.iter().sum();
    if sum <= 0.0 {
        return Err(AdainError::InvalidParameter(
            "style weights sum to 0: at least one must be positive".into(),
        ));
    }
    Ok(weights.iter().map(|w| w / sum).collect())
}

/// Style index of each feature pixel: the mask with the largest value there, if that value is at
/// least [`MASK_ON`]; `None` keeps the content's features. All masks must have the same size.
pub fn regions_from_masks(
    masks: &[ArrayView2<'_, f32>],
    styles: usize,
) -> Result<Array2<Option<usize>>> {
    if masks.len() != styles {
        return Err(AdainError::InvalidParameter(format!(
            "{} masks given for {styles} style(s): give one mask per style (style images and stats files count alike)",
            masks.len()
        )));
    }
    let dim = masks
        .first()
        .map(|m| m.dim())
        .ok_or_else(|| AdainError::InvalidParameter("no masks".into()))?;
    if let Some(m) = masks.iter().find(|m| m.dim() != dim) {
        return Err(AdainError::Mismatch(format!(
            "masks of different sizes: {:?} and {:?}",
            dim,
            m.dim()
        )));
    }
    Ok(Array2::from_shape_fn(dim, |(i, j)| {
        let (best, value) = masks.iter().map(|m| m[(i, j)]).enumerate().fold(
            (0, f32::NEG_INFINITY),
            |acc, (k, v)| if v > acc.1 { (k, v) } else { acc },
        );
        (value >= MASK_ON).then_some(best)
    }))
}

/// AdaIN per region: the content statistics of each region are taken over that region only (as in
/// the authors' code), so one style's region does not shift another's normalisation.
pub fn masked(
    content: ArrayView3<'_, f32>,
    styles: &[ChannelStats],
    regions: ArrayView2<'_, Option<usize>>,
) -> Result<Array3<f32>> {
    let (channels, h, w) = content.dim();
    if regions.dim() != (h, w) {
        return Err(AdainError::Mismatch(format!(
            "region map is {:?}, the features are {h}x{w}",
            regions.dim()
        )));
    }
    let mut out = content.to_owned();
    for (k, style) in styles.iter().enumerate() {
        check_channels(channels, style)?;
        let pixels: Vec<(usize, usize)> = regions
            .indexed_iter()
            .filter(|(_, r)| **r == Some(k))
            .map(|(p, _)| p)
            .collect();
        if pixels.is_empty() {
            continue;
        }
        let gathered = Array2::from_shape_fn((channels, pixels.len()), |(c, p)| {
            content[(c, pixels[p].0, pixels[p].1)]
        });
        let region_stats = ChannelStats::of_pixels(gathered.view());
        for c in 0..channels {
            let (scale, shift) = channel_affine(&region_stats, style, c);
            for &(i, j) in &pixels {
                out[(c, i, j)] = content[(c, i, j)] * scale + shift;
            }
        }
    }
    Ok(out)
}

/// (1 − α)·content + α·stylized.
pub fn blend_alpha(
    content: ArrayView3<'_, f32>,
    mut stylized: Array3<f32>,
    alpha: f32,
) -> Result<Array3<f32>> {
    check_alpha(alpha)?;
    if stylized.dim() != content.dim() {
        return Err(AdainError::Mismatch(format!(
            "cannot blend {:?} with {:?}",
            content.dim(),
            stylized.dim()
        )));
    }
    if alpha < 1.0 {
        Zip::from(&mut stylized)
            .and(&content)
            .for_each(|t, &c| *t = (1.0 - alpha) * c + alpha * *t);
    }
    Ok(stylized)
}

/// Also the tiled path's check, so both refuse with the same message.
pub(crate) fn check_alpha(alpha: f32) -> Result<()> {
    if (0.0..=1.0).contains(&alpha) {
        Ok(())
    } else {
        Err(AdainError::InvalidParameter(format!(
            "alpha {alpha}: expected a value from 0 (content only) to 1 (full style)"
        )))
    }
}

/// Also the tiled path's check, so both refuse with the same message.
pub(crate) fn check_channels(channels: usize, style: &ChannelStats) -> Result<()> {
    if style.channels() == channels {
        Ok(())
    } else {
        Err(AdainError::Mismatch(format!(
            "style statistics have {} channels, the content features {channels}",
            style.channels()
        )))
    }
}

/// x ↦ x·scale + shift for channel c: σ_s/σ_c and μ_s − μ_c·σ_s/σ_c, in f64 so the map is exact to f32.
pub fn channel_affine(content: &ChannelStats, style: &ChannelStats, c: usize) -> (f32, f32) {
    let scale = f64::from(style.std[c]) / f64::from(content.std[c]);
    let shift = f64::from(style.mean[c]) - f64::from(content.mean[c]) * scale;
    (scale as f32, shift as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    fn stats(mean: f32, std: f32, c: usize) -> ChannelStats {
        ChannelStats {
            mean: Array1::from_elem(c, mean),
            std: Array1::from_elem(c, std),
        }
    }

    #[test]
    fn weights_must_match_and_be_positive() {
        assert_eq!(
            normalized_weights(&[1.0, 3.0], 2).unwrap(),
            vec![0.25, 0.75]
        );
        assert!(normalized_weights(&[1.0], 2)
            .unwrap_err()
            .to_string()
            .contains("1 weights given for 2 style(s)"));
        assert!(normalized_weights(&[0.0, 0.0], 2).is_err());
        assert!(normalized_weights(&[-1.0, 2.0], 2).is_err());
    }

    #[test]
    fn alpha_outside_0_1_is_refused() {
        let x = Array3::<f32>::zeros((2, 2, 2));
        for alpha in [1.5, -0.1, f32::NAN] {
            let err =
                target_features(x.view(), StyleMix::One(&stats(0.0, 1.0, 2)), alpha).unwrap_err();
            assert!(err.to_string().contains("expected a value from 0"), "{err}");
        }
    }

    #[test]
    fn regions_take_the_largest_mask_above_half() {
        let a = ndarray::arr2(&[[1.0, 0.2, 0.6], [0.0, 0.0, 0.9]]);
        let b = ndarray::arr2(&[[0.0, 0.3, 0.7], [0.0, 1.0, 0.1]]);
        let r = regions_from_masks(&[a.view(), b.view()], 2).unwrap();
        assert_eq!(
            r,
            ndarray::arr2(&[[Some(0), None, Some(1)], [None, Some(1), Some(0)]])
        );
        assert!(regions_from_masks(&[a.view()], 2)
            .unwrap_err()
            .to_string()
            .contains("1 masks given for 2 style(s)"));
    }
}
