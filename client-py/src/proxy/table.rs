//! The live proxies of a host's objects, by object id (weak), so that one JS object is one
//! Python proxy: a value that names an object whose proxy lives answers that proxy. A
//! connection keeps one table.

use std::sync::Mutex;

use napi_protocol::{JsRef, ObjectId, RefKind};
use pyo3::prelude::*;
use pyo3::types::{PyType, PyWeakrefMethods, PyWeakrefReference};
use rustc_hash::FxHashMap;

use crate::state::exported::shrink_if_sparse;
use crate::state::hooks::{hooks, Hooks};
use napi_client::link::channel::Channel;

#[derive(Default)]
pub struct Proxies {
    map: Mutex<FxHashMap<u64, Py<PyWeakrefReference>>>,
}

impl Proxies {
    /// The proxy for a host object of `conn` (the connection whose `channel` this table is
    /// kept for): the live one if there is one, else a new one.
    pub fn proxy(&self, conn: &Bound<'_, PyAny>, channel: &Channel, r: JsRef) -> PyResult<Py<PyAny>> {
        let py = conn.py();
        if let Some(existing) = self.live(py, r.id.0) {
            // The host counted this send as another hold; the proxy we reuse holds once.
            channel.queue_release(r.id);
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
            RefKind::Promise => (promise_cls(py, h)?, "promise"),
            _ => (&h.object_cls, "object"),
        };
        // No lock is held while Python runs (it may switch threads, which then need the lock).
        // Allocating may start Python's collector, which runs Python (its callbacks, `__del__`),
        // so the weak reference too is made before the lock: made under it, a collection that
        // let another thread take the GIL left that thread waiting for this lock while this one
        // waited for the GIL.
        let obj = cls.bind(py).call1((conn, r.id.0, kind, r.class_proto.map(|p| p.0), r.label))?;
        let weak = PyWeakrefReference::new(&obj)?.unbind();
        let mut proxies = self.map.lock().unwrap();
        if let Some(existing) = proxies.get(&r.id.0).and_then(|w| w.bind(py).upgrade()) {
            // Another thread made one meanwhile; ours is dropped and releases its hold.
            return Ok(existing.unbind());
        }
        if proxies.len() > 1024 && proxies.len().is_power_of_two() {
            proxies.retain(|_, w| w.bind(py).upgrade().is_some());
        }
        proxies.insert(r.id.0, weak);
        Ok(obj.unbind())
    }

    fn live(&self, py: Python<'_>, id: u64) -> Option<Py<PyAny>> {
        let proxies = self.map.lock().unwrap();
        proxies.get(&id).and_then(|w| w.bind(py).upgrade()).map(Bound::unbind)
    }

    /// Forgets `proxies` (each with its object's id) for a cycle collection: each stops being
    /// its object's proxy. Answers their ids.
    pub fn forget(&self, py: Python<'_>, proxies: &[(u64, &Bound<'_, PyAny>)]) -> Vec<ObjectId> {
        let mut map = self.map.lock().unwrap();
        proxies
            .iter()
            .map(|&(id, p)| {
                if map.get(&id).and_then(|w| w.bind(py).upgrade()).is_some_and(|live| live.is(p)) {
                    map.remove(&id);
                }
                ObjectId(id)
            })
            .collect()
    }

    /// Forgets the proxies that died, and gives back the room the table grew to when it is
    /// mostly empty: whether it did.
    pub fn tidy(&self, py: Python<'_>) -> bool {
        let mut proxies = self.map.lock().unwrap();
        proxies.retain(|_, w| w.bind(py).upgrade().is_some());
        shrink_if_sparse(&mut proxies)
    }
}

/// The promise class, from the package's `promise_class` the first time a promise arrives
/// (`configure` wrapped it in its check that the answer derives from `JSRef`).
fn promise_cls<'h>(py: Python<'_>, h: &'h Hooks) -> PyResult<&'h Py<PyType>> {
    h.promise_cls.get_or_try_init(py, || Ok(h.promise_class.bind(py).call0()?.cast_into::<PyType>()?.unbind()))
}
