//! Edge coverage from LLVM's SanitizerCoverage, on stable Rust.
//!
//! `cargo xtask fuzz` builds with `-C passes=sancov-module` and inline 8-bit counters: every
//! instrumented edge increments a byte, and each module's constructor hands us its counter array
//! through `__sanitizer_cov_8bit_counters_init`. An uninstrumented build (plain `cargo test`) never
//! calls it, so the fuzzer then runs without feedback: mutations of the seeds only.
#![allow(unsafe_code)] // the callback's contract: raw counter arrays owned by the instrumented modules

use std::sync::Mutex;

/// One module's counters, as (start, length). The arrays are static and live as long as the process.
#[derive(Clone, Copy)]
struct Region(usize, usize);

static REGIONS: Mutex<Vec<Region>> = Mutex::new(Vec::new());

/// Called by the constructor of every instrumented module, before `main`.
#[no_mangle]
pub extern "C" fn __sanitizer_cov_8bit_counters_init(start: *mut u8, stop: *mut u8) {
    let len = (stop as usize).saturating_sub(start as usize);
    if len > 0 {
        let mut regions = REGIONS.lock().unwrap_or_else(|p| p.into_inner());
        if !regions.iter().any(|r| r.0 == start as usize) {
            regions.push(Region(start as usize, len));
        }
    }
}

/// The process's counters. They are only ever touched through raw pointers: the instrumented code
/// (this crate included) increments them while we read, so no Rust reference to them may exist.
pub struct Counters {
    regions: Vec<Region>,
}

impl Counters {
    /// The counter arrays registered so far: all of them, once `main` runs.
    pub fn get() -> Self {
        let regions = REGIONS.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Self { regions }
    }

    /// Number of instrumented edges (0 in an uninstrumented build).
    pub fn edges(&self) -> usize {
        self.regions.iter().map(|r| r.1).sum()
    }

    pub fn clear(&mut self) {
        for &Region(start, len) in &self.regions {
            // SAFETY: a static array of `len` bytes registered by its module; bytes have no invalid values.
            unsafe { std::ptr::write_bytes(start as *mut u8, 0, len) };
        }
    }

    /// Calls `f(edge, hits)` for every edge hit since the last [`Self::clear`].
    pub fn for_each_hit(&self, mut f: impl FnMut(usize, u8)) {
        let mut base = 0;
        for &Region(start, len) in &self.regions {
            let mut i = 0;
            while i < len {
                // Eight counters at a time: most are zero.
                if i + 8 <= len {
                    // SAFETY: i + 8 <= len, inside the registered array; unaligned reads are allowed.
                    let word = unsafe { ((start + i) as *const u64).read_unaligned() };
                    if word == 0 {
                        i += 8;
                        continue;
                    }
                }
                // SAFETY: i < len.
                let hits = unsafe { ((start + i) as *const u8).read() };
                if hits != 0 {
                    f(base + i, hits);
                }
                i += 1;
            }
            base += len;
        }
    }
}

/// AFL's hit-count classes: an edge taken 3 times and 300 times are different behaviours, 5 and 6 not.
pub fn bucket(hits: u8) -> u8 {
    match hits {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 4,
        4..=7 => 8,
        8..=15 => 16,
        16..=31 => 32,
        32..=127 => 64,
        128..=255 => 128,
    }
}
