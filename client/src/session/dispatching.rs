//! The event dispatcher's loop, for the session and for a language binding: it reads the event
//! ring (woken by the event socket, its doorbell) and runs, in the order the host sent them,
//! the calls no request caused (async-work completions, threadsafe-function calls, promise
//! jobs), promise settlements and uncaught exceptions; then, when the host is gone, ends the
//! waits for settlements. A caller says through `Dispatch` how a turn runs (a binding takes its
//! interpreter's lock once for a turn) and where a settlement nobody waits for yet is kept.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use napi_protocol::Outcome;

use super::exchange::{serve_event, Serve};
use crate::link::channel::{Channel, Dead, Incoming};
use crate::link::inbound::Violation;

/// One event the host sent that no request caused, to run in a turn.
pub struct Event(Incoming);

impl Event {
    /// Runs the event with `serve` (see `exchange::serve_event`).
    #[inline]
    pub fn serve<S: Serve>(self, channel: &Channel, serve: &S) -> Result<(), S::Error> {
        serve_event(channel, serve, self.0)
    }
}

/// What a program does with its dispatcher's events.
pub trait Dispatch {
    /// A first look at a settlement, before any turn and with nothing taken: `None` when it is
    /// kept for a waiter still to come, else the outcome back to settle in a turn. A violation
    /// ends the host.
    fn early(&self, _subscription: u64, outcome: Outcome) -> Result<Option<Outcome>, Violation> {
        Ok(Some(outcome))
    }

    /// Runs `events` in order, as one turn; false when the program takes no more events (its
    /// owner is gone, or it is exiting), which ends the dispatcher at once.
    fn turn(&self, events: &mut dyn Iterator<Item = Event>) -> bool;

    /// The host is gone: every wait for a settlement ends with why.
    fn gone(&self, dead: Arc<Dead>);
}

/// Runs the events of the host on `channel` until it is gone, one event per turn and with it
/// every event already read behind it (a burst of settlements costs one turn), then tells
/// `dispatch` the host is gone. A host that sends what the protocol does not allow on the event
/// ring is ended, as on the main stream (the callers then learn why), and so is one whose event
/// makes this code panic.
pub fn dispatch<D: Dispatch>(channel: &Channel, dispatch: &D) {
    let run = std::panic::catch_unwind(AssertUnwindSafe(|| run_until_gone(channel, dispatch)));
    match run {
        Ok(false) => return,
        Ok(true) => {}
        Err(panic) => {
            let why = napi_link::panics::panic_message(&*panic);
            channel.violation(Violation(format!("an event the client could not handle (internal error: {why})")));
        }
    }
    dispatch.gone(channel.wait_dead());
}

/// Runs the events until the host's event stream ends (true), or until the program takes no
/// more (false).
fn run_until_gone<D: Dispatch>(channel: &Channel, dispatch: &D) -> bool {
    let triaged = |event| match event {
        Incoming::Settled { subscription, outcome } => match dispatch.early(subscription, outcome) {
            Ok(outcome) => outcome.map(|outcome| Event(Incoming::Settled { subscription, outcome })),
            Err(v) => {
                channel.violation(v);
                None
            }
        },
        other => Some(Event(other)),
    };
    // In-process, the host thread runs its event turns' calls itself when this thread has
    // nothing in hand (if the program gave it an `EventCaller`): it is told what this thread
    // finished, and kept out of each batch.
    let event_calls = channel.in_process().map(|shared| shared.event_calls());
    let finished = |n| event_calls.inspect(|calls| calls.finished(n));
    while let Some(event) = channel.next_event() {
        // A settlement no waiter claimed yet is only kept: no turn taken from the thread about
        // to claim it.
        let Some(first) = triaged(event) else {
            finished(1);
            continue;
        };
        let taken = Cell::new(1);
        let batch = event_calls.map(|calls| calls.dispatching());
        let buffered = std::iter::from_fn(|| channel.buffered_event()).inspect(|_| taken.set(taken.get() + 1)).filter_map(&triaged);
        let alive = dispatch.turn(&mut std::iter::once(first).chain(buffered));
        drop(batch);
        finished(taken.get());
        if !alive {
            return false;
        }
    }
    true
}
