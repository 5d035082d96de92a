//! Which thread may use a runtime now, and the way a Node-API call finds its runtime: the
//! `napi_env` an addon holds points to an [`EnvSlot`], which leads to the runtime and to the
//! thread that entered it, compared with the caller's own (no thread-local read: the library is
//! a `cdylib`, where each read is a `__tls_get_addr` call). The JS thread installs its runtime
//! for good; a caller's thread running a direct call enters one for the call's length.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};

use super::stack::StackReserve;
use super::Runtime;

/// The threads that may use a runtime, by [`this_thread`]'s id (0: none): the one inside it now
/// (`Runtime::enter`) and its JS thread (`Runtime::install`), which may use it while no other
/// is inside. Never freed (`EnvSlot`). Only the thread named writes its id into `entered`, and
/// a thread that ends while named (a leaked `Entered`, an `exit` inside a call) is forgotten
/// (`EnteredHere`, `Installed`), so no later thread given the same id can pass for it.
///
/// `regular` names the thread that entered last and has this presence noted in its
/// `EnteredHere` (so that its end forgets it): while it is that thread that enters again, as a
/// direct call's caller does call after call, entering reads no thread-local (`Runtime::enter`).
#[derive(Default)]
pub(crate) struct Presence {
    pub(crate) entered: AtomicUsize,
    installed: AtomicUsize,
    regular: AtomicUsize,
}

impl Presence {
    /// A presence for a new runtime, kept for the process's life.
    pub(crate) fn leaked() -> &'static Presence {
        kept_for_good(Presence::default())
    }

    /// Names `thread` no more, as it ends: a thread started later may get its id.
    fn forget(&self, thread: usize) {
        let _ = self.entered.compare_exchange(thread, 0, Relaxed, Relaxed);
        let _ = self.installed.compare_exchange(thread, 0, Relaxed, Relaxed);
        let _ = self.regular.compare_exchange(thread, 0, Relaxed, Relaxed);
    }

    /// Whether this thread may use the runtime now: it entered it, or it is its JS thread and
    /// no other thread is inside. Two loads and a compare; relaxed, as only this thread writes
    /// its own id, and what the runtime holds is passed between threads by the JS lock.
    #[inline(always)]
    pub(crate) fn is_here(&self) -> bool {
        let me = this_thread();
        // Compared first, tested for none only on a mismatch: a direct call's thread entered
        // (every in-process Node-API call) passes in one compare (`me` is never 0).
        let entered = self.entered.load(Relaxed);
        entered == me || (entered == 0 && self.installed.load(Relaxed) == me)
    }
}

/// The addresses of what [`kept_for_good`] keeps. Nothing reads them: they are here so that
/// LeakSanitizer, which reports a block that no scanned memory points to when a process exits,
/// finds each kept block still reachable. An `EnvSlot` outlives its runtime on purpose (an addon
/// may hold its `napi_env` after the runtime's end) and then only the addon's memory, which LSan
/// may not scan, points to it; without this list every host ended with one leak report per env.
static KEPT: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// `value`, moved to the heap and kept there for the process's life (one per runtime or env,
/// never on a call's path): a `Box::leak` that LeakSanitizer sees as reachable (`KEPT`).
pub(crate) fn kept_for_good<T>(value: T) -> &'static T {
    let kept: &'static T = Box::leak(Box::new(value));
    // A panic elsewhere while the list was locked left it whole: a push is all it ever sees.
    KEPT.lock().unwrap_or_else(PoisonError::into_inner).push(std::ptr::from_ref(kept) as usize);
    kept
}

/// This thread's id while it lives, never 0: its thread pointer on Linux (one instruction, where
/// `pthread_self` is a call through the PLT on every Node-API call), `pthread_self` on the
/// other Unixes, Windows's thread id. Also the in-process host's name for a thread (its JS
/// lock's owner, its host thread), several times a direct call.
#[inline(always)]
pub fn this_thread() -> usize {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    {
        let tp: usize;
        // SAFETY: reads %fs:0, where the x86-64 TLS ABI keeps the thread pointer's own value:
        // the thread's control block, distinct for each live thread and fixed for its life.
        unsafe { std::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags, pure)) };
        tp
    }
    #[cfg(all(target_os = "linux", target_arch = "aarch64"))]
    {
        let tp: usize;
        // SAFETY: reads TPIDR_EL0, the thread pointer: distinct for each live thread and fixed
        // for its life.
        unsafe { std::arch::asm!("mrs {}, tpidr_el0", out(reg) tp, options(nostack, nomem, preserves_flags, pure)) };
        tp
    }
    #[cfg(all(unix, not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))))]
    {
        // SAFETY: takes nothing, fails never.
        unsafe { libc::pthread_self() as usize }
    }
    #[cfg(windows)]
    {
        // SAFETY: takes nothing, fails never.
        unsafe { windows_sys::Win32::System::Threading::GetCurrentThreadId() as usize }
    }
}

