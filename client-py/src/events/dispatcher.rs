//! The event dispatcher of one host, for Python: a thread that runs the core's dispatcher loop
//! (`napi_client::session::dispatching`), each turn of events under one GIL acquisition, and
//! fails the promises still waited for once the host is gone.

use std::sync::Arc;

use napi_protocol::Outcome;
use pyo3::prelude::*;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

use crate::events::handling;
use crate::state::connection::Connection;
use crate::state::finished::{Finished, MarkFinished};
use crate::state::subscriptions::{self, Subscriptions};
use napi_client::link::channel::{Channel, Dead};
use napi_client::link::inbound::Violation;
use napi_client::session::dispatching::{dispatch, Dispatch, Event};

/// The dispatcher's stack: what a Python thread gets (glibc's default, 8 MiB of address space,
/// touched only as deep as it is used). It runs Python callbacks and converts values as deep as
/// the protocol carries; Rust's default of 2 MiB is less than an unoptimised build needs for that.
pub const STACK: usize = 8 << 20;

/// Runs until the host is gone, holding the GIL only while it runs a turn. The GIL is never
/// kept while nothing is in hand: a Python call often wakes a thread that wants the GIL at once
/// (it completed a future, set an event), and looking for the host's next event with the GIL
/// kept made that thread wait out the look (docs/performance.md).
pub fn dispatch_events(channel: Arc<Channel>, subscriptions: Arc<Subscriptions>, conn: Py<PyWeakrefReference>, finished: Arc<Finished>) {
    // Declared first, so dropped last: after the thread state is let go too.
    let _finished = MarkFinished::on_this_thread(finished);
    let _state = crate::exit_gate::KeptThreadState::for_this_thread();
    dispatch(&channel, &ForPython { subscriptions: &subscriptions, conn: &conn });
}

/// A connection's events, run in Python; the connection is weak (a dropped one must still end
/// its host).
struct ForPython<'a> {
    subscriptions: &'a Subscriptions,
    conn: &'a Py<PyWeakrefReference>,
}

impl Dispatch for ForPython<'_> {
    /// A settlement no thread claimed yet is only kept: no GIL taken from the caller about to
    /// claim it.
    fn early(&self, subscription: u64, outcome: Outcome) -> Result<Option<Outcome>, Violation> {
        self.subscriptions.early(subscription, outcome)
    }

    /// False once the connection is gone or the interpreter exits: the thread must not take the
    /// GIL any more.
    fn turn(&self, events: &mut dyn Iterator<Item = Event>) -> bool {
        let ran = crate::exit_gate::with_gil(|py| {
            let Some(strong) = self.conn.bind(py).upgrade() else { return false };
            let Ok(bound) = strong.cast_into::<Connection>() else { return false };
            handling::run_turn(&bound, events);
            true
        });
        ran == Some(true)
    }

    /// The promises still waited for fail, as they will never settle.
    fn gone(&self, dead: Arc<Dead>) {
        crate::exit_gate::with_gil(|py| subscriptions::abandon(self.subscriptions, py, &dead));
    }
}
