//! The Python objects the host holds, the mirror of [`ClientHolds`](crate::wire::ClientHolds) (the JS objects
//! the client holds): for each, the JS object standing for it (one per Python object, so identity
//! holds both ways), which of those are errors standing for Python exceptions, and how many times
//! the client sent it.
//!
//! The runtime knows only that an object stands for a remote one (`ObjectClass::Remote`, a
//! `Callable::Python` function) and calls out through `Outside`; which Python object it is, and
//! when the client may let it go, is the host's business. After a collection the host looks here
//! for the stand-ins that died: their Python objects are the ones the client hears it may drop.
//! Keyed by the stand-ins, this is also where the host finds which Python objects the JS objects
//! it holds reach (`Runtime::reachable` of its stand-ins).

use rustc_hash::{FxHashMap, FxHashSet};

use napi_runtime::convert::ErrorKind;
use napi_runtime::{ObjectId, Runtime};

#[derive(Default)]
pub struct PythonObjects {
    /// What the host has of each Python object, by the client's id: its stand-in and its sends,
    /// in one map, so that an object sent again is counted and found in one look.
    by_python: FxHashMap<u64, Received>,
    /// Every stand-in the host made (remote objects, Python functions, errors), with its Python
    /// object's id.
    stand_ins: FxHashMap<ObjectId, u64>,
    /// The stand-ins that are JS errors for Python exceptions raised in callbacks: the very
    /// exception goes back to Python when its error does, thrown or returned.
    errors: FxHashSet<ObjectId>,
}

/// One Python object as the host has it.
#[derive(Default)]
struct Received {
    /// The JS object standing for it: the last made, when one Python object came as a value and
    /// then as an exception, or the other once that died; `None` once none lives (until it is
    /// sent again).
    stand_in: Option<ObjectId>,
    /// How many of its stand-ins live: two when it came as a value and as an exception. The
    /// client hears it may let the object go only when the last dies.
    alive: u32,
    /// How many times it was received, until the client says it forgot it: a drop notice
    /// carries the count, so that a send still in flight keeps the object alive.
    sends: u64,
}

impl PythonObjects {
    /// The JS object standing for Python object `py` as a value (a function when `callable`),
    /// made the first time it comes; counts the send. Inlined: a callback's function, sent on
    /// every call that passes it, is found and counted in one look.
    #[inline]
    pub fn received(&mut self, rt: &Runtime, py: u64, callable: bool) -> ObjectId {
        if let Some(Received { stand_in: Some(id), sends, .. }) = self.by_python.get_mut(&py) {
            *sends += 1;
            return *id;
        }
        self.received_first(rt, py, callable)
    }

    /// `received` for an object without a live stand-in: the first time it comes, or the first
    /// since its stand-in died.
    #[cold]
    fn received_first(&mut self, rt: &Runtime, py: u64, callable: bool) -> ObjectId {
        let entry = self.by_python.entry(py).or_default();
        entry.sends += 1;
        let id = if callable { rt.new_remote_function(py) } else { rt.new_remote_object(py) };
        entry.stand_in = Some(id);
        entry.alive += 1;
        self.stand_ins.insert(id, py);
        id
    }

    /// The JS `Error` standing for Python exception `py`, with the message `message` makes, made
    /// the first time it is raised (the same exception raised again is the same error); counts
    /// the send.
    pub fn raised(&mut self, rt: &Runtime, py: u64, message: impl FnOnce() -> String) -> ObjectId {
        let entry = self.by_python.entry(py).or_default();
        entry.sends += 1;
        if let Some(id) = entry.stand_in.filter(|id| self.errors.contains(id)) {
            return id;
        }
        let id = rt.new_error(ErrorKind::Error, message().into(), None);
        entry.stand_in = Some(id);
        entry.alive += 1;
        self.stand_ins.insert(id, py);
        self.errors.insert(id);
        id
    }

    /// The Python exception the error `id` stands for, if it stands for one.
    pub fn exception_of(&self, id: ObjectId) -> Option<u64> {
        if self.errors.is_empty() {
            return None;
        }
        self.errors.contains(&id).then(|| self.stand_ins[&id])
    }

    /// Every stand-in, with its Python object and how many times the client sent that object.
    pub fn stand_ins(&self) -> Vec<(ObjectId, u64, u64)> {
        self.stand_ins.iter().map(|(id, py)| (*id, *py, self.sends(*py))).collect()
    }

    /// How many times the client sent Python object `py` since it last forgot it.
    fn sends(&self, py: u64) -> u64 {
        self.by_python.get(&py).map_or(0, |r| r.sends)
    }

    /// The client forgot Python object `py`: its sends count from zero again.
    pub fn forgotten(&mut self, py: u64) {
        if let Some(r) = self.by_python.get_mut(&py) {
            match r.stand_in {
                Some(_) => r.sends = 0,
                None => drop(self.by_python.remove(&py)),
            }
        }
    }

