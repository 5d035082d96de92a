//! The client's half of a cycle collection (`ServerMessage::Trace`, D77): which proxies only
//! the Python objects the host asks about reach, found by a trial deletion over Python's
//! `tp_traverse`, as CPython's own collector finds its garbage.
//!
//! The objects asked about (`unreached`) and everything they reach make a graph G. Each object
//! of G has references its reference count does not explain from inside G (nor, for an object
//! asked about, from the table of exported objects, whose one reference is what is on trial):
//! something outside holds it, so it and all it reaches in G are live. The proxies of G left
//! over are reached only from the objects on trial. Leaving an object out of G never makes
//! anything garbage that is not: its references into G then count as outside ones. So types,
//! modules, their dictionaries and connections are not entered (a function's globals would
//! otherwise bring in the whole program), nor objects without `tp_traverse` but proxies.

use std::collections::hash_map::Entry;
use std::os::raw::{c_int, c_void};
use std::sync::atomic::Ordering;

use napi_protocol::{ObjectId, PyRef, TraceAnswer};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::proxy::object::JSRef;
use crate::state::connection::Connection;

/// Answers a question of a cycle collection. With `let_go` empty: the proxies only the objects
/// in `unreached` reach. Otherwise the host's last word: the proxies in `let_go` are let go of
/// if they all still are such (a weak reference may have brought one back meanwhile), and
/// answered; else nothing is, and the answer is `Live`.
pub fn answer(conn: &Bound<'_, Connection>, unreached: &[(PyRef, u64)], let_go: &[ObjectId]) -> TraceAnswer {
    let py = conn.py();
    let candidates = conn.get().exported.on_trial(py, unreached);
    let suspects = match suspect_proxies(conn, &candidates) {
        Ok(s) => s,
        Err(_) => return TraceAnswer::Live,
    };
    if suspects.is_empty() {
        return TraceAnswer::Live;
    }
    if let_go.is_empty() {
        return TraceAnswer::Garbage(suspects.iter().map(|p| ObjectId(p.get().id)).collect());
    }
    let by_id: FxHashMap<u64, &Bound<'_, JSRef>> = suspects.iter().map(|p| (p.get().id, p)).collect();
    if !let_go.iter().all(|id| by_id.contains_key(&id.0)) {
        return TraceAnswer::Live;
    }
    // Each is let go of: its hold is released by the host at once instead of when it dies.
    let proxies: Vec<(u64, &Bound<'_, PyAny>)> = let_go
        .iter()
        .map(|id| {
            let proxy = by_id[&id.0];
            proxy.get().let_go.store(true, Ordering::Relaxed);
            (id.0, proxy.as_any())
        })
        .collect();
    TraceAnswer::Garbage(conn.get().proxies.forget(py, &proxies))
}

/// The graph a trial runs over: each object (by address) with the references to it from
/// inside, and whether it is live.
struct Trial {
    nodes: FxHashMap<usize, Node>,
    /// Objects never entered (types, modules, module dictionaries, connections).
    outside: FxHashSet<usize>,
    jsref_type: *mut ffi::PyTypeObject,
}

#[derive(Default)]
struct Node {
    inside: isize,
    live: bool,
}

/// The proxies of `conn` that only `candidates` reach.
fn suspect_proxies<'py>(conn: &Bound<'py, Connection>, candidates: &[Bound<'py, PyAny>]) -> PyResult<Vec<Bound<'py, JSRef>>> {
    let py = conn.py();
    let mut trial = Trial { nodes: FxHashMap::default(), outside: FxHashSet::default(), jsref_type: py.get_type::<JSRef>().as_type_ptr() };
    trial.outside.insert(conn.as_ptr() as usize);
    let modules = py.import("sys")?.getattr("modules")?.cast_into::<PyDict>()?;
    for m in modules.values() {
        trial.outside.insert(m.as_ptr() as usize);
        if let Ok(d) = m.getattr("__dict__") {
            trial.outside.insert(d.as_ptr() as usize);
        }
    }
    // Discover G from the candidates.
    let mut work: Vec<*mut ffi::PyObject> = Vec::new();
    for c in candidates {
        if trial.enters(c.as_ptr()) {
            trial.nodes.entry(c.as_ptr() as usize).or_default();
            work.push(c.as_ptr());
        }
    }
    while let Some(o) = work.pop() {
        trial.visit_children(o, |trial, child| {
            if let Entry::Vacant(v) = trial.nodes.entry(child as usize) {
                v.insert(Node::default());
                work.push(child);
            }
        });
    }
    // Count the references from inside G.
    let all: Vec<usize> = trial.nodes.keys().copied().collect();
    for &o in &all {
        trial.visit_children(o as *mut ffi::PyObject, |trial, child| {
            if let Some(n) = trial.nodes.get_mut(&(child as usize)) {
                n.inside += 1;
            }
        });
    }
    // The table of exported objects holds each candidate once, and so does `candidates`.
    for c in candidates {
        if let Some(n) = trial.nodes.get_mut(&(c.as_ptr() as usize)) {
            n.inside += 2;
        }
    }
    // What is held from outside is live, with all it reaches.
    let mut live: Vec<*mut ffi::PyObject> = Vec::new();
    for &o in &all {
        // SAFETY: every node is alive: the GIL is held throughout and nothing here releases a
        // reference.
        let count = unsafe { ffi::Py_REFCNT(o as *mut ffi::PyObject) };
        let n = trial.nodes.get_mut(&o).expect("a node");
        if count > n.inside {
            n.live = true;
            live.push(o as *mut ffi::PyObject);
        }
    }
    while let Some(o) = live.pop() {
        trial.visit_children(o, |trial, child| {
            if let Some(n) = trial.nodes.get_mut(&(child as usize)) {
                if !n.live {
                    n.live = true;
                    live.push(child);
                }
            }
        });
    }
    let conn_ptr = conn.as_ptr();
    let mut suspects = Vec::new();
    for (&o, n) in &trial.nodes {
        if n.live || !trial.is_proxy(o as *mut ffi::PyObject) {
            continue;
        }
        // SAFETY: a node, alive (above); borrowed and made owned at once.
        let proxy = unsafe { Bound::from_borrowed_ptr(py, o as *mut ffi::PyObject) }.cast_into::<JSRef>()?;
        if proxy.get().conn.as_ptr() == conn_ptr {
            suspects.push(proxy);
        }
    }
    Ok(suspects)
}

impl Trial {
    /// Whether `o` is a node of G once reached: an object that can be in a cycle (it has
    /// `tp_traverse`) or a proxy, and none of those never entered.
    fn enters(&self, o: *mut ffi::PyObject) -> bool {
        if self.outside.contains(&(o as usize)) {
            return false;
        }
        // SAFETY: `o` is a live object (a candidate, or visited by a live object's traverse).
        unsafe {
            if ffi::PyType_Check(o) != 0 || ffi::PyModule_Check(o) != 0 {
                return false;
            }
            ffi::PyObject_IS_GC(o) != 0 || self.is_proxy(o)
        }
    }

    fn is_proxy(&self, o: *mut ffi::PyObject) -> bool {
        // SAFETY: a live object, and a live type.
        unsafe { ffi::PyObject_TypeCheck(o, self.jsref_type) != 0 }
    }

    /// Calls `f` with each object `o` references that is a node of G or may become one.
    fn visit_children(&mut self, o: *mut ffi::PyObject, mut f: impl FnMut(&mut Trial, *mut ffi::PyObject)) {
        // SAFETY: `o` is live; its type's traverse only reports references.
        let traverse = unsafe { (*ffi::Py_TYPE(o)).tp_traverse };
        let Some(traverse) = traverse else { return };
        let mut children: Vec<*mut ffi::PyObject> = Vec::new();
        unsafe extern "C" fn collect(child: *mut ffi::PyObject, arg: *mut c_void) -> c_int {
            // SAFETY: `arg` is the vector below, alive for the traverse call.
            let children = unsafe { &mut *(arg as *mut Vec<*mut ffi::PyObject>) };
            if !child.is_null() {
                children.push(child);
            }
            0
        }
        // SAFETY: as above; `collect` keeps no reference beyond this call.
        unsafe { traverse(o, collect, &mut children as *mut _ as *mut c_void) };
        for child in children {
            if self.enters(child) {
                f(self, child);
            }
        }
    }
}
