//! Which runtime is this thread's: the one Node-API functions find (`Runtime::with_current`).
//! The JS thread installs its own for good; a caller's thread running a direct call enters one
//! for the call's length.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::stack::StackReserve;
use super::Runtime;

thread_local! {
    /// The runtime of this thread, as a bare pointer into its `Rc`: the lookup at the start of
    /// every Node-API call (`with_current`) pays no borrow flag, reference count or destructor
    /// registration. Whoever sets it keeps the runtime alive while it is set: `INSTALLED` for
    /// the JS thread, an `Entered` (borrowing the caller's `Rc`) for a direct call, and an
    /// `Entered` (owning a count) for the runtime it puts back. A runtime dropped while it is set
    /// (its `Entered` leaked) ends the process, and so do guards dropped out of order: it is null
    /// or points to a live runtime.
    static CURRENT_PTR: Cell<*const Runtime> = const { Cell::new(std::ptr::null()) };
    /// The JS thread's own runtime (`install`), kept alive for the thread's life.
    static INSTALLED: Installed = const { Installed(RefCell::new(None)) };
}

/// The JS thread's runtime. When the thread ends, the pointer is cleared before the runtime is
/// let go, so nothing later on the thread finds a freed runtime.
struct Installed(RefCell<Option<Rc<Runtime>>>);

impl Drop for Installed {
    fn drop(&mut self) {
        CURRENT_PTR.with(|p| p.set(std::ptr::null()));
    }
}

/// Makes `rt` this thread's runtime, answering the one it replaces.
fn set_current(rt: *const Runtime) -> *const Runtime {
    CURRENT_PTR.with(|p| p.replace(rt))
}

/// A runtime entered on a thread (`Runtime::enter`) for as long as the `Rc` it borrows, with
/// the one it replaced. It owns no count of the one entered: a direct call's clone of the
/// runtime and the drop of the clone, and the second thread-local they were kept in, were about
/// 60 instructions of an in-process `add`. It owns one of the runtime it replaced, if any
/// (a direct call nested in another host's, which is rare), so that what it puts back is alive
/// even when that runtime's own guard leaked.
pub struct Entered<'a> {
    entered: *const Runtime,
    before: Option<Rc<Runtime>>,
    /// The stack the entered runtime checked before (its JS thread's), put back on leaving.
    stack_before: StackReserve,
    _runtime: std::marker::PhantomData<&'a Rc<Runtime>>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        // One only this guard still keeps (its own guard leaked and its owner let it go) is not
        // put back: it dies with the guard.
        let back = match &self.before {
            Some(rt) if Rc::strong_count(rt) > 1 => Rc::as_ptr(rt),
            _ => std::ptr::null(),
        };
        // Guards nest as the scopes that hold them: one dropped before a guard made after it
        // would put back a runtime that nothing keeps alive any more.
        if !std::ptr::eq(set_current(back), self.entered) {
            fatal("Runtime::enter's guards were dropped out of order");
        }
        // SAFETY: `entered` is the runtime of the `Rc` this guard borrows, alive for its life.
        unsafe { (*self.entered).stack.set(self.stack_before) };
    }
}

impl Drop for Runtime {
    /// A runtime dies while it is its thread's current one only when its `Entered` leaked, and
    /// `with_current` may have lent it out: nothing can go on.
    fn drop(&mut self) {
        if std::ptr::eq(CURRENT_PTR.with(Cell::get), self) {
            fatal("a runtime was dropped while it was its thread's current runtime (Runtime::enter's guard leaked)");
        }
    }
}

/// Ends the process: what `CURRENT_PTR` promises no longer holds.
#[cold]
fn fatal(why: &str) -> ! {
    eprintln!("napi-runtime: {why}");
    std::process::abort()
}

impl Runtime {
    /// Makes `rt` the runtime of this thread (the JS thread), once: replacing it would free a
    /// runtime `with_current` may have lent out.
    pub fn install(rt: Rc<Runtime>) {
        INSTALLED.with(|i| {
            let mut installed = i.0.borrow_mut();
            assert!(installed.is_none(), "a thread is the JS thread of one runtime");
            set_current(Rc::as_ptr(&rt));
            rt.stack.set(StackReserve::of_this_thread());
            *installed = Some(rt);
        });
    }

