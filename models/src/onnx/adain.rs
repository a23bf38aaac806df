//! AdaIN itself as an ONNX graph, for runtimes that chain encoder → AdaIN → decoder in one place
//! (Triton's ensembles): f + α·(σ_s·(f − μ(f))/σ(f) + μ_s − f), with the statistics convention of
//! `crate::convention` (biased variance over H×W, ε = 1e-5 inside the square root). The library does
//! the same in ndarray; this graph is only for deployments that cannot call it.

use onnx_protobuf::{tensor_proto::DataType, ModelProto};

use super::writer::{finish_model, ints, value_info, Builder, Extent};
use crate::convention::{ADAIN_LAYER, DECODER_INPUT, FEATURE_CHANNELS, STATS_EPS};
use crate::package::keys;

/// The graph's inputs: relu4_1 [N, 512, h, w], the style's mean and std [N, 512], α [N, 1].
pub const STYLE_MEAN: &str = "style_mean";
pub const STYLE_STD: &str = "style_std";
pub const ALPHA: &str = "alpha";

/// The AdaIN graph; its output is the decoder's input, `features` [N, 512, h, w].
pub fn adain_graph() -> ModelProto {
    use Extent::{Fixed, Named};
    let channels = FEATURE_CHANNELS[3];
    let mut g = Builder::default();
    let f = ADAIN_LAYER;
    let spatial = || ints("axes", &[2, 3]);

    // Content statistics per sample and channel, kept as [N, C, 1, 1] to broadcast.
    let mean = g.node(
        "ReduceMean",
        "content_mean",
        &[f],
        vec![spatial(), keepdims()],
    );
    let centered = g.node("Sub", "centered", &[f, &mean], vec![]);
    let squared = g.node("Mul", "squared", &[&centered, &centered], vec![]);
    let variance = g.node(
        "ReduceMean",
        "content_variance",
        &[&squared],
        vec![spatial(), keepdims()],
    );
    let eps = g.initializer_f32("eps", &[], &[STATS_EPS]);
    let shifted = g.node("Add", "variance_eps", &[&variance, &eps], vec![]);
    let std = g.node("Sqrt", "content_std", &[&shifted], vec![]);
    let normalized = g.node("Div", "normalized", &[&centered, &std], vec![]);

    // The style's statistics and α, from [N, C] and [N, 1] to [N, C, 1, 1] and [N, 1, 1, 1].
    let axes = g.initializer_i64("spatial_axes", &[2, 3]);
    let style_std = g.node("Unsqueeze", "style_std_4d", &[STYLE_STD, &axes], vec![]);
    let style_mean = g.node("Unsqueeze", "style_mean_4d", &[STYLE_MEAN, &axes], vec![]);
    let alpha = g.node("Unsqueeze", "alpha_4d", &[ALPHA, &axes], vec![]);
    let scaled = g.node("Mul", "scaled", &[&normalized, &style_std], vec![]);
    let stylized = g.node("Add", "stylized", &[&scaled, &style_mean], vec![]);

    // f + α·(stylized − f) = (1 − α)·f + α·stylized.
    let towards = g.node("Sub", "towards_style", &[&stylized, f], vec![]);
    let step = g.node("Mul", "alpha_step", &[&alpha, &towards], vec![]);
    g.node_named(
        "Add",
        "blend",
        &[f, &step],
        vec![],
        Some(DECODER_INPUT.into()),
    );

    let features = |name: &str| {
        value_info(
            name,
            DataType::FLOAT,
            &[Named("N"), Fixed(channels), Named("h"), Named("w")],
        )
    };
    g.graph.name = "adain".into();
    g.graph.input = vec![
        features(f),
        value_info(STYLE_MEAN, DataType::FLOAT, &[Named("N"), Fixed(channels)]),
        value_info(STYLE_STD, DataType::FLOAT, &[Named("N"), Fixed(channels)]),
        value_info(ALPHA, DataType::FLOAT, &[Named("N"), Fixed(1)]),
    ];
    g.graph.output = vec![features(DECODER_INPUT)];
    finish_model(g.graph, &[(keys::ROLE.into(), "adain".into())])
}

fn keepdims() -> onnx_protobuf::AttributeProto {
    super::writer::int("keepdims", 1)
}
