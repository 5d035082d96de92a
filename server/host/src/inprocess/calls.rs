//! A Python thread's call into an in-process host: which way it goes ([`Route`], the one
//! decision), and serving it under the JS lock, here or relayed to the host thread.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use napi_runtime::current::this_thread;

use super::js_lock::{Hold, JsLockHeld};
use super::relay_line::Busy;
use super::share::InProcess;
use super::thread_locals::has_thread_locals;
use crate::turn::{Caller, Direct, Served};

/// Which way a request to an in-process host goes ([`InProcess::route`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// On the calling thread, under the JS lock, the Python calls it causes run inline: a
    /// direct call.
    Here,
    /// A direct call whose JS the host thread runs on the caller's behalf, the Python calls it
    /// causes still inline on the calling thread (`relay`): for hosts whose libraries have
    /// thread-local storage.
    Relayed,
    /// Over the rings to the host thread, as to a host in another process.
    HostThread,
}

impl InProcess {
    /// Which way a request made now on this thread goes: the one decision between a direct call
    /// (run here or relayed) and the rings. `from_message`: it is made from a Python call that
    /// came by message.
    ///
    /// - A request made from a Python call that came by message goes by message too: the host
    ///   thread waits on the rings for that call's answer, serving its chain's requests there.
    /// - A request nested in a direct call goes as that call went; the host thread in a turn of
    ///   its own runs what it asks for itself.
    /// - Everything else runs on this thread, until a library with thread-local storage is
    ///   loaded; from then on it is relayed to the host thread.
    /// - A host whose JS thread is its starter's (`js_thread`) runs that thread's requests here
    ///   whatever is loaded, and takes other threads' by message, for that thread to serve.
    #[inline]
    pub fn route(&self, from_message: bool) -> Route {
        if from_message || (self.js_thread_is_callers() && !self.on_host_thread()) {
            Route::HostThread
        } else if self.relayed_here() {
            Route::Relayed
        } else {
            Route::Here
        }
    }

    /// Whether a call made now by a thread outside any call of this host runs on that thread
    /// (`Host.direct_calls`): until a library with thread-local storage is loaded.
    pub fn takes_direct_calls(&self) -> bool {
        !self.relays() && (!self.js_thread_is_callers() || self.on_host_thread())
    }

    /// Whether a library with thread-local storage was loaded: calls are relayed from then on.
    #[inline]
    pub(super) fn relays(&self) -> bool {
        self.calls_stay_on_host_thread.load(Ordering::Acquire)
    }

    /// Whether a direct call made now on this thread is relayed to the host thread. Nested in a
    /// direct call (this thread holds the JS lock), as that one went; otherwise when the host
    /// relays, unless this is the host thread itself, in a turn of its own.
    #[inline]
    pub(super) fn relayed_here(&self) -> bool {
        self.relayed_when(self.js.held_here())
    }

    /// [`InProcess::relayed_here`] for a thread that holds the JS lock as an outer call's
    /// (`nested`) or not; asked again under the lock by a thread that did not hold it before.
    #[inline]
    pub(super) fn relayed_when(&self, nested: bool) -> bool {
        if nested {
            self.relaying.load(Ordering::Relaxed)
        } else {
            self.relayed_for(this_thread())
        }
    }

    /// [`InProcess::relayed_when`] for a thread `me` (its `this_thread`) outside any call of
    /// this host.
    #[inline(always)]
    fn relayed_for(&self, me: usize) -> bool {
        self.relays() && !self.is_host_thread(me)
    }

    /// The library at `path` is about to be loaded: if it has thread-local storage, its load
    /// and every request after it go to the host thread (its constructors and init must run on
    /// the thread that will use its thread-local state). Its headers (ELF or PE) are read here, once.
    /// A host whose JS thread is its starter's runs everything there already.
    pub fn loading(&self, path: &Path) {
        if self.js_thread_is_callers() {
            return;
        }
        if !self.calls_stay_on_host_thread.load(Ordering::Acquire) && has_thread_locals(path) {
            self.calls_stay_on_host_thread.store(true, Ordering::Release);
        }
    }

