//! The largest single allocation of each run. A reader that lets a header size its buffers shows up
//! here long before it exhausts the machine; requests beyond [`HARD_CAP`] fail (the process aborts
//! with Rust's allocation-failure message) instead of swapping the machine to a halt.
#![allow(unsafe_code)] // a global allocator is an unsafe trait; this one only forwards to the system's

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// No input of any target should need a single buffer this large.
pub const HARD_CAP: usize = 4 << 30;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

pub struct Watch;

// SAFETY: every call is forwarded unchanged to `System`, except that requests over HARD_CAP return
// null, which GlobalAlloc allows.
unsafe impl GlobalAlloc for Watch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        if layout.size() > HARD_CAP {
            return std::ptr::null_mut();
        }
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        if layout.size() > HARD_CAP {
            return std::ptr::null_mut();
        }
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        if new_size > HARD_CAP {
            return std::ptr::null_mut();
        }
        System.realloc(ptr, layout, new_size)
    }
}

fn note(size: usize) {
    LARGEST.fetch_max(size, Ordering::Relaxed);
}

/// The largest single request since the last call, and resets it.
pub fn take_largest() -> usize {
    LARGEST.swap(0, Ordering::Relaxed)
}
