//! The paper's objective: content loss ‖f(g(t)) − t‖² at relu4_1 and the style loss matching the mean
//! and std of relu1_1 … relu4_1 (mean-squared errors, as the authors' code). Optionally a
//! total-variation penalty on the decoded image, against the fine periodic patterns the decoder's
//! upsampling can produce and the encoder's pooling barely sees.

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

/// Mean squared difference between vertically and between horizontally neighbouring pixels of an
/// [N, C, H, W] image, summed over the two directions.
pub fn total_variation(image: &Tensor) -> Tensor {
    let (h, w) = (image.size()[2], image.size()[3]);
    let dy = image.narrow(2, 1, h - 1) - image.narrow(2, 0, h - 1);
    let dx = image.narrow(3, 1, w - 1) - image.narrow(3, 0, w - 1);
    dy.square().mean(None) + dx.square().mean(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_variation_is_zero_for_flat_images_and_largest_for_a_checkerboard() {
        let flat = Tensor::full([1, 3, 8, 8], 0.4, (tch::Kind::Float, tch::Device::Cpu));
        assert_eq!(total_variation(&flat).double_value(&[]), 0.0);
        let board = Tensor::from_slice(
            &(0..64)
                .map(|i| ((i % 8 + i / 8) % 2) as f32)
                .collect::<Vec<_>>(),
        )
        .view([1, 1, 8, 8]);
        // Every neighbour differs by 1, in both directions.
        assert!((total_variation(&board).double_value(&[]) - 2.0).abs() < 1e-6);
        let ramp = Tensor::from_slice(&(0..64).map(|i| (i % 8) as f32 / 7.0).collect::<Vec<_>>())
            .view([1, 1, 8, 8]);
        let v = total_variation(&ramp).double_value(&[]);
        assert!((v - 1.0 / 49.0).abs() < 1e-6, "{v}");
    }
}
