//! Direct calls (D37): an in-process host's request runs on the calling Python thread, while
//! that thread holds the host's JS lock, instead of being handed to the host thread and back.
//! The hand-off costs two cross-CPU transfers and a wake-up at best; a direct call costs a
//! compare-and-swap.
//!
//! JS is still run by one thread at a time, which is all the Node-API contract asks of an env,
//! but not always by the same thread. An addon that keeps thread-local state could tell, and
//! napi-rs does (it files classes, errors and deferreds under the registering thread), so a
//! host stops taking direct calls once it loads a library with thread-local storage
//! (`has_thread_locals`): that addon's calls all stay on the host thread.
//!
//! The host thread holds the lock whenever it runs anything and lets go only while it idles at
//! the top level. A caller holding the GIL takes the lock only if it is free at once: the holder
//! may be waiting for a Python callback that needs the GIL. While a direct call runs, the host
//! waiting for its client (a Python callback of the call's chain) means the caller itself must
//! answer: `pump_until_mail` runs the caller's `pump` until the host has something to read.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use napi_link::spin::{spin_until, SPIN};
use napi_protocol::{Outcome, ServerMessage};

use napi_runtime::sync::lock;

/// Who runs JS: the host thread, or a caller making a direct call.
#[derive(Default)]
pub struct JsLock {
    held: AtomicBool,
    /// The host thread waits for the lock: callers then leave it alone (they queue their
    /// requests instead), so a caller calling in a loop cannot starve the host's events.
    wanted: AtomicBool,
    sleepers: AtomicUsize,
    gate: Mutex<()>,
    freed: Condvar,
}

impl JsLock {
    /// Takes the lock for a caller if it is free and the host thread is not waiting for it.
    pub fn try_lock(&self) -> bool {
        !self.wanted.load(Ordering::Relaxed) && self.grab()
    }

    /// `try_lock`, let go when the answer is dropped.
    pub fn try_hold(&self) -> Option<Held<'_>> {
        self.try_lock().then(|| Held(self))
    }

    fn grab(&self) -> bool {
        self.held.compare_exchange(false, true, Ordering::SeqCst, Ordering::Relaxed).is_ok()
    }

    /// Takes the lock for the host thread, waiting as long as a direct call runs.
    pub fn lock(&self) {
        if self.grab() {
            return;
        }
        self.wanted.store(true, Ordering::SeqCst);
        // A direct call is over in a microsecond or two: look before sleeping.
        if !spin_until(|| !self.held.load(Ordering::Relaxed) && self.grab(), SPIN) {
            self.sleepers.fetch_add(1, Ordering::SeqCst);
            let mut gate = lock(&self.gate);
            // SeqCst with `unlock`: either it sees this sleeper, or this sees the lock free.
            while !self.grab() {
                gate = self.freed.wait(gate).unwrap_or_else(|p| p.into_inner());
            }
            drop(gate);
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
        }
        self.wanted.store(false, Ordering::SeqCst);
    }

    pub fn unlock(&self) {
        self.held.store(false, Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            let _gate = lock(&self.gate);
            self.freed.notify_all();
        }
    }
}

/// A caller's hold on a `JsLock`.
pub struct Held<'a>(&'a JsLock);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.unlock();
    }
}

/// A direct call in progress, on the stack of the thread making it: what answers the host's
/// Python calls meanwhile, and the call it is nested in, if any.
struct Frame {
    pump: *const (dyn Fn() -> bool + Sync),
    /// The request served, and its reply once sent (`keep_reply`).
    request: u64,
    reply: Option<Outcome>,
    /// Opens the request's chain on the client, for a call that did not open it up front
    /// (D41): run once, before the host first queues a message during the call.
    open: Option<*const (dyn Fn() + Sync)>,
    outer: *mut Frame,
}

/// The direct calls in progress on one link, innermost first: a Python callback of a direct
/// call may call again, directly, into the same host (nested on the chain). Only the JS lock's
/// holder makes them, so the stack is the link's, not a thread-local one: in a library each
/// look at a thread-local is a call into the dynamic loader (`__tls_get_addr`), and a
/// thread-local vector of frames cost a push, a pop and a search on every direct call. The
/// atomics are relaxed: only the owner writes them, under the lock, and another thread only
/// ever compares `owner` with its own id, which it alone can have written.
#[derive(Default)]
pub struct Calls {
    /// The thread making them (`pthread_self`), 0 when none.
    owner: AtomicUsize,
    /// The innermost frame, on the owner's stack; null when none.
    innermost: AtomicPtr<Frame>,
}