    /// After a collection's sweep (before its finalizers may call Python): lets go of the
    /// stand-ins that died, and answers the Python objects none of whose stand-ins lives any
    /// more, each with how many times the client sent it.
    pub fn swept(&mut self, rt: &Runtime) -> Vec<(u64, u64)> {
        let dead: Vec<(ObjectId, u64)> = {
            let heap = rt.heap();
            self.stand_ins.iter().filter(|(id, _)| heap.get(**id).is_none()).map(|(id, py)| (*id, *py)).collect()
        };
        for (id, _) in &dead {
            self.stand_ins.remove(id);
            self.errors.remove(id);
        }
        dead.into_iter().filter_map(|(id, py)| self.stand_in_died(id, py)).collect()
    }

    /// Stand-in `id` of Python object `py` died (and is no longer in `stand_ins`): the object
    /// with its sends, for the client to let go of, if it was the last of its stand-ins.
    fn stand_in_died(&mut self, id: ObjectId, py: u64) -> Option<(u64, u64)> {
        let r = self.by_python.get_mut(&py)?;
        r.alive -= 1;
        if r.alive > 0 {
            // Its value's stand-in and its error's: the one left stands for it from now on.
            if r.stand_in == Some(id) {
                r.stand_in = self.stand_ins.iter().find(|(_, p)| **p == py).map(|(other, _)| *other);
            }
            return None;
        }
        let sends = r.sends;
        r.stand_in = None;
        // Nothing left to count: the client forgot it already, or never will hear of a send
        // (none since it forgot).
        if sends == 0 {
            self.by_python.remove(&py);
        }
        Some((py, sends))
    }
}

#[cfg(test)]
mod tests {
    use napi_runtime::testing::runtime;
    use napi_runtime::Value;

    use super::PythonObjects;

    #[test]
    fn one_python_object_is_one_stand_in_until_it_dies_and_its_sends_go_with_the_drop() {
        let rt = runtime();
        let mut python = PythonObjects::default();
        let f = python.received(&rt, 7, true);
        assert_eq!(python.received(&rt, 7, true), f, "the same Python object is the same function");
        assert!(rt.is_callable(&Value::Object(f)));
        let o = python.received(&rt, 8, false);
        assert!(python.swept(&rt).is_empty(), "nothing died yet");
        // Only `o` is a root: `f` dies.
        rt.collect(&[o], || {});
        assert_eq!(python.swept(&rt), vec![(7, 2)], "the drop carries both sends");
        assert!(python.swept(&rt).is_empty(), "and is told once");
        assert_ne!(python.received(&rt, 7, true), f, "a Python object sent again has a new stand-in");
        python.forgotten(8);
        rt.collect(&[], || {});
        let mut dropped = python.swept(&rt);
        dropped.sort_unstable();
        assert_eq!(dropped, vec![(7, 3), (8, 0)], "sends count until the client forgets the object");
    }

    #[test]
    fn a_python_object_dead_and_forgotten_is_not_kept() {
        let rt = runtime();
        let mut python = PythonObjects::default();
        python.received(&rt, 7, true);
        python.received(&rt, 8, false);
        python.forgotten(8);
        rt.collect(&[], || {});
        let mut dropped = python.swept(&rt);
        dropped.sort_unstable();
        assert_eq!(dropped, vec![(7, 1), (8, 0)]);
        assert_eq!(python.by_python.len(), 1, "8 was forgotten before it died; 7 waits for the client");
        python.forgotten(7);
        assert!(python.by_python.is_empty(), "nothing is kept of an object dead and forgotten");
    }

    #[test]
    fn an_exception_raised_again_is_the_same_error_and_only_errors_stand_for_exceptions() {
        let rt = runtime();
        let mut python = PythonObjects::default();
        let value = python.received(&rt, 5, false);
        assert_eq!(python.exception_of(value), None, "a remote object is no exception");
        let error = python.raised(&rt, 5, || "ValueError: bad".into());
        assert_ne!(error, value, "an exception first sent as a value gets an error of its own");
        assert!(rt.is_error(&Value::Object(error)));
        assert_eq!(rt.describe_thrown(&Value::Object(error)), "Error: ValueError: bad");
        assert_eq!(python.raised(&rt, 5, || unreachable!("made once")), error);
        assert_eq!(python.exception_of(error), Some(5));
        // The error dies while the value's stand-in lives: the client keeps the exception, and
        // the value's stand-in stands for it from now on.
        rt.collect(&[value], || {});
        assert_eq!(python.swept(&rt), vec![], "a stand-in of the exception lives");
        assert_eq!(python.received(&rt, 5, false), value);
        assert_eq!(python.exception_of(value), None);
        let again = python.raised(&rt, 5, || "ValueError: bad".into());
        assert_ne!(again, error, "raised again after its error died: an error anew");
        // And the other way: the value dies while the error lives.
        rt.collect(&[again], || {});
        assert_eq!(python.swept(&rt), vec![], "the error stands for it still");
        assert_eq!(python.received(&rt, 5, false), again, "sent as a value, it is its live error");
        rt.collect(&[], || {});
        assert_eq!(python.swept(&rt), vec![(5, 6)], "the last stand-in died: every send goes with the drop");
        assert!(python.stand_ins().is_empty());
    }
}