    /// Makes `rt` this thread's runtime until the answer is dropped, which restores the one
    /// before: a caller's thread running a direct call.
    pub fn enter(rt: &Rc<Runtime>) -> Entered<'_> {
        let before = set_current(Rc::as_ptr(rt));
        // SAFETY: the pointer was this thread's current runtime, so it is null or a live
        // runtime's `Rc::as_ptr` (see `CURRENT_PTR`); the count raised is the one the `Rc`
        // made here owns.
        let before = (!before.is_null()).then(|| unsafe {
            Rc::increment_strong_count(before);
            Rc::from_raw(before)
        });
        // Its recursion is limited by this thread's stack while it runs here.
        let stack_before = rt.stack.replace(StackReserve::of_this_thread());
        Entered { entered: Rc::as_ptr(rt), before, stack_before, _runtime: std::marker::PhantomData }
    }

    /// The runtime of this thread, if this is the JS thread.
    pub fn current() -> Option<Rc<Runtime>> {
        let rt = CURRENT_PTR.with(Cell::get);
        if rt.is_null() {
            return None;
        }
        // SAFETY: a set pointer is `Rc::as_ptr` of a runtime's `Rc` that its setter keeps alive
        // (see `CURRENT_PTR`); the count is raised for the `Rc` made here, which owns it.
        unsafe {
            Rc::increment_strong_count(rt);
            Some(Rc::from_raw(rt))
        }
    }

    /// Runs `f` with the runtime of this thread, if this is the JS thread, borrowed.
    pub fn with_current<R>(f: impl FnOnce(Option<&Runtime>) -> R) -> R {
        let rt = CURRENT_PTR.with(Cell::get);
        // SAFETY: a set pointer's runtime is alive (see `CURRENT_PTR`) and stays so while `f`
        // runs: `install` never replaces it, and the `Rc` an `Entered` borrows cannot be given up
        // inside `f` (a leaked guard's runtime ends the process when dropped instead). A runtime
        // entered while `f` runs (a Python callback calling another in-process host directly)
        // is left again, putting this one back, before `f` goes on.
        f(unsafe { rt.as_ref() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoNative;

    #[test]
    fn an_entered_runtime_is_current_until_left_and_holds_no_count_of_its_own() {
        let installed = Runtime::new(Box::new(NoNative));
        Runtime::install(installed.clone());
        let same = |a: &Option<Rc<Runtime>>, b: &Rc<Runtime>| a.as_ref().is_some_and(|a| Rc::ptr_eq(a, b));
        assert!(same(&Runtime::current(), &installed));
        let other = Runtime::new(Box::new(NoNative));
        let count = Rc::strong_count(&other);
        {
            let _entered = Runtime::enter(&other);
            assert_eq!(Rc::strong_count(&other), count, "entering borrows the caller's Rc");
            let current = Runtime::current();
            assert!(same(&current, &other));
            assert_eq!(Rc::strong_count(&other), count + 1, "`current` answers an Rc of its own");
            drop(current);
            {
                let _nested = Runtime::enter(&installed);
                assert!(same(&Runtime::current(), &installed));
            }
            assert!(same(&Runtime::current(), &other), "a nested enter puts the outer runtime back");
            Runtime::with_current(|rt| assert!(rt.is_some_and(|rt| std::ptr::eq(rt, &*other))));
        }
        assert_eq!(Rc::strong_count(&other), count);
        assert!(same(&Runtime::current(), &installed), "leaving puts the installed runtime back");
    }

    #[test]
    fn a_runtime_put_back_is_kept_alive_by_the_guard_even_when_its_own_guard_leaked() {
        let (first, second) = (Runtime::new(Box::new(NoNative)), Runtime::new(Box::new(NoNative)));
        std::mem::forget(Runtime::enter(&first));
        let entered = Runtime::enter(&second);
        let weak = Rc::downgrade(&first);
        drop(first);
        assert!(weak.upgrade().is_some(), "the guard that replaced it keeps it");
        drop(entered);
        assert!(weak.upgrade().is_none(), "only that guard kept it: it dies instead of becoming current again");
        assert!(Runtime::current().is_none());
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

    #[test]
    fn a_thread_without_a_runtime_has_none() {
        std::thread::spawn(|| {
            assert!(Runtime::current().is_none());
            Runtime::with_current(|rt| assert!(rt.is_none()));
        })
        .join()
        .unwrap();
    }
}
