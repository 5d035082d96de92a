//! Direct calls (in-process hosts, `InProcess`): a request or call served on the calling thread
//! under the host's JS lock, or relayed to the host thread, the calls back into the program run
//! inline on the calling thread meanwhile. The path of both the session and a language binding,
//! as `exchange` is for requests by message: which requests come here (`direct_host`, the
//! host's one decision), the wait for the JS lock (`serve`), a binding's call of a function
//! taken whole (`call_function`: its way, the call, the fallback to the rings when the host
//! turns it away, what the host sent ahead of the answer), and what the host sent ahead of a
//! request's reply (`settle_before`). A caller says through [`DirectCaller`] how it waits and what it does with
//! the host's calls back (napi-host's `Caller`, re-exported as `crate::inprocess`).
//!
//! The one rule about a binding's interpreter lock (Python's GIL): never wait for the JS lock
//! while holding it, since the lock's holder may be waiting for it. A call of a function whose
//! last call was quick ([`Quick`]) keeps it and only tries the JS lock, waiting without it
//! between tries.

mod function_calls;
mod local_calls;
mod quick;

use std::time::Duration;

use napi_host::caller::{Caller, Direct, Served};
use napi_host::inprocess::{InProcess, Route};
use napi_host::Busy;
use napi_protocol::{Outcome, ServerMessage};

use super::chains::CameBy;
use super::exchange::Serve;
use crate::link::channel::Channel;

pub use function_calls::{call_function, Args, Called, Function, FunctionCall, MakesCall};
pub(super) use local_calls::request as session_request;
pub use quick::Quick;

/// How long a caller that keeps its interpreter's lock, finding the host busy, keeps waiting for
/// it to be free and trying again before it queues for the host as any call would: CPython's
/// switch interval, the time a thread keeps the GIL while others wait for it. Trying only, a call
/// could keep losing to threads that take the host while it waits for the lock.
pub const KEEP_TRYING: Duration = Duration::from_millis(5);

/// The coarse monotonic clock, in nanoseconds (`napi_link::spin::coarse_nanos`), which times a
/// direct call for its function's [`Quick`]: two reads are on every direct call's path (on
/// failure it reads 0, and the call reads as quick).
#[inline]
pub fn ticks() -> u64 {
    napi_link::spin::coarse_nanos()
}

/// An in-process host that serves a request made now on this thread as a direct call, and
/// whether it relays it to its own thread (`InProcess::route`).
#[derive(Clone, Copy)]
pub struct DirectHost<'a> {
    pub host: &'a InProcess,
    pub relayed: bool,
}

/// The in-process host that serves a request made now on this thread as a direct call, if it
/// does: `None` for an isolated host, and where the host routes it over the rings. `from`: how
/// the local call the request is made from reached this thread, if it is made from one.
#[inline]
pub fn direct_host(channel: &Channel, from: Option<CameBy>) -> Option<DirectHost<'_>> {
    let host = channel.in_process()?;
    match host.route(from == Some(CameBy::Message)) {
        Route::Here => Some(DirectHost { host, relayed: false }),
        Route::Relayed => Some(DirectHost { host, relayed: true }),
        Route::HostThread => None,
    }
}

/// An addon at `path` is about to be loaded: an in-process host decides now where the load and
/// what follows it run (a library with thread-local storage keeps them on its thread).
pub fn loading(channel: &Channel, path: &str) {
    if let Some(host) = channel.in_process() {
        host.loading(std::path::Path::new(path));
    }
}

/// Whether a call made now by a thread outside any call of the host runs on that thread
/// (in-process, until a library with thread-local storage is loaded; never for an isolated host).
pub fn takes_direct_calls(channel: &Channel) -> bool {
    channel.in_process().is_some_and(|host| host.takes_direct_calls())
}

/// The in-process host whose JS thread this thread is (`js_thread="current"`), if it is one.
fn js_thread_host(channel: &Channel) -> Option<&InProcess> {
    channel.in_process().map(|host| &**host).filter(|host| host.js_thread_is_callers() && host.on_host_thread())
}

/// Whether this thread is the JS thread of its in-process host (started with `js_thread_here`):
/// the host's work waits for it, and its waits for the host run that work.
pub fn on_js_thread(channel: &Channel) -> bool {
    js_thread_host(channel).is_some()
}

