//! `Connection`'s data (`_native.Connection`): one host, and what the client keeps for it: the
//! channel to it, the Python objects it holds, the proxies of its objects, its promise
//! subscriptions. Its Python methods, which start a host and make the requests the package
//! asks for, are `python_types/connection.rs`'s.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rustc_hash::FxHashMap;

use napi_client::link::channel::Channel;

use crate::exit_gate;
use crate::proxy::table::Proxies;
use crate::state::exported::Exported;
use crate::state::finished::Finished;
use crate::state::subscriptions::Subscriptions;

#[pyclass(frozen, weakref, module = "napi_python._native")]
pub struct Connection {
    pub channel: Arc<Channel>,
    /// The Python objects the host holds.
    pub exported: Exported,
    /// Live proxies by object id (weak), so one JS object is one Python proxy.
    pub proxies: Proxies,
    /// Method tables of class prototypes, fetched once each (`{name: function | "accessor" |
    /// "data"}`).
    class_members: Mutex<FxHashMap<u64, Py<PyDict>>>,
    /// Which settlement waits for which promise subscription.
    pub(crate) subscriptions: Arc<Subscriptions>,
    /// Set when the event dispatcher has run its last event.
    pub(crate) dispatched: Arc<Finished>,
    /// JS undefined and null arrive as `js.undefined` and `js.null` instead of both as `None`
    /// (`Host(distinct_nulls=True)`).
    distinct_nulls: AtomicBool,
}

impl Connection {
    /// The connection to the host behind `channel`. `strict`: settlements are accepted only for
    /// requests in flight (an isolated host, which may be hostile).
    pub fn new(channel: Arc<Channel>, strict: bool) -> Connection {
        Connection {
            channel,
            exported: Exported::default(),
            proxies: Proxies::default(),
            class_members: Mutex::new(FxHashMap::default()),
            subscriptions: Arc::new(Subscriptions::new(strict)),
            dispatched: Arc::default(),
            distinct_nulls: AtomicBool::new(false),
        }
    }

    /// Forgets the Python objects the host let go, unless they were sent again since (those
    /// sends are still in flight and the host will count them). Their destructors, and a lent
    /// buffer's release, may run Python code that lets the GIL go: that runs inside the exit
    /// gate, as a call answered without entering it (a lone compact call's, a direct call's)
    /// is not, and once exit has begun it is left undone.
    #[inline(always)]
    pub fn handle_drops(&self) {
        // A look first: nearly always there are none, and this follows every request.
        if self.channel.has_drops() {
            exit_gate::inside(|| self.exported.forget_dropped(&self.channel));
        }
        // Python buffers an in-process host gave back are Python's alone again.
        if self.channel.shm.lends.any_back() {
            exit_gate::inside(|| self.release_lends());
        }
    }

    #[cold]
    fn release_lends(&self) {
        // Called with the GIL held (after a request's answer).
        Python::attach(|_| self.channel.shm.lends.release_back());
    }

    /// The method table of class prototype `proto`, if fetched already.
    pub fn cached_members(&self, py: Python<'_>, proto: u64) -> Option<Py<PyDict>> {
        self.class_members.lock().unwrap().get(&proto).map(|m| m.clone_ref(py))
    }

    /// Keeps `members` as the method table of `proto` (the first kept wins).
    pub fn cache_members(&self, py: Python<'_>, proto: u64, members: Py<PyDict>) -> Py<PyDict> {
        self.class_members.lock().unwrap().entry(proto).or_insert(members).clone_ref(py)
    }

    /// Whether JS undefined and null arrive as `js.undefined` and `js.null` (else both as `None`).
    pub fn nulls_distinct(&self) -> bool {
        self.distinct_nulls.load(Ordering::Relaxed)
    }

    pub fn set_nulls_distinct(&self, on: bool) {
        self.distinct_nulls.store(on, Ordering::Relaxed);
    }

    /// After a collection: forgets the proxies that died and gives back the room the tables
    /// grew to, so that a burst of objects made and dropped leaves no trace.
    pub fn tidy(&self, py: Python<'_>, trim: bool) {
        let shrank = self.proxies.tidy(py) | self.exported.shrink();
        if shrank || trim {
            // The room given back is glibc's until it is asked to return its free pages.
            #[cfg(all(target_os = "linux", target_env = "gnu"))]
            // SAFETY: malloc_trim only returns free pages of the allocator's arenas to the system.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.channel.hang_up();
    }
}