/// This thread's id for `Calls::owner`: never 0 (a pthread_t is the address of the thread's
/// control block), and one call into libc, no thread-local look-up.
fn this_thread() -> usize {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as usize }
}

impl Calls {
    /// Whether this thread is inside a direct call on this link (so it holds the JS lock).
    pub fn inside(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == this_thread()
    }

    /// Runs `f` on this thread's innermost direct call on this link, if it makes one.
    fn innermost<R>(&self, f: impl FnOnce(&mut Frame) -> R) -> Option<R> {
        if !self.inside() {
            return None;
        }
        // SAFETY: while this thread owns the stack, `innermost` points at a frame of `enter`
        // still on this thread's stack (popped before `enter` returns, on unwinding too), and
        // nothing else touches it meanwhile.
        unsafe { self.innermost.load(Ordering::Relaxed).as_mut() }.map(f)
    }

    /// Runs `f`, serving `request` as a direct call, with `pump` answering its Python calls and
    /// `open` (if given) opening its chain when first needed (`before_queueing`). The caller
    /// holds the JS lock. Answers `f`'s result; the reply `keep_reply` kept, if it did, goes to
    /// `reply` (handed back beside the result, the pair was copied out whole after it was
    /// written in pieces, D52).
    pub fn enter<R>(
        &self,
        request: u64,
        pump: &(dyn Fn() -> bool + Sync),
        open: Option<&(dyn Fn() + Sync)>,
        reply: &mut Option<Outcome>,
        f: impl FnOnce() -> R,
    ) -> R {
        /// Pops the frame, on unwinding too; the outermost one gives the stack up.
        struct Leave<'a>(&'a Calls, *mut Frame);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.innermost.store(self.1, Ordering::Relaxed);
                if self.1.is_null() {
                    self.0.owner.store(0, Ordering::Relaxed);
                }
            }
        }
        // SAFETY: only the lifetime is erased; the frame is popped (by `Leave`, on unwinding too)
        // before `pump` goes out of scope, and it is only called from within `f`.
        let pump: *const (dyn Fn() -> bool + Sync) = unsafe { std::mem::transmute(pump) };
        // SAFETY: as for `pump`.
        let open = open.map(|o| unsafe { std::mem::transmute::<&(dyn Fn() + Sync), *const (dyn Fn() + Sync)>(o) });
        let me = this_thread();
        let outer = if self.owner.load(Ordering::Relaxed) == me { self.innermost.load(Ordering::Relaxed) } else { std::ptr::null_mut() };
        let mut frame = Frame { pump, request, reply: None, open, outer };
        let at: *mut Frame = &mut frame;
        self.owner.store(me, Ordering::Relaxed);
        self.innermost.store(at, Ordering::Relaxed);
        let leave = Leave(self, outer);
        let r = f();
        // SAFETY: `at` is the frame above, still alive; nothing else holds a reference to it now.
        if let Some(kept) = unsafe { (*at).reply.take() } {
            *reply = Some(kept);
        }
        drop(leave);
        r
    }

    /// On a thread making a direct call on this link: keeps `msg` if it is the reply to that
    /// call (the innermost one), for the caller to take straight from `enter` instead of from
    /// the queue. Hands it back otherwise. The host only offers a reply nothing is queued ahead
    /// of, so the client misses nothing it should have read first.
    pub fn keep_reply(&self, msg: ServerMessage) -> Result<(), ServerMessage> {
        let ServerMessage::Reply { id, chain, outcome } = msg else { return Err(msg) };
        let mut outcome = Some(outcome);
        self.innermost(|f| {
            if f.request == id && f.reply.is_none() {
                f.reply = outcome.take();
            }
        });
        match outcome {
            None => Ok(()),
            Some(outcome) => Err(ServerMessage::Reply { id, chain, outcome }),
        }
    }

    /// On a thread making a direct call on this link: opens the call's chain on the client if
    /// it is not open yet, before the host queues a message the client may file under it (a
    /// Python call, the reply). On any other thread: nothing.
    pub fn before_queueing(&self) {
        if let Some(open) = self.innermost(|f| f.open.take()).flatten() {
            // SAFETY: the frame holding this pointer is still on this thread's stack (see
            // `enter`).
            unsafe { (*open)() };
        }
    }

    /// On a thread making a direct call on this link: runs what the host sent the call's
    /// chain (its `pump`) until `has_mail` (the host has something to read). On any other
    /// thread (the host's own): nothing.
    pub fn pump_until_mail(&self, has_mail: impl Fn() -> bool) {
        let Some(pump) = self.innermost(|f| f.pump) else { return };
        let mut nap = Duration::from_micros(10);
        while !has_mail() {
            // SAFETY: the frame holding this pointer is still on this thread's stack (see
            // `enter`).
            if unsafe { (*pump)() } {
                continue;
            }
            // Nothing for this caller: what the host waits for comes from another thread (the
            // event dispatcher answering a Python call of an event turn, say). Rare: nap.
            if !spin_until(&has_mail, SPIN) {
                std::thread::sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(1));
            }
        }
    }
}