/// On the host's JS thread: runs what waits for it, first waiting until `deadline` (`None`: until
/// woken) if nothing does (`InProcess::wait_on_js_thread`). Elsewhere, nothing.
pub fn run_js_events(channel: &Channel, deadline: Option<std::time::Instant>) {
    if let Some(host) = js_thread_host(channel) {
        host.wait_on_js_thread(deadline);
    }
}

/// Whether this thread is inside a call of its in-process host's (a Python call the addon made
/// inline): the host's other work waits for that call to return.
pub fn inside_a_call(channel: &Channel) -> bool {
    channel.in_process().is_some_and(|host| host.held_here())
}

/// Wakes the host's JS thread from `run_js_events` (what it waits for came).
pub fn wake_js_thread(channel: &Channel) {
    if let Some(host) = channel.in_process() {
        host.wake_js_thread();
    }
}

/// The descriptor readable while work waits for the host's JS thread, if the host has one.
pub fn js_thread_descriptor(channel: &Channel) -> Option<napi_link::streams::RawDescriptor> {
    channel.in_process().filter(|host| host.js_thread_is_callers()).map(|host| host.js_bell_fd())
}

/// Gives what was left of a direct call's answer (a container the caller made its own values
/// of where it lay, the host's memory) back to the in-process host to free: a relayed call's
/// was allocated by the host thread. (An isolated host's answers are the caller's: dropped.)
pub fn give_back(channel: &Channel, outcome: Outcome) {
    if let Some(host) = channel.in_process() {
        host.give_back(outcome);
    }
}

/// What the thread making a direct call provides besides the host's calls back (`Caller`): how
/// it waits. The direct twin of `exchange::Exchange`.
pub trait DirectCaller: Caller + Sync {
    /// What ends a wait early (the program exiting).
    type Error;

    /// Runs `wait` as this caller blocks (a binding lets its interpreter's lock go); an error
    /// when the program is exiting and the wait may not run.
    fn unblocked<R: Send>(&self, wait: impl FnOnce() -> R + Send) -> Result<R, Self::Error> {
        Ok(wait())
    }

    /// The host is about to serve the call inside `unblocked`: the calls back take the caller's
    /// lock again.
    fn serving_unblocked(&self) {}
}

/// Serves `op` on this thread (or relayed), into `out`, running the calls back the host makes
/// meanwhile through `caller`. False: the host cannot take it here (its calls came to stay on
/// its thread, or it is gone); it goes by message instead. `quick`: how the last call of the
/// function `op` calls went, if it calls one; it then keeps the caller's lock if that call
/// was quick (trying the JS lock only), and this call's time is recorded in it.
///
/// The time the call itself took goes to `quick`: not the waits for the JS lock to be free
/// nor for the caller's lock after it. Those grow with the threads calling, and counted as the
/// call's they made the next call let go of the GIL, whose waits made that call slow again: 16
/// threads relaying calls to a Rust addon's host thread fell to a fifth of one thread's throughput.
#[inline(always)]
pub fn serve<C: DirectCaller>(
    host: &InProcess,
    op: Direct<'_>,
    quick: Option<&Quick>,
    caller: &C,
    out: &mut Served,
) -> Result<bool, C::Error> {
    if host.js_work_due() && !host.held_here() {
        run_due_work(host, caller)?;
    }
    // Made where each way takes it: made once before them, it was written to memory on every
    // call for the ways out of line.
    let serving = || Serving { host, op, quick, caller };
    if !(quick.is_some_and(Quick::keeps_lock) || host.held_here()) {
        return serving().unblocked(out);
    }
    // Held here already (a call back of an outer direct call): no wait, whatever the lock. The
    // commonest call: a busy host is out of line, so that this path saves no registers and
    // makes no thread-local addresses for what it does.
    match serving().try_timed(out) {
        Ok(served) => Ok(served),
        Err(busy) => serving().busy(out, busy),
    }
}

/// One direct call's serving, as `serve` and its ways of waiting for the JS lock share it: the
/// host, the op, how the last call of the function it calls went (if it calls one), and the
/// caller. Taken by value by the way every call takes (`try_timed`), kept in registers.
struct Serving<'a, 'o, C> {
    host: &'a InProcess,
    op: Direct<'o>,
    quick: Option<&'a Quick>,
    caller: &'a C,
}

