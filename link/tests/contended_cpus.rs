//! Waits beside CPU-bound threads that do not answer them: once their yields have given a few
//! time slices away in a row, they stop yielding and give up at once, so their callers sleep and
//! are woken ahead of the busy threads, instead of waiting a time slice at every yield. A test
//! binary of its own: what it teaches the waits lasts a while, for the whole process. Unix only:
//! the busy processes are shells.
#![cfg(unix)]

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use napi_link::spin::{contended, spin_until};

#[test]
fn waits_beside_busy_threads_find_the_cpus_contended_and_stop_yielding() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cpus < 2 {
        // A thread confined to one CPU does not spin at all.
        return;
    }
    assert!(!contended(), "contended before any wait");
    // One busy process per CPU: every CPU's queue has one, and a yield hands it a time slice.
    let busy = Busy((0..cpus).map(|_| Command::new("sh").args(["-c", "while :; do :; done"]).spawn().expect("sh starts")).collect());
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut waits = 0;
    while !contended() && Instant::now() < deadline {
        assert!(!spin_until(|| false, Duration::from_millis(20)));
        waits += 1;
    }
    let found = contended();
    // Contended, a wait gives up where it would have yielded: after a few microseconds of looks,
    // not its whole budget.
    let start = Instant::now();
    let gave_up = !spin_until(|| false, Duration::from_secs(5));
    let took = start.elapsed();
    drop(busy);
    assert!(found, "{waits} waits beside {cpus} busy threads never found the CPUs contended");
    assert!(gave_up && took < Duration::from_secs(1), "a wait while contended took {took:?}");
}

/// Busy processes, killed when dropped (an assertion that fails leaves none behind).
struct Busy(Vec<Child>);

impl Drop for Busy {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
