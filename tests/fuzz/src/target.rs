//! What a fuzz target is: seeds to start from, a mutation that knows the format, and the code under
//! test with its oracle (no panic; a refusal names the input; an accepted input is self-consistent).

use rand_chacha::ChaCha8Rng;

pub type Rng = ChaCha8Rng;

pub trait Target {
    fn name(&self) -> &'static str;

    /// Valid inputs (and a few near misses) the corpus starts from.
    fn seeds(&self) -> anyhow::Result<Vec<Vec<u8>>>;

    /// A mutation through the format's structure (parse, change a field, re-serialise); `None`
    /// when `data` does not parse, and the engine falls back to byte-level havoc.
    fn mutate(&self, rng: &mut Rng, data: &[u8]) -> Option<Vec<u8>>;

    /// Runs the code under test on `data`. Returning is a pass (accepted or cleanly refused); the
    /// oracle panics on anything wrong, as does a bug in the code under test.
    fn run(&self, data: &[u8]);

    /// Inputs longer than this are cut (readers of big files are still reached through length fields).
    fn max_len(&self) -> usize {
        64 << 10
    }
}

/// The oracle shared by every target: a refusal must name the input it refuses.
pub fn refusal_names_input(error: &dyn std::fmt::Display, name: &str) {
    let message = error.to_string();
    assert!(
        message.contains(name),
        "an error does not name its file `{name}`: {message}"
    );
}
