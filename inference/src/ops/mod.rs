//! AdaIN and the paper's runtime controls (§7.3), in ndarray on [C, H, W] feature maps of one image.

pub mod color;
mod region_color;
pub mod stats;
pub mod transfer;

pub use color::{match_color, match_color_to, ColorMoments};
pub use region_color::match_region_colors;
pub use stats::ChannelStats;
// The steps a Stylizer runs between the graphs, for programs that run them one by one.
pub use crate::stylize::{
    adain_stats, image_color, match_region_style_colors, match_style_color, preserve_color,
    transfer,
};
pub use transfer::{
    adain, adain_with, blend_alpha, channel_affine, interpolate, interpolate_with, masked,
    normalized_weights, regions_from_masks, target_features, target_features_with, StyleMix,
};
