//! The in-process host thread's side of the share: beginning and ending to serve, idling with
//! the JS lock let go (serving relayed calls meanwhile), and letting queued callers in.

use std::sync::atomic::Ordering;
use std::time::Instant;

use napi_link::shared_cpu;
use napi_link::spin::{spin_until, SPIN};
use napi_link::streams::RawDescriptor;
use napi_runtime::events::EventQueue;

use crate::Host;

use super::platform;
use super::share::InProcess;
use napi_runtime::current::this_thread;

impl InProcess {
    /// The host thread begins to serve `host`: it holds the lock from here on, but while it idles.
    pub(crate) fn begin(&self, host: &Host) {
        if !self.js_thread_is_callers() {
            self.host_thread.store(this_thread(), Ordering::Relaxed);
        }
        self.js.lock();
        self.host.store(host as *const Host as *mut Host, Ordering::Release);
    }

    /// The host thread stops serving: direct calls find no host from now on, and relayed calls
    /// are refused. It keeps the lock through the teardown; [`InProcess::release`] lets go.
    pub(crate) fn end(&self) {
        self.host.store(std::ptr::null_mut(), Ordering::Release);
        self.relay.close();
    }

    pub(crate) fn release(&self) {
        self.js.unlock();
    }

    /// The host thread, idle: lets go of the JS lock, so callers may run requests themselves,
    /// until the client wrote to the rings or hung up, `events` has tasks, a direct call changed
    /// the libuv loop, the loop's descriptor `uv` is readable or its `deadline` (next timer)
    /// passes; then takes the lock back. Meanwhile it serves the calls relayed to it. Answers
    /// whether the loop wants a turn (I/O or a timer). What woke it may be gone by then (a
    /// direct call read it, or ran the tasks): the host thread looks again under the lock.
    pub(crate) fn idle(&self, host: &Host, events: &EventQueue, uv: RawDescriptor, deadline: Option<Instant>) -> bool {
        self.js.unlock();
        let own_work = || self.mail.load(Ordering::SeqCst) || self.loop_changed.load(Ordering::SeqCst) || !events.is_empty();
        let mut loop_due = false;
        loop {
            if host.serve_relayed(&self.relay) {
                host.relayed_lately.set(true);
                // What the call left for the loop (a due timer, ready I/O) is looked at now and
                // then, as between requests.
                if host.loop_due_while_busy() {
                    loop_due = true;
                    break;
                }
                continue;
            }
            if host.relayed_lately.get() && self.look_for_relayed_call(&own_work) {
                continue;
            }
            // The bell is cleared before the flag goes up, never after: a ring that follows the
            // flag must stay heard.
            self.bell.clear();
            self.host_idle.store(true, Ordering::SeqCst);
            // After the flag (SeqCst, as the caller's side in `give_back`): an answer given back
            // from now on is freed by its caller, one given back before is freed here, and none
            // waits through the sleep.
            self.given_back.free();
            if self.relay.posted() {
                self.host_idle.store(false, Ordering::SeqCst);
                continue;
            }
            // Taken here, the mail and the loop's change are the caller's to act on: the host
            // thread idles on only when it slept and was rung for a relayed call alone.
            let sleeps = !self.mail.swap(false, Ordering::SeqCst) && !self.loop_changed.swap(false, Ordering::SeqCst) && events.is_empty();
            if sleeps {
                host.relayed_lately.set(false);
                let slept = platform::sleep_on([self.bell.fd(), events.fd(), uv], deadline);
                loop_due = slept.last_ready || (slept.timed_out && deadline.is_some());
            }
            self.host_idle.store(false, Ordering::SeqCst);
            if sleeps && self.relay.posted() {
                self.after_rung_for_relay();
                // Rung for a relayed call, and nothing else to do: serve it and idle on.
                if !loop_due && !own_work() {
                    continue;
                }
            }
            break;
        }
        // Taking the lock back from a caller that holds it, the calls it relays are served
        // meanwhile: it waits for them.
        let (due, serve) = self.relayed_errand(host);
        self.js.take_serving(due, serve);
        loop_due
    }

    /// The host thread, idle after serving relayed calls: looks for the next call before it
    /// sleeps, answering whether one came. In a loop of calls it comes within microseconds, and
    /// finds the host thread awake, spared the ring: a host thread woken from `poll` takes tens
    /// of microseconds to run on these VMs. What else wakes it meanwhile (`own_work`) ends the
    /// look but not the calls' burst: the host thread looks again once it has done that work,
    /// as it idles next. Work that follows every call would otherwise have it sleep between
    /// any two: napi-rs's async functions release a threadsafe function after their
    /// settlement, whose closing comes as an event just after the reply, and a loop of awaits
    /// rang the host thread awake at every call (half the awaits a second).
    fn look_for_relayed_call(&self, own_work: &impl Fn() -> bool) -> bool {
        // What the caller gives back of a call's answer once it converted it comes meanwhile:
        // freed here, where it was allocated (`given_back`).
        let next = || {
            self.given_back.free();
            self.relay.posted() || own_work()
        };
        spin_until(next, SPIN) && self.relay.posted()
    }

    /// The host thread, woken from its sleep by a caller that relays a call and waits for it,
    /// spinning: the kernel often wakes a thread on its waker's CPU, where the two would hand
    /// each call to each other by a switch for as long as the calls come. The host thread moves
    /// to an idle CPU, if there is one (`shared_cpu` says why, and what it cost).
    #[cold]
    fn after_rung_for_relay(&self) {
        self.woken_for_relay.fetch_add(1, Ordering::Relaxed);
        match self.ringer_cpu.swap(usize::MAX, Ordering::Relaxed) {
            usize::MAX => {}
            cpu => {
                shared_cpu::after_woken_by(cpu);
            }
        }
    }

    /// The host thread, between turns of events: lets the callers queued for the JS lock make
    /// their calls first (serving what they relay meanwhile). It lets go of the lock only when
    /// it idles, and a native thread's stream of threadsafe-function calls can keep it from ever
    /// idling: a Python thread's call then waited until the stream ended.
    pub(crate) fn let_queued_callers_in(&self, host: &Host) {
        if self.js.turn.queued() == 0 {
            return;
        }
        let (due, serve) = self.relayed_errand(host);
        self.js.hand_over_serving(due, serve);
    }

    /// The host thread's errand while it waits for the JS lock: whether a call was relayed to it
    /// (by the lock's holder, which waits for it), and serving it.
    fn relayed_errand<'a>(&'a self, host: &'a Host) -> (impl Fn() -> bool + 'a, impl FnMut() + 'a) {
        (
            || self.relay.posted(),
            || {
                host.serve_relayed(&self.relay);
            },
        )
    }

    /// A direct call changed the libuv loop (a timer, a descriptor to poll, a handle closing):
    /// wakes the host thread if it idles, to take that into its wait (`Host::after_direct_call`).
    pub(crate) fn loop_changed(&self) {
        // SeqCst as in `mail`.
        self.loop_changed.store(true, Ordering::SeqCst);
        self.ring_if_idle();
    }
}
