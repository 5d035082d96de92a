//! The host's turns of its libuv loop (`uv_loop`), among its other work: before it sleeps, while
//! it is busy, after a direct call changed the loop, and at teardown.

use std::time::Instant;

use napi_functions::async_cleanup::TeardownLoop;
use napi_functions::callback::run_outside_js;

use crate::inprocess::sleep_on;

use crate::turn::TurnKind;
use crate::Host;

impl Host {
    /// A turn of the loop, as an event turn: what libuv calls back (after-work, async, timer,
    /// poll and close callbacks) may call Node-API and Python, inside a handle scope, and what it
    /// throws is reported as uncaught; the promise jobs it queued run after it.
    pub(crate) fn run_loop_turn(&self) {
        self.in_turn(napi_protocol::EVENT_CHAIN, TurnKind::Event, || {
            run_outside_js(&self.rt, || self.uv.run_once());
            self.rt.run_microtasks();
        });
    }

    /// Before the host sleeps: a turn if the loop needs one first (answers whether it ran, after
    /// which the host looks for work again), else when to wake for the loop's next timer.
    pub(crate) fn loop_before_sleep(&self) -> Result<Option<Instant>, ()> {
        if self.uv.needs_turn() {
            self.run_loop_turn();
            return Err(());
        }
        Ok(self.uv.deadline())
    }

    /// While the host is busy serving (requests come without pause), the loop still gets a look
    /// now and then: once per tick of the coarse clock, a turn if it has I/O ready or a due timer.
    #[inline]
    pub(crate) fn loop_turn_if_busy(&self) {
        if self.loop_due_while_busy() {
            self.run_loop_turn();
        }
    }

    /// Whether the loop, looked at while the host is busy, wants a turn now (see
    /// `loop_turn_if_busy`).
    #[inline]
    pub(crate) fn loop_due_while_busy(&self) -> bool {
        self.uv.busy_tick_passed() && (self.uv.needs_turn() || self.uv.has_io())
    }

    /// After a direct call (in-process) on another thread, which may have started a timer,
    /// polled a descriptor or closed a handle: wakes the host thread if the loop needs it to look.
    #[inline]
    pub(crate) fn after_direct_call(&self) {
        if self.at_top() && self.uv.changed_while_asleep() {
            if let Some(shared) = &self.in_process {
                shared.loop_changed();
            }
        }
    }

    /// At teardown, after every env's cleanup hooks and finalizers: the close callbacks the
    /// hooks asked for run, what the addons left open is closed, work under way completes, and
    /// the loop closes (node's order: `tests/napi/test_uv.py` compares).
    pub(crate) fn close_loop(&self) {
        self.rt.set_uv_loop(0);
        self.in_turn(napi_protocol::EVENT_CHAIN, TurnKind::Event, || {
            run_outside_js(&self.rt, || self.uv.close_all());
        });
    }
}

/// The host's loop and event queue as teardown drives them while it waits for async cleanup
/// hooks to remove themselves (`Host::shutdown`): a hook typically finishes in a threadpool
/// completion, an async handle's or a timer's callback, all of which run on the loop.
pub(crate) struct AtTeardown<'a>(pub(crate) &'a Host);

impl TeardownLoop for AtTeardown<'_> {
    fn run_ready(&self) {
        self.0.run_events();
        self.0.run_loop_turn();
    }

    fn sleep(&self, until: Instant) {
        let host = self.0;
        // A turn's callbacks may have posted tasks or started watchers the kernel does not know
        // of yet: those want another turn, not a sleep.
        if !host.rt.events().is_empty() || host.uv.needs_turn() {
            return;
        }
        let deadline = host.uv.deadline().map_or(until, |timer| timer.min(until));
        host.uv.before_sleep();
        // The event queue's descriptor (a removal from another thread posts a task) and the
        // loop's I/O (a pool completion or uv_async_send writes its async descriptor).
        sleep_on([host.rt.events().fd(), host.uv.io_signal()], Some(deadline));
    }
}
