//! The paper's objective: content loss ‖f(g(t)) − t‖² at relu4_1 and the style loss matching the mean
//! and std of relu1_1 … relu4_1 (mean-squared errors, as the authors' code).

use tch::{Reduction, Tensor};

use crate::stats::channel_stats;

/// Loss terms of one step (scalar tensors).
pub struct Losses {
    pub content: Tensor,
    pub style: Tensor,
}

impl Losses {
    pub fn total(&self, content_weight: f64, style_weight: f64) -> Tensor {
        &self.content * content_weight + &self.style * style_weight
    }
}

/// `output_features`: encoder features of the decoded image; `target`: the AdaIN output it should
/// reproduce; `style_features`: encoder features of the style images.
pub fn adain_losses(
    output_features: &[Tensor],
    target: &Tensor,
    style_features: &[Tensor],
) -> Losses {
    let content = output_features
        .last()
        .expect("relu4_1")
        .mse_loss(target, Reduction::Mean);
    let mut style = Tensor::zeros([], (tch::Kind::Float, target.device()));
    for (o, s) in output_features.iter().zip(style_features) {
        let (om, os) = channel_stats(o);
        let (sm, ss) = channel_stats(s);
        style = style + om.mse_loss(&sm, Reduction::Mean) + os.mse_loss(&ss, Reduction::Mean);
    }
    Losses { content, style }
}