/// Whether the ELF file at `path` has thread-local storage (a `PT_TLS` program header): its code
/// may then tell threads apart, so its calls must stay on the host thread. Unreadable or
/// unfamiliar files count as having it.
pub fn has_thread_locals(path: &Path) -> bool {
    use std::os::unix::fs::FileExt;
    const PT_TLS: u32 = 7;
    // Only the ELF header and each program header's type are read, not the library.
    let Ok(file) = std::fs::File::open(path) else { return true };
    let mut header = [0u8; 64];
    // 64-bit little-endian ELF, the only kind this host loads.
    if file.read_exact_at(&mut header, 0).is_err() || header[..6] != [0x7f, b'E', b'L', b'F', 2, 1] {
        return true;
    }
    let phoff = u64::from_le_bytes(header[0x20..0x28].try_into().expect("8 bytes"));
    let phentsize = u64::from(u16::from_le_bytes([header[0x36], header[0x37]]));
    let phnum = u64::from(u16::from_le_bytes([header[0x38], header[0x39]]));
    let mut kind = [0u8; 4];
    (0..phnum).any(|i| {
        phoff.checked_add(i * phentsize).is_none_or(|at| file.read_exact_at(&mut kind, at).is_err() || u32::from_le_bytes(kind) == PT_TLS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_caller_only_takes_a_free_lock_the_host_thread_does_not_want() {
        let js = Arc::new(JsLock::default());
        assert!(js.try_lock());
        assert!(!js.try_lock(), "held");
        let theirs = js.clone();
        let (took, taken) = std::sync::mpsc::channel();
        let host = std::thread::spawn(move || {
            theirs.lock();
            took.send(()).unwrap();
            std::thread::sleep(Duration::from_millis(20));
            theirs.unlock();
        });
        while !js.wanted.load(Ordering::SeqCst) {
            std::thread::yield_now();
        }
        js.unlock();
        // Free, but wanted: callers keep off until the host thread has had its turn.
        while taken.try_recv().is_err() {
            assert!(!js.try_lock(), "a caller took the lock the host thread waits for");
        }
        assert!(!js.try_lock(), "the host thread holds it now");
        host.join().unwrap();
        assert!(js.try_lock(), "free again once the host thread lets go");
    }

    #[test]
    fn a_host_thread_asleep_on_the_lock_is_woken_when_it_is_freed() {
        let js = Arc::new(JsLock::default());
        assert!(js.try_lock());
        let theirs = js.clone();
        let host = std::thread::spawn(move || theirs.lock());
        std::thread::sleep(Duration::from_millis(50)); // past the spin: asleep
        assert_eq!(js.sleepers.load(Ordering::SeqCst), 1);
        js.unlock();
        host.join().unwrap();
        assert!(!js.try_lock(), "the host thread holds it now");
    }

    #[test]
    fn thread_local_storage_is_found_in_elf_program_headers() {
        let dir = std::env::temp_dir().join(format!("napi-direct-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A minimal 64-bit ELF header with two program headers, the second of type `tls`.
        let elf = |tls: u32| {
            let mut b = vec![0u8; 0x40 + 2 * 0x38];
            b[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
            b[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
            b[0x36..0x38].copy_from_slice(&0x38u16.to_le_bytes());
            b[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
            b[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
            b[0x78..0x7c].copy_from_slice(&tls.to_le_bytes());
            b
        };
        let (with, without, text) = (dir.join("with.node"), dir.join("without.node"), dir.join("text.node"));
        std::fs::write(&with, elf(7)).unwrap();
        std::fs::write(&without, elf(1)).unwrap();
        std::fs::write(&text, b"not an ELF file").unwrap();
        assert!(has_thread_locals(&with));
        assert!(!has_thread_locals(&without));
        assert!(has_thread_locals(&text), "unfamiliar files stay on the host thread");
        assert!(has_thread_locals(&dir.join("missing.node")));
        let mut cut = elf(1);
        cut.truncate(0x60);
        std::fs::write(&without, cut).unwrap();
        assert!(has_thread_locals(&without), "program headers past the end");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