// Not derived: a derive would ask `C` to be `Copy`, where only a reference to it is held.
impl<C> Clone for Serving<'_, '_, C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for Serving<'_, '_, C> {}

impl<C: DirectCaller> Serving<'_, '_, C> {
    /// `host.try_serve`, the time it took, if it served, recorded in `quick`. Every call, never a
    /// sample: the next call's choice is this call's time, so a slow call left untimed has its
    /// successor keep the GIL, which hangs when that call waits for another Python thread (D37;
    /// `test_every_call_is_timed_not_a_sample`).
    #[inline(always)]
    fn try_timed(self, out: &mut Served) -> Result<bool, Busy> {
        let start = ticks();
        let served = self.host.try_serve(self.op, self.caller, out)?;
        record(self.quick, ticks().wrapping_sub(start));
        Ok(served)
    }

    /// The serving of a caller keeping its lock that found the host `busy`: it tries again as
    /// the lock comes free, for `KEEP_TRYING` at most, then waits for it unblocked.
    #[cold]
    #[inline(never)]
    fn busy(&self, out: &mut Served, mut busy: Busy) -> Result<bool, C::Error> {
        let (host, first) = (self.host, ticks());
        loop {
            // A call to relay waits in the host's line for its turn, unblocked (a turn lasts
            // longer than a direct call, and the line wakes only the next in it), unless the
            // call that has the turn may wait for the lock this thread holds.
            let holder_needs_lock = busy == Busy::HolderMayNeedGil;
            if (host.joins_line() && !holder_needs_lock) || ticks().wrapping_sub(first) >= KEEP_TRYING.as_nanos() as u64 {
                return self.unblocked(out);
            }
            // Busy: wait unblocked for the JS lock to be free (the turn to be let go), then try
            // again keeping the caller's lock. Taking the JS lock unblocked instead
            // (`unblocked`) leaves this thread holding it while it waits for its own lock to
            // make its answer, and the thread that has that lock then finds the JS lock busy
            // in turn: every call of many threads became a hand-over of both
            // (docs/performance.md).
            self.caller.unblocked(|| if holder_needs_lock { host.wait_let_go(KEEP_TRYING) } else { host.wait_free() })?;
            match self.try_timed(out) {
                Ok(served) => return Ok(served),
                Err(again) => busy = again,
            }
        }
    }

    /// `host.serve` unblocked: the addon may run long, and the JS lock's holder may need the
    /// caller's lock before it lets go. The time it took goes to `quick`, the lock taken back
    /// after it left out.
    #[inline(never)]
    fn unblocked(&self, out: &mut Served) -> Result<bool, C::Error> {
        let Serving { host, op, quick, caller } = *self;
        caller.serving_unblocked();
        let (served, took) = caller.unblocked(|| {
            let start = ticks();
            let served = host.serve(op, caller, out);
            (served, ticks().wrapping_sub(start))
        })?;
        record(quick, took);
        Ok(served)
    }
}

/// A call of `quick`'s function took `took` ticks, if it calls one.
#[inline(always)]
fn record(quick: Option<&Quick>, took: u64) {
    if let Some(q) = quick {
        q.record(took);
    }
}

/// The host's JS thread (`js_thread`), outside any call: what waited for it runs first.
#[cold]
#[inline(never)]
fn run_due_work<C: DirectCaller>(host: &InProcess, caller: &C) -> Result<(), C::Error> {
    caller.unblocked(|| host.run_due_work())
}

/// Hands what the host sent a direct call ahead of its reply (a settlement of the promise the
/// reply makes) to `serve`, as the exchange hands it when it comes over the rings.
pub fn settle_before<S: Serve>(serve: &S, before: Vec<ServerMessage>) -> Result<(), S::Error> {
    for early in before {
        if let ServerMessage::Settled { subscription, outcome } = early {
            serve.settled(subscription, outcome)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ticks_advance() {
        let a = super::ticks();
        // Past a step of the coarse clock (at most 4 ms; a kernel tick at 250 Hz).
        std::thread::sleep(std::time::Duration::from_millis(10));
        assert!(super::ticks() > a);
    }
}
