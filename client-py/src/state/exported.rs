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

/// A place in the table: the object held there, if any, and the place's generation, raised
/// each time its object is let go. An id is its place's index plus one (0 names nothing) in its
/// low 32 bits and the generation in the high: the host's call of an id finds its object by
/// index, no hash looked up, and an id forgotten never names a later object in its place.
#[derive(Default)]
struct Slot {
    entry: Option<Entry>,
    generation: u32,
}

#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    /// The places let go, to fill before the table grows.
    free: Vec<u32>,
    /// The id of each exported object and its sends, by identity: a send again counted in the
    /// one look that finds it (its place's count would be a second look).
    by_identity: FxHashMap<Identity, Sent>,
    /// The generation a place made anew starts at: past every generation a place given back by
    /// `shrink` reached.
    floor: u32,
    /// How many ids were given out (for the drop notices' checks, `check_drops`).
    issued: u64,
}

impl Table {
    /// The place the host's `id` names, if it holds that id's object (not a later one's).
    #[inline(always)]
    fn slot(&self, id: u64) -> Option<&Slot> {
        let slot = self.slots.get((id as u32).wrapping_sub(1) as usize)?;
        (slot.generation == (id >> 32) as u32 && slot.entry.is_some()).then_some(slot)
    }

    /// How many times the object the host names `id` was sent, if it is held.
    fn sends(&self, id: u64) -> Option<u64> {
        let identity = self.slot(id)?.entry.as_ref()?.1;
        Some(self.by_identity.get(&identity).expect("both agree").1)
    }

    /// The id of an object sent before, counted as sent once more.
    #[inline(always)]
    fn sent_again(&mut self, identity: Identity) -> Option<u64> {
        let sent = self.by_identity.get_mut(&identity)?;
        sent.1 += 1;
        Some(sent.0)
    }

    /// Holds `entry`, sent once, in a free place or a new one: its id.
    fn insert(&mut self, entry: Entry) -> u64 {
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot { generation: self.floor, ..Slot::default() });
            u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 Python objects held")
        });
        let identity = entry.1;
        let slot = &mut self.slots[index as usize];
        slot.entry = Some(entry);
        let id = (u64::from(slot.generation) << 32) | (u64::from(index) + 1);
        self.by_identity.insert(identity, (id, 1));
        self.issued += 1;
        id
    }

    /// Lets go of the object `id` names (held: `slot` found it): its place is free for a later
    /// one under the next generation, unless that would wrap (the place is then never used again).
    fn remove(&mut self, id: u64) -> Py<PyAny> {
        let index = (id as u32 - 1) as usize;
        let slot = &mut self.slots[index];
        let (obj, identity, _) = slot.entry.take().expect("held");
        self.by_identity.remove(&identity);
        if let Some(next) = slot.generation.checked_add(1) {
            slot.generation = next;
            self.free.push(index as u32);
        }
        obj
    }

    /// Gives back the places past the last one held, and the room of the maps, when the table
    /// is mostly empty: whether it did.
    fn shrink(&mut self) -> bool {
        let held = self.by_identity.len();
        let sparse = self.slots.len() > 1024 && held < self.slots.len() / 4;
        if sparse {
            // A place retired at its last generation stays, or a later one could repeat its ids.
            let end = self.slots.iter().rposition(|s| s.entry.is_some() || s.generation == u32::MAX).map_or(0, |i| i + 1);
            // A place made again starts past every generation of those given back.
            self.floor = self.slots[end..].iter().map(|s| s.generation).fold(self.floor, u32::max);
            self.slots.truncate(end);
            self.slots.shrink_to_fit();
            self.free.retain(|&i| (i as usize) < end);
            self.free.shrink_to_fit();
        }
        sparse | shrink_if_sparse(&mut self.by_identity)
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
        let id = ex.insert((obj.clone().unbind(), identity, required));
        // Drop notices may name it from now on.
        channel.exported.store(ex.issued, Ordering::Relaxed);
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
                    released.push(ex.remove(py.0));
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
        ex.slot(id)
            .and_then(|s| s.entry.as_ref())
            .map(|o| (o.0.bind(py).clone(), o.2))
            .ok_or_else(|| PyKeyError::new_err(format!("the host named Python object {id}, which this client never sent")))
    }

    /// How many Python objects the host currently holds.
    pub fn len(&self) -> usize {
        self.table.lock().unwrap().by_identity.len()
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
            .filter_map(|(py_ref, _)| ex.slot(py_ref.0)?.entry.as_ref().map(|e| e.0.bind(py).clone()))
            .collect()
    }

    /// Gives back the room the table grew to when it is mostly empty: whether it did.
    pub fn shrink(&self) -> bool {
        self.table.lock().unwrap().shrink()
    }

    /// Lets go of every exported object (the host ended): dropped after the lock, as their
    /// destructors may run Python.
    pub fn release_all(&self) {
        let released: Vec<Py<PyAny>> = {
            let mut ex = self.table.lock().unwrap();
            let held: Vec<u64> = ex.by_identity.values().map(|sent| sent.0).collect();
            held.into_iter().map(|id| ex.remove(id)).collect()
        };
        drop(released);
    }

    /// Tells Python's collector of every exported object. A table busy on another thread is not
    /// looked at: a reference not reported only keeps its object.
    pub fn visit(&self, visit: &PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        if let Ok(ex) = self.table.try_lock() {
            for (obj, _, _) in ex.slots.iter().filter_map(|s| s.entry.as_ref()) {
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
