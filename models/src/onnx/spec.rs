//! What to write around a network: its input, which activations come out, how padding is expressed
//! and the metadata. Shared by the float and the quantized graph writers.

/// Which activations the graph returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outputs {
    /// The architecture's tapped ReLUs (`relu1_1` …), computing no further than the last one.
    Taps,
    /// The output of every ReLU, named after the conv before it (for channel-scale calibration).
    EveryRelu,
    /// Only the last layer's output, under this name (the decoder's `image`).
    Final(String),
}

/// How reflection padding is expressed in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PadMode {
    /// One `Pad(mode="reflect")` node.
    #[default]
    Reflect,
    /// Slices and Concats of the borders, for runtimes whose parser rejects reflect padding.
    SliceConcat,
}

/// What to write around the network.
#[derive(Debug, Clone)]
pub struct GraphSpec {
    pub graph_name: String,
    pub input: String,
    pub input_channels: usize,
    pub outputs: Outputs,
    pub pad_mode: PadMode,
    pub metadata: Vec<(String, String)>,
}