    /// Serves `op` as a direct call of this thread, which holds the GIL, if the JS lock is free
    /// now (or held here, by an outer direct call), answering whether it did (see
    /// [`InProcess::serve`]). A call to relay looks for its turn in the line a moment first
    /// (`RelayLine::try_enter_holding_gil`), unless the call that has the turn hands steps
    /// back to its caller (`Relay::calls_step`): its caller may wait for the GIL this thread
    /// holds (`Busy::HolderMayNeedGil`: let the GIL go, `wait_let_go`, and try again).
    ///
    /// Inlined into its caller, the thread pointer read once and the hold passed down as a
    /// flag (`Hold`): as a function of its own, with the thread pointer read for each look at
    /// the lock's owner, it was about 37 instructions of every direct call's.
    #[inline(always)]
    pub fn try_serve(&self, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> Result<bool, Busy> {
        let me = this_thread();
        // Two calls of `serve_held`, not one after a choice of hold: the hold merged from two
        // ways cost its caller about 5 instructions more.
        if self.js.held_by(me) {
            return Ok(self.serve_held(self.js.nested_hold(), op, caller, out));
        }
        if self.relayed_for(me) {
            return self.try_serve_in_line(me, op, caller, out);
        }
        let hold = self.js.try_take_as(me).ok_or(Busy::Taken)?;
        Ok(self.serve_held(hold, op, caller, out))
    }

    /// `try_serve` of a call to relay by the thread `me`, not nested in one: it takes its turn
    /// in the line first.
    #[inline(never)]
    fn try_serve_in_line(&self, me: usize, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> Result<bool, Busy> {
        let _turn = self.line.try_enter_holding_gil(|| self.relay.calls_step())?;
        let hold = self.js.try_take_as(me).ok_or(Busy::Taken)?;
        Ok(self.serve_held(hold, op, caller, out))
    }

    /// Whether a call made now on this thread waits its turn in the relayed callers' line: a
    /// call to relay that is not nested in one (`relay_line`).
    #[inline]
    pub fn joins_line(&self) -> bool {
        !self.js.held_here() && self.relayed_when(false)
    }

    /// Waits until the JS lock is free and nobody waits for it, without taking it (and without
    /// the GIL: the holder may be waiting for a Python call).
    pub fn wait_free(&self) {
        self.js.wait_free();
    }

    /// Waits, without the GIL, until the relayed callers' turn taken now is let go, `at_most`
    /// (`Busy::HolderMayNeedGil`).
    pub fn wait_let_go(&self, at_most: Duration) {
        self.line.wait_let_go(at_most);
    }

    /// Serves `op` as a direct call of this thread, waiting for the JS lock as long as another
    /// thread runs JS (never wait here with the GIL: the holder may be waiting for a Python
    /// call), writing what it answers to `out`: run here, or by the host thread on this thread's
    /// behalf (relayed). False: the host is gone; the request then goes over the rings, which
    /// say so.
    pub fn serve(&self, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> bool {
        if self.joins_line() {
            let _turn = self.line.enter();
            return self.serve_held(self.js.wait_hold(), op, caller, out);
        }
        self.serve_held(self.js.wait_hold(), op, caller, out)
    }

    /// Serves `op` for this thread, which holds the JS lock as `hold` says, and lets go of
    /// the lock here (unless an outer call holds it), also if the call unwinds.
    fn serve_held(&self, hold: Hold, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> bool {
        let held = self.js.held(hold);
        // Under the lock: a library with thread-local storage may have loaded while this thread
        // waited, and a nested call goes as its outer one went.
        if self.relayed_when(held.nested) {
            return self.relay_held(held, op, caller, out);
        }
        let host = self.host.load(Ordering::Acquire);
        // SAFETY: the host is alive while its pointer is set, which changes only under the JS
        // lock, held by this thread; the host runs nothing else meanwhile (`Host::serve`).
        let Some(host) = (unsafe { host.as_ref() }) else { return false };
        host.serve_direct(op, caller, out);
        drop(held);
        true
    }

    /// Has the host thread serve `op` for this thread, which holds the JS lock: the host thread
    /// idles meanwhile (or waits for the lock, or, for a nested call, for the Python call it is
    /// nested in), and serves what is posted there without the lock, which its poster holds.
    fn relay_held(&self, held: JsLockHeld<'_>, op: Direct<'_>, caller: &dyn Caller, out: &mut Served) -> bool {
        let outer = !held.nested;
        if outer {
            self.relaying.store(true, Ordering::Relaxed);
        }
        let served = self.relay.call(op, caller, out, || {
            if !outer {
                return false;
            }
            let rang = self.ring_if_idle();
            self.js.wake_waiters();
            rang
        });
        if outer {
            self.relaying.store(false, Ordering::Relaxed);
        }
        drop(held);
        served
    }
}

#[cfg(test)]
mod tests {
    use super::super::share::tests::NoNews;
    use super::super::thread_locals::tests::elf;
    use super::*;

    #[test]
    fn the_route_of_a_request_follows_its_caller_and_the_libraries_loaded() {
        let dir = std::env::temp_dir().join(format!("napi-route-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (plain, tls) = (dir.join("plain.node"), dir.join("tls.node"));
        std::fs::write(&plain, elf(1)).unwrap();
        std::fs::write(&tls, elf(7)).unwrap();
        let shared = InProcess::new(Box::new(NoNews)).unwrap();
        assert_eq!(shared.route(false), Route::Here);
        assert_eq!(shared.route(true), Route::HostThread, "made from a Python call that came by message");
        shared.loading(&plain);
        assert!(shared.takes_direct_calls(), "a library without thread-local storage keeps calls direct");
        shared.loading(&tls);
        assert_eq!(shared.route(false), Route::Relayed, "its load and everything after run on the host thread");
        assert!(!shared.takes_direct_calls());
        let held = shared.js.try_hold().expect("free");
        assert_eq!(shared.route(false), Route::Here, "the JS lock's holder runs what it asks for itself");
        assert_eq!(shared.route(true), Route::HostThread);
        drop(held);
        assert_eq!(shared.route(false), Route::Relayed);
        assert_eq!(shared.route(true), Route::HostThread, "made from a Python call that came by message");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
