//! The memory allocator Vigia's programs run on, and the one tuning batch
//! commands apply to it.
//!
//! Every program declares the same allocator, so that figures measured by
//! `vigia-eval` and the benches are the product's:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: vigia_alloc::Allocator = vigia_alloc::Allocator;
//! ```
//!
//! Screening allocates many small, short-lived vectors per query; glibc's
//! allocator spent a fifth of `vigia screen`'s time on them, mimalloc far
//! less (ADR 0004).
//!
//! This is the workspace's only crate with `unsafe` code: the two calls
//! into mimalloc's option interface below (ADR 0151), and [`prefetch`], a
//! cache hint for the monitoring engine's look-ahead (ADR 0157).

use std::sync::Once;

use libmimalloc_sys::{mi_option_get, mi_option_set, mi_option_t};

/// The allocator every Vigia program declares as its global allocator.
pub use mimalloc::MiMalloc as Allocator;

/// mimalloc's `mi_option_purge_delay`, the 16th member of its C enum
/// `mi_option_t`; the Rust bindings name no constant for it. A test checks
/// that this index reads the option's documented default.
const PURGE_DELAY: mi_option_t = 15;

/// The environment variable through which mimalloc reads the same option
/// at start-up. When it is set, the user's value wins.
pub const PURGE_DELAY_VARIABLE: &str = "MIMALLOC_PURGE_DELAY";

/// Tells the allocator to keep the memory the program frees for its own
/// reuse, instead of handing it back to the operating system a second
/// later (mimalloc's default). Returns whether the setting was applied: it
/// is not when `MIMALLOC_PURGE_DELAY` is set, so a user can still choose.
///
/// For commands that run a batch and exit (`vigia screen`, `vigia
/// monitor`, `vigia-eval`): memory handed back is faulted in again, and
/// zeroed by the kernel, when the next query or transaction needs it. It
/// takes a screening run's page faults from about 900 to 530 and the
/// monitoring bench's from about 10,000 to 515, and steadies their system
/// time; the CPU gain is small (0–4 %, ADR 0151). A long-running server
/// should not call it, so that its memory falls back after a burst.
///
/// Call it first thing in `main`, before the program starts threads:
/// mimalloc stores the option with a plain write. Later calls do nothing.
pub fn keep_freed_memory() -> bool {
    static APPLY: Once = Once::new();
    if std::env::var_os(PURGE_DELAY_VARIABLE).is_some() {
        return false;
    }
    APPLY.call_once(|| {
        // SAFETY: `mi_option_set` takes two integers and writes them into
        // mimalloc's static option table, after checking the index is in
        // range; it reads no pointer of ours. -1 is the documented value
        // for "never purge". `Once` makes it one write per process.
        #[allow(unsafe_code)]
        unsafe {
            mi_option_set(PURGE_DELAY, -1);
        }
    });
    true
}

/// The allocator's current purge delay in milliseconds; -1 means freed
/// memory is kept.
pub fn purge_delay() -> i64 {
    // SAFETY: `mi_option_get` takes an integer in range and reads
    // mimalloc's static option table (initialising the entry from the
    // environment on first use); it reads no pointer of ours.
    #[allow(unsafe_code)]
    let delay = unsafe { mi_option_get(PURGE_DELAY) };
    // `c_long` is 64 bits here but 32 on Windows.
    #[allow(clippy::useless_conversion)]
    i64::from(delay)
}

/// Asks the processor to bring the cache line holding `value` closer
/// (into every cache level), without waiting for it: the program goes on
/// at once, and a later read of the line finds it in cache if the load had
/// time to complete. Unlike a plain read used for the same purpose, a
/// prefetch does not hold up the instructions behind it while the line is
/// on its way (ADR 0157).
///
/// A hint only: it reads nothing the program sees, and changes no result.
/// On targets other than x86-64 it does nothing.
#[inline(always)]
pub fn prefetch<T: ?Sized>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let line = (value as *const T).cast::<i8>();
        // SAFETY: `prefetch` is an SSE instruction, part of the x86-64
        // baseline every x86-64 processor has (the call is `unsafe` only
        // because `_mm_prefetch` is declared for the `sse` target
        // feature). A prefetch never faults and has no visible effect on
        // memory; the address is moreover that of a live reference.
        #[allow(unsafe_code)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(line);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetching_changes_nothing() {
        let values = vec![1u64, 2, 3];
        prefetch(&values[1]);
        prefetch(values.as_slice());
        prefetch("a string slice");
        assert_eq!(values, [1, 2, 3]);
    }

    #[test]
    fn keeping_freed_memory_turns_the_purge_off() {
        if std::env::var_os(PURGE_DELAY_VARIABLE).is_some() {
            eprintln!("skipped: {PURGE_DELAY_VARIABLE} is set in the environment");
            assert!(!keep_freed_memory());
            return;
        }
        // mimalloc 3's documented default: 1000 ms. Reading it through our
        // index proves the index names the purge delay.
        assert_eq!(purge_delay(), 1000);
        assert!(keep_freed_memory());
        assert_eq!(purge_delay(), -1);
        assert!(keep_freed_memory());
        assert_eq!(purge_delay(), -1);
    }
}
