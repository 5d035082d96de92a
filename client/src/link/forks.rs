//! `os.fork()` and the connections a process made before it.
//!
//! A forked child inherits every connection: the rings and segments are shared memory, the
//! sockets are the same sockets, the hosts are the parent's. A child that used one would take
//! the parent's replies and give it its own (the parent's `add(1, 2)` answered the child's 30).
//! So a connection belongs to the process that made it: forks are counted (`pthread_atfork`),
//! and in a child a connection made before the fork is dead, quietly: no hang-up and no kill
//! (either would reach the parent's host), and no lock taken first (a thread of the parent that
//! held one does not exist in the child). The package then loads the addons of isolated hosts
//! again in fresh hosts of the child's own (`Host._after_fork_in_child`).

use std::sync::atomic::{AtomicU64, Ordering};
#[cfg(unix)]
use std::sync::Once;

/// How many forks this process is into: 0 in the process that imported the module, one more
/// in each child.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The fork generation of this process.
#[inline]
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

/// Runs in a new child, on the forking thread, before `fork()` returns there.
#[cfg(unix)]
extern "C" fn in_child() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
    crate::exit_gate::after_fork_in_child();
}

/// Counts forks from now on (once per process; children inherit the handler). Windows has no
/// fork: its generation stays 0.
pub fn count_forks() {
    #[cfg(unix)]
    static ONCE: Once = Once::new();
    #[cfg(unix)]
    ONCE.call_once(|| {
        // SAFETY: registers a handler that only touches atomics and this thread's own state.
        unsafe { libc::pthread_atfork(None, None, Some(in_child)) };
    });
}

/// Something of this process that a forked child must make anew rather than inherit (a thread
/// of ours, which the child does not have; a descriptor shared with the parent): made on first
/// use in each fork generation. The parent's copy is left untouched in the child (a lock of it
/// may be held by a thread that does not exist there).
pub struct PerProcess<T>(std::sync::Mutex<Option<(u64, T)>>);

impl<T: Clone> Default for PerProcess<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Clone> PerProcess<T> {
    pub const fn new() -> PerProcess<T> {
        PerProcess(std::sync::Mutex::new(None))
    }

    /// This generation's value, made with `make` if there is none yet.
    pub fn get(&self, make: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let generation = generation();
        match &*slot {
            Some((g, value)) if *g == generation => Ok(value.clone()),
            _ => Ok(slot.insert((generation, make()?)).1.clone()),
        }
    }
}
