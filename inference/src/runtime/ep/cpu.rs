//! The CPU provider (MLAS): always there, and what every other provider falls back to per node.

use ort::ep::{ExecutionProviderDispatch, CPU};

pub(super) fn dispatch() -> ExecutionProviderDispatch {
    // The arena keeps activation buffers between runs: folder runs reuse same-sized tensors.
    CPU::default()
        .with_arena_allocator(true)
        .build()
        .error_on_failure()
}
