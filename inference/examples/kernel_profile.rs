//! Which ONNX Runtime kernels run a graph, and how long each takes (CPU, session profiling).
//!
//! ```sh
//! cargo run --release -p adain --example kernel_profile -- models/default/encoder.int8.onnx [SIDE] [THREADS] [RUNS]
//! ```
//! The graph's role (encoder or decoder) comes from its input; SIDE is the image side (default 512).

use std::io::Write;
use std::path::PathBuf;

use adain::package::kernels::profile_graph;
use adain::runtime::GraphInput;

fn main() -> adain::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(graph) = args.first().map(PathBuf::from) else {
        eprintln!("usage: kernel_profile GRAPH.onnx [SIDE] [THREADS] [RUNS]");
        std::process::exit(2);
    };
    let num = |i: usize, d: usize| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (side, threads, runs) = (num(1, 512), num(2, 2), num(3, 3));
    let model = adain_models::onnx::read_model(&graph)?;
    let input = if model
        .graph
        .input
        .iter()
        .any(|i| i.name == GraphInput::DECODER.name)
    {
        GraphInput::DECODER
    } else {
        GraphInput::ENCODER
    };
    let profile = profile_graph(&graph, &input, side, threads, runs)?;
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) ends the listing quietly.
    let _ = writeln!(
        out,
        "{} at {side}² ({threads} threads, {runs} runs): median run {:.1} ms (runs after the first; all: {:?}), {:.1} ms in kernels per run",
        graph.display(),
        profile.median_run_millis().unwrap_or(f64::NAN),
        profile.run_millis.iter().map(|m| m.round()).collect::<Vec<_>>(),
        profile.millis()
    );
    let _ = writeln!(
        out,
        "| operator | provider | nodes | ms per run |\n|---|---|---|---|"
    );
    for k in &profile.kernels {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.2} |",
            k.op, k.provider, k.nodes, k.millis
        );
    }
    Ok(())
}