thread_local! {
    /// The JS thread's own runtime (`install`), kept alive for the thread's life.
    static INSTALLED: Installed = const { Installed(RefCell::new(None)) };
    /// The runtimes this thread has entered (their presences).
    static ENTERED: EnteredHere = const { EnteredHere { last: Cell::new(None), others: RefCell::new(Vec::new()) } };
}

/// The JS thread's runtime. When the thread ends, it stops being the runtime's JS thread before
/// the runtime is let go.
struct Installed(RefCell<Option<Rc<Runtime>>>);

impl Drop for Installed {
    fn drop(&mut self) {
        if let Some(rt) = self.0.borrow().as_ref() {
            rt.presence.forget(this_thread());
        }
    }
}

/// The presences of the runtimes a thread has entered, looked at when it ends: one that still
/// names it (its `Entered` leaked, or the process is exiting from inside a call) must stop, or a
/// thread started later with the same id would pass for it. Noted on entering only (leaving
/// looks at no thread-local), the last one apart: a thread enters the same runtime call after
/// call.
struct EnteredHere {
    last: Cell<Option<&'static Presence>>,
    others: RefCell<Vec<&'static Presence>>,
}

impl EnteredHere {
    #[inline(always)]
    fn note(&self, presence: &'static Presence) {
        if !self.last.get().is_some_and(|last| std::ptr::eq(last, presence)) {
            self.note_new(presence);
        }
    }

    #[cold]
    #[inline(never)]
    fn note_new(&self, presence: &'static Presence) {
        if let Some(last) = self.last.replace(Some(presence)) {
            let mut others = self.others.borrow_mut();
            if !others.iter().any(|p| std::ptr::eq(*p, last)) {
                others.push(last);
            }
        }
    }
}

impl Drop for EnteredHere {
    fn drop(&mut self) {
        let me = this_thread();
        for presence in self.others.borrow().iter().copied().chain(self.last.get()) {
            presence.forget(me);
        }
    }
}

/// A runtime entered on a thread (`Runtime::enter`) for as long as the `Rc` it borrows, with
/// the thread that was inside before (itself, nested; or one that handed it over and waits).
/// It owns no count of the runtime: a direct call's clone of the runtime and the drop of the
/// clone were about 60 instructions of an in-process `add`.
pub struct Entered<'a> {
    rt: &'a Runtime,
    before: usize,
    /// The stack the runtime checked before, put back on leaving.
    stack_before: StackReserve,
}

impl Drop for Entered<'_> {
    #[inline]
    fn drop(&mut self) {
        self.rt.stack.set(self.stack_before);
        // Guards of one runtime nest as the scopes that hold them: one dropped before a guard
        // made after it would leave this thread named inside after both.
        let entered = &self.rt.presence.entered;
        if entered.load(Relaxed) != this_thread() {
            fatal("Runtime::enter's guards were dropped out of order");
        }
        entered.store(self.before, Relaxed);
    }
}

impl Drop for Runtime {
    /// A runtime dies while a thread is named in its presence only when an `Entered` leaked or
    /// `Installed` was bypassed, and `with_entered` may have lent it out: nothing can go on.
    fn drop(&mut self) {
        if self.presence.entered.load(Relaxed) != 0 || self.presence.installed.load(Relaxed) != 0 {
            fatal("a runtime was dropped while a thread was inside it (Runtime::enter's guard leaked)");
        }
    }
}

/// Ends the process: what `Presence` promises no longer holds.
#[cold]
fn fatal(why: &str) -> ! {
    eprintln!("napi-runtime: {why}");
    std::process::abort()
}

