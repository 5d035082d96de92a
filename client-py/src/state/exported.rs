//! The Python objects a host holds (`Value::Py`), by the id it knows them by: what a Python
//! callable or other object becomes when it is sent, and what the host's calls and drop notices
//! name. A connection keeps one table.

use std::sync::atomic::Ordering;
use std::sync::Mutex;

use napi_protocol::PyRef;
use pyo3::exceptions::PyKeyError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::PyVisit;
use rustc_hash::FxHashMap;

use napi_client::link::channel::Channel;

use crate::state::arity::required_positional;
use crate::state::hooks::hooks;

/// Identity of an exported object: its address, or a bound method's function and instance
/// (Python makes a new bound method on every attribute access).
type Identity = (usize, usize);

/// An exported object: the object, its identity, and how many positional arguments it
/// requires (`arity.rs`, read when it was first sent).
type Entry = (Py<PyAny>, Identity, usize);

/// An exported object's id and how many times it was sent: counted where a send again finds
/// it, in one look.
type Sent = (u64, u64);

#[derive(Default)]
struct Table {
    by_id: FxHashMap<u64, Entry>,
    /// The id of each exported object and its sends, by identity.
    by_identity: FxHashMap<Identity, Sent>,
    next: u64,
}

impl Table {
    /// How many times the object the host names `id` was sent, if it is held.
    fn sends(&self, id: u64) -> Option<u64> {
        let identity = self.by_id.get(&id)?.1;
        Some(self.by_identity.get(&identity).expect("both maps agree").1)
    }

    /// The id of an object sent before, counted as sent once more.
    #[inline(always)]
    fn sent_again(&mut self, identity: Identity) -> Option<u64> {
        let sent = self.by_identity.get_mut(&identity)?;
        sent.1 += 1;
        Some(sent.0)
    }
}

/// Python objects the host holds, by the id it knows them by.
#[derive(Default)]
pub struct Exported {
    table: Mutex<Table>,
}

impl Exported {
    /// The id the host of `channel` knows `obj` by, exporting it on first sight.
    pub fn export(&self, py: Python<'_>, obj: &Bound<'_, PyAny>, channel: &Channel) -> PyResult<u64> {
        // A bound method is made anew at each attribute access: it is known by its object and
        // function. (The type is compared first: a failed attribute lookup builds an exception.)
        // (The type's pointer compared: its `Bound` is counted and let go.)
        let identity = if obj.get_type_ptr() == hooks(py)?.method_type.as_ptr().cast() {
            (obj.getattr(intern!(py, "__self__"))?.as_ptr() as usize, obj.getattr(intern!(py, "__func__"))?.as_ptr() as usize)
        } else {
            (obj.as_ptr() as usize, 0)
        };
        if let Some(id) = self.table.lock().unwrap().sent_again(identity) {
            return Ok(id);
        }
        // First sight: its signature is read now, without the lock (`inspect` runs Python).
        let required = required_positional(hooks(py)?, obj);
        let mut ex = self.table.lock().unwrap();
        // Another thread may have sent it meanwhile (the GIL can change hands in `inspect`).
        if let Some(id) = ex.sent_again(identity) {
            return Ok(id);
        }
        ex.next += 1;
        let id = ex.next;
        ex.by_identity.insert(identity, (id, 1));
        ex.by_id.insert(id, (obj.clone().unbind(), identity, required));
        // Drop notices may name it from now on.
        channel.exported.store(id, Ordering::Relaxed);
        Ok(id)
    }

    /// Forgets the Python objects the host let go, unless they were sent again since (those
    /// sends are still in flight and the host will count them).
    #[cold]
    pub fn forget_dropped(&self, channel: &Channel) {
        let drops = channel.take_drops();
        let mut forgotten = Vec::new();
        let mut released = Vec::new();
        {
            let mut ex = self.table.lock().unwrap();
            for (py, seen) in drops {
                if ex.sends(py.0) == Some(seen) {
                    let (obj, identity, _) = ex.by_id.remove(&py.0).expect("checked");
                    ex.by_identity.remove(&identity);
                    released.push(obj);
                    forgotten.push(py);
                }
            }
        }
        // The objects are dropped here, after the lock: their destructors may run Python.
        drop(released);
        channel.forget(forgotten);
    }

    /// The object the host names `id`.
    pub fn get(&self, py: Python<'_>, id: u64) -> PyResult<Py<PyAny>> {
        self.callable(py, id).map(|(obj, _)| obj.unbind())
    }

    /// The object the host names `id`, to call, with how many positional arguments it requires.
    /// A `Bound`, not a `Py`: a Python call the host makes runs where pyo3 does not count the
    /// thread as attached, so a `Py` dropped there is not let go but queued in pyo3's pool (a
    /// lock and a push, about 80 instructions, and a drain later), where a `Bound` is let go at
    /// once.
    pub fn callable<'py>(&self, py: Python<'py>, id: u64) -> PyResult<(Bound<'py, PyAny>, usize)> {
        let ex = self.table.lock().unwrap();
        ex.by_id
            .get(&id)
            .map(|o| (o.0.bind(py).clone(), o.2))
            .ok_or_else(|| PyKeyError::new_err(format!("the host named Python object {id}, which this client never sent")))
    }

    /// How many Python objects the host currently holds.
    pub fn len(&self) -> usize {
        self.table.lock().unwrap().by_id.len()
    }

    /// The exported objects a cycle collection asks about, each with how many times the
    /// host received it: those this client sent exactly as often (one sent again meanwhile is
    /// on its way, so live whatever the host found).
    /// Each once, however often the host names it.
    pub fn on_trial<'py>(&self, py: Python<'py>, asked: &[(PyRef, u64)]) -> Vec<Bound<'py, PyAny>> {
        let ex = self.table.lock().unwrap();
        let mut seen = rustc_hash::FxHashSet::default();
        asked
            .iter()
            .filter(|(py_ref, _)| seen.insert(py_ref.0))
            .filter(|(py_ref, sends)| ex.sends(py_ref.0) == Some(*sends))
            .filter_map(|(py_ref, _)| ex.by_id.get(&py_ref.0).map(|e| e.0.bind(py).clone()))
            .collect()
    }

    /// Gives back the room the table grew to when it is mostly empty: whether it did.
    pub fn shrink(&self) -> bool {
        let mut ex = self.table.lock().unwrap();
        shrink_if_sparse(&mut ex.by_id) | shrink_if_sparse(&mut ex.by_identity)
    }

    /// Lets go of every exported object (the host ended): dropped after the lock, as their
    /// destructors may run Python.
    pub fn release_all(&self) {
        let released = {
            let mut ex = self.table.lock().unwrap();
            ex.by_identity.clear();
            std::mem::take(&mut ex.by_id)
        };
        drop(released);
    }

    /// Tells Python's collector of every exported object. A table busy on another thread is not
    /// looked at: a reference not reported only keeps its object.
    pub fn visit(&self, visit: &PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        if let Ok(ex) = self.table.try_lock() {
            for (obj, _, _) in ex.by_id.values() {
                visit.call(obj)?;
            }
        }
        Ok(())
    }
}

/// Gives back a table's room when it holds less than a quarter of what it has room for.
pub fn shrink_if_sparse<K: std::hash::Hash + Eq, V>(map: &mut FxHashMap<K, V>) -> bool {
    let sparse = map.capacity() > 1024 && map.len() < map.capacity() / 4;
    if sparse {
        map.shrink_to_fit();
    }
    sparse
}
