//! `Connection`: one host, and what the client keeps for it: the channel to it, the Python
//! objects it holds, the proxies of its objects, and which Python calls of its chains this
//! thread is running. The requests and calls made over it are in `requests.rs`, its Python
//! methods in `connection_methods.rs`: this file uses neither, nor the conversions, so the
//! proxies and the converter can depend on it.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use napi_protocol::{ChainId, JsRef, RefKind};
use pyo3::exceptions::PyKeyError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyWeakrefMethods, PyWeakrefReference};
use rustc_hash::FxHashMap;

use crate::channel::Channel;
use crate::dispatched::Finished;
use crate::hooks::hooks;
use crate::subscriptions::Subscriptions;
use crate::transport::Route;

thread_local! {
    /// The chains this thread is running Python calls of, innermost last, per channel, each with
    /// whether it came by message (from the rings or the event socket) or inline (a direct
    /// call's): a request made from inside a callback continues that chain, the same way.
    static ACTIVE: RefCell<Vec<(usize, ChainId, Route)>> = const { RefCell::new(Vec::new()) };
}

/// Python objects the host holds, by the id it knows them by.
#[derive(Default)]
struct Exported {
    /// The object, its identity key, and how many times it was sent.
    by_id: FxHashMap<u64, (PyObject, (usize, usize), u64)>,
    /// Identity of each exported object (bound methods by their function and instance, since
    /// Python makes a new one on every attribute access).
    by_identity: FxHashMap<(usize, usize), u64>,
    next: u64,
}

#[pyclass(frozen, weakref, module = "napi_python._native")]
pub struct Connection {
    pub channel: Arc<Channel>,
    exported: Mutex<Exported>,
    /// Live proxies by object id (weak), so one JS object is one Python proxy.
    proxies: Mutex<FxHashMap<u64, Py<PyWeakrefReference>>>,
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
    /// requests in flight (an isolated host, D57).
    pub fn new(channel: Arc<Channel>, strict: bool) -> Connection {
        Connection {
            channel,
            exported: Mutex::new(Exported::default()),
            proxies: Mutex::new(FxHashMap::default()),
            class_members: Mutex::new(FxHashMap::default()),
            subscriptions: Arc::new(Subscriptions::new(strict)),
            dispatched: Arc::default(),
            distinct_nulls: AtomicBool::new(false),
        }
    }

    fn key(&self) -> usize {
        Arc::as_ptr(&self.channel) as usize
    }

    /// The chain this thread runs a Python callback of, innermost, if any, and how it came: a
    /// request made now continues it.
    pub fn active_chain(&self) -> Option<(ChainId, Route)> {
        let key = self.key();
        ACTIVE.with(|a| a.borrow().iter().rev().find(|(k, _, _)| *k == key).map(|(_, c, r)| (*c, *r)))
    }