impl Runtime {
    /// Makes `rt` the runtime of this thread (the JS thread), once: replacing it would free a
    /// runtime `with_entered` may have lent out.
    pub fn install(rt: Rc<Runtime>) {
        INSTALLED.with(|i| {
            let mut installed = i.0.borrow_mut();
            assert!(installed.is_none(), "a thread is the JS thread of one runtime");
            rt.presence.installed.store(this_thread(), Relaxed);
            rt.stack.set(StackReserve::of_this_thread());
            *installed = Some(rt);
        });
    }

    /// Makes this thread the one inside `rt` until the answer is dropped, which names the one
    /// inside before again: a caller's thread running a direct call.
    #[inline]
    pub fn enter(rt: &Rc<Runtime>) -> Entered<'_> {
        let rt: &Runtime = rt;
        let me = this_thread();
        // The thread that entered last, entering again: already noted, and its stack known. A
        // thread-local read here is a `__tls_get_addr` call (the library is a `cdylib`).
        let stack = if rt.presence.regular.load(Relaxed) == me { rt.regular_stack.get() } else { rt.enter_anew(me) };
        // A load and a store, not a swap (a locked instruction): only the thread that may use
        // the runtime writes here, and the JS lock or a hand-off orders those threads.
        let before = rt.presence.entered.load(Relaxed);
        rt.presence.entered.store(me, Relaxed);
        // Its recursion is limited by this thread's stack while it runs here.
        let stack_before = rt.stack.replace(stack);
        Entered { rt, before, stack_before }
    }

    /// `enter`'s look at this thread's own state, made when another thread entered last: the
    /// runtime noted among those this thread entered, and this thread's stack. It becomes the
    /// regular thread only once noted, so that its end forgets it (`EnteredHere`); a thread
    /// whose thread-locals are being destroyed is not noted (it is ending anyway) and stays
    /// irregular.
    #[cold]
    #[inline(never)]
    fn enter_anew(&self, me: usize) -> StackReserve {
        let stack = StackReserve::of_this_thread();
        if ENTERED.try_with(|e| e.note(self.presence)).is_ok() {
            self.regular_stack.set(stack);
            self.presence.regular.store(me, Relaxed);
        }
        stack
    }

    /// Whether this thread may use this runtime now (it installed or entered it).
    pub fn is_here(&self) -> bool {
        self.presence.is_here()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::EnvSlot;
    use crate::NoNative;
    use std::ffi::CString;

    fn new_env(rt: &Runtime) -> *const EnvSlot {
        let id = rt.add_env(8, CString::new("file:///test.node").unwrap());
        rt.env(id).unwrap().handle()
    }

    /// Whether a Node-API call with `handle` on this thread would find `rt`.
    fn finds(handle: *const EnvSlot, rt: &Runtime) -> bool {
        // SAFETY: a handle `Env::handle` gave.
        unsafe { EnvSlot::with_entered(handle, |found| found.is_some_and(|(r, _)| std::ptr::eq(r, rt))) }
    }

    #[test]
    fn an_entered_runtime_is_this_threads_until_left_and_holds_no_count_of_its_own() {
        let (installed, other) = (Runtime::new(Box::new(NoNative)), Runtime::new(Box::new(NoNative)));
        let (env, other_env) = (new_env(&installed), new_env(&other));
        assert!(!finds(env, &installed), "not yet installed");
        Runtime::install(installed.clone());
        assert!(finds(env, &installed) && !finds(other_env, &other));
        let count = Rc::strong_count(&other);
        {
            let _entered = Runtime::enter(&other);
            assert_eq!(Rc::strong_count(&other), count, "entering borrows the caller's Rc");
            assert!(finds(other_env, &other));
            {
                let _nested = Runtime::enter(&other);
                assert!(finds(other_env, &other));
            }
            assert!(finds(other_env, &other), "a nested enter leaves the thread inside");
        }
        assert!(!finds(other_env, &other), "leaving names the thread inside before: none");
        assert!(finds(env, &installed));
        // SAFETY: null, which it refuses.
        assert!(unsafe { EnvSlot::with_entered(std::ptr::null(), |found| found.is_none()) }, "a null env");
    }

    #[test]
    fn a_thread_that_has_not_entered_a_runtime_is_refused_and_so_is_every_thread_after_its_end() {
        let rt = Runtime::new(Box::new(NoNative));
        let env = new_env(&rt) as usize;
        let entered = Runtime::enter(&rt);
        assert!(finds(env as *const EnvSlot, &rt));
        let elsewhere = std::thread::spawn(move || {
            // SAFETY: a handle `Env::handle` gave; refused here, so nothing of it is read.
            unsafe { EnvSlot::with_entered(env as *const EnvSlot, |found| found.is_none()) }
        });
        assert!(elsewhere.join().unwrap(), "another thread is refused while this one is inside");
        drop(entered);
        drop(rt);
        // SAFETY: the slot outlives its runtime.
        assert!(unsafe { EnvSlot::with_entered(env as *const EnvSlot, |found| found.is_none()) }, "after its end");
    }

    #[test]
    fn the_js_thread_uses_its_runtime_only_while_no_other_thread_is_inside() {
        std::thread::spawn(|| {
            let rt = Runtime::new(Box::new(NoNative));
            let env = new_env(&rt);
            Runtime::install(rt.clone());
            assert!(rt.is_here());
            // Another thread's turn inside, as an in-process caller's: the presence is what it
            // would be there, written here (a runtime cannot be sent to another thread).
            rt.presence.entered.store(this_thread() ^ 1, Relaxed);
            assert!(!finds(env, &rt), "the JS thread is refused while another thread is inside");
            rt.presence.entered.store(0, Relaxed);
            assert!(finds(env, &rt));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_that_ends_inside_a_runtime_is_no_longer_named_there() {
        let env = std::thread::spawn(|| {
            let rt = Runtime::new(Box::new(NoNative));
            let env = new_env(&rt);
            std::mem::forget(Runtime::enter(&rt));
            std::mem::forget(rt); // dropped while named inside, it would end the process
            env as usize
        })
        .join()
        .unwrap();
        // SAFETY: a slot `Env::handle` gave, never freed.
        let presence = unsafe { (*(env as *const EnvSlot)).presence };
        assert_eq!(presence.entered.load(Relaxed), 0, "a later thread given its id would pass for it");
    }

    /// The thread that entered last enters again without its thread-locals: it must still
    /// be forgotten at its end, and run on its own stack's reserve while inside.
    #[test]
    fn the_thread_that_entered_last_enters_on_its_own_stack_and_is_forgotten_at_its_end() {
        let presence = std::thread::spawn(|| {
            let rt = Runtime::new(Box::new(NoNative));
            let ours = StackReserve::of_this_thread();
            // As a runtime made on another thread has it.
            rt.stack.set(StackReserve::default());
            for _ in 0..2 {
                let _entered = Runtime::enter(&rt);
                assert_eq!(rt.stack.get(), ours, "this thread's stack checked while inside");
                assert_eq!(rt.presence.regular.load(Relaxed), this_thread());
            }
            assert_eq!(rt.stack.get(), StackReserve::default(), "the stack before put back on leaving");
            std::ptr::from_ref(rt.presence) as usize
        })
        .join()
        .unwrap();
        // SAFETY: a presence is kept for good.
        let presence = unsafe { &*(presence as *const Presence) };
        assert_eq!(presence.regular.load(Relaxed), 0, "a later thread given its id would skip being noted");
    }

    #[test]
    fn an_env_slot_and_its_presence_stay_reachable_after_the_runtimes_end() {
        let rt = Runtime::new(Box::new(NoNative));
        let slot = new_env(&rt);
        drop(rt);
        // SAFETY: a slot `Env::handle` gave, never freed.
        let presence = std::ptr::from_ref(unsafe { (*slot).presence });
        let kept = KEPT.lock().unwrap();
        for (what, address) in [("slot", slot as usize), ("presence", presence as usize)] {
            assert!(kept.contains(&address), "LeakSanitizer would report the {what} as leaked");
        }
    }

    #[test]
    fn a_second_install_on_one_thread_is_refused() {
        std::thread::spawn(|| {
            Runtime::install(Runtime::new(Box::new(NoNative)));
            let again = std::panic::catch_unwind(|| Runtime::install(Runtime::new(Box::new(NoNative))));
            assert!(again.is_err());
        })
        .join()
        .unwrap();
    }
}