    /// The id the host knows `obj` by, exporting it on first sight.
    pub fn export(&self, py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<u64> {
        // A bound method is made anew at each attribute access: it is known by its object and
        // function. (The type is compared first: a failed attribute lookup builds an exception.)
        let identity = if obj.get_type().is(hooks(py)?.method_type.bind(py)) {
            (obj.getattr(intern!(py, "__self__"))?.as_ptr() as usize, obj.getattr(intern!(py, "__func__"))?.as_ptr() as usize)
        } else {
            (obj.as_ptr() as usize, 0)
        };
        let mut ex = self.exported.lock().unwrap();
        if let Some(id) = ex.by_identity.get(&identity).copied() {
            ex.by_id.get_mut(&id).expect("both maps agree").2 += 1;
            return Ok(id);
        }
        ex.next += 1;
        let id = ex.next;
        ex.by_identity.insert(identity, id);
        ex.by_id.insert(id, (obj.clone().unbind(), identity, 1));
        // Drop notices may name it from now on.
        self.channel.exported.store(id, std::sync::atomic::Ordering::Relaxed);
        Ok(id)
    }

    /// Forgets the Python objects the host let go, unless they were sent again since (those
    /// sends are still in flight and the host will count them).
    #[inline]
    pub fn handle_drops(&self) {
        // A look first: nearly always there are none, and this follows every request.
        if self.channel.has_drops() {
            self.forget_dropped();
        }
        // Python buffers an in-process host gave back are Python's alone again (D61).
        if self.channel.shm.lends.any_back() {
            self.release_lends();
        }
    }

    #[cold]
    fn release_lends(&self) {
        // Called with the GIL held (after a request's answer).
        Python::with_gil(|py| self.channel.shm.lends.release_back(py));
    }

    #[cold]
    fn forget_dropped(&self) {
        let drops = self.channel.take_drops();
        let mut forgotten = Vec::new();
        let mut released = Vec::new();
        {
            let mut ex = self.exported.lock().unwrap();
            for (py, seen) in drops {
                if ex.by_id.get(&py.0).is_some_and(|e| e.2 == seen) {
                    let (obj, identity, _) = ex.by_id.remove(&py.0).expect("checked");
                    ex.by_identity.remove(&identity);
                    released.push(obj);
                    forgotten.push(py);
                }
            }
        }
        // The objects are dropped here, after the lock: their destructors may run Python.
        drop(released);
        self.channel.forget(forgotten);
    }

    pub fn exported(&self, py: Python<'_>, id: u64) -> PyResult<PyObject> {
        let ex = self.exported.lock().unwrap();
        ex.by_id
            .get(&id)
            .map(|o| o.0.clone_ref(py))
            .ok_or_else(|| PyKeyError::new_err(format!("the host named Python object {id}, which this client never sent")))
    }

    /// The proxy for a host object: the live one if there is one, else a new one.
    pub fn proxy(&self, conn: &Bound<'_, Connection>, r: JsRef) -> PyResult<PyObject> {
        let py = conn.py();
        if let Some(existing) = self.live_proxy(py, r.id.0) {
            // The host counted this send as another hold; the proxy we reuse holds once.
            self.channel.queue_release(r.id);
            return Ok(existing);
        }
        let h = hooks(py)?;
        let (cls, kind) = match r.kind {
            RefKind::Function => (&h.function_cls, "function"),
            RefKind::Class => (&h.function_cls, "class"),
            RefKind::Symbol => (&h.symbol_cls, "symbol"),
            RefKind::Array => (&h.object_cls, "array"),
            RefKind::Error => (&h.object_cls, "error"),
            RefKind::External => (&h.external_cls, "external"),
            RefKind::Promise => (&h.promise_cls, "promise"),
            _ => (&h.object_cls, "object"),
        };
        // No lock is held while Python runs (it may switch threads, which then need the lock).
        let obj = cls.bind(py).call1((conn, r.id.0, kind, r.class_proto.map(|p| p.0), r.label))?;
        let mut proxies = self.proxies.lock().unwrap();
        if let Some(existing) = proxies.get(&r.id.0).and_then(|w| w.bind(py).upgrade()) {
            // Another thread made one meanwhile; ours is dropped and releases its hold.
            return Ok(existing.unbind());
        }
        if proxies.len() > 1024 && proxies.len().is_power_of_two() {
            proxies.retain(|_, w| w.bind(py).upgrade().is_some());
        }
        proxies.insert(r.id.0, PyWeakrefReference::new(&obj)?.unbind());
        Ok(obj.unbind())
    }

    fn live_proxy(&self, py: Python<'_>, id: u64) -> Option<PyObject> {
        let proxies = self.proxies.lock().unwrap();
        proxies.get(&id).and_then(|w| w.bind(py).upgrade()).map(Bound::unbind)
    }

    /// Runs `f` as a Python call of `chain` that reached this thread by `route`: requests it
    /// makes continue the chain.
    #[inline]
    pub fn running<T>(&self, chain: ChainId, route: Route, f: impl FnOnce() -> T) -> T {
        ACTIVE.with(|a| a.borrow_mut().push((self.key(), chain, route)));
        let result = f();
        ACTIVE.with(|a| a.borrow_mut().pop());
        result
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

    /// How many Python objects the host currently holds.
    pub fn held_objects(&self) -> usize {
        self.exported.lock().unwrap().by_id.len()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.channel.hang_up();
    }
}
