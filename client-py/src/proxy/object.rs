//! The data of the proxies of host objects: `JSRef`, the native base of every one, and its
//! callable kinds (`JSCallable`, `JSMethod`). What they do when Python uses them (attribute
//! reads and calls, made as requests over their connection) is `python_types/proxies.rs`'s.
//! When a proxy dies, its id is queued for release and rides along with the next request.

use std::sync::atomic::AtomicBool;

use napi_protocol::ObjectId;
use pyo3::ffi;
use pyo3::prelude::*;

use crate::state::connection::Connection;
use napi_client::session::direct::Quick;

#[pyclass(subclass, weakref, frozen, module = "napi_python._native")]
pub struct JSRef {
    pub conn: Py<Connection>,
    pub id: u64,
    /// "object", "array", "function", "class", "error", "symbol", "external", "promise".
    pub kind: String,
    pub class_proto: Option<u64>,
    pub label: String,
    /// Whether a call of this function keeps the GIL (its last call was quick).
    pub quick: Quick,
    /// Set when a cycle collection let go of the object for this proxy: its hold is
    /// released already, and it is no longer the object's proxy.
    pub let_go: AtomicBool,
}

/// The native base of `JSFunction`: its instances are callable, other proxies are not. A call
/// reaches `__call__` through the type's call slot, with no method lookup or argument copy on
/// the way (a `__call__` assigned in the Python class cost about 7% of an in-process call),
/// and from a type's second call on, `vectorcall_call` with no tuple at all.
#[pyclass(extends = JSRef, subclass, frozen, module = "napi_python._native")]
pub struct JSCallable {
    /// How CPython calls the proxy with its arguments as they lie on its stack (vectorcall,
    /// PEP 590): in every instance, at the offset `announce_vectorcall` gives its type.
    pub(crate) vectorcall: ffi::vectorcallfunc,
}

/// A function read from an object, bound to it as `this` (like `obj.f()` in JS). Passed back to
/// JavaScript it is the function itself, as `obj.f` is in JS.
#[pyclass(frozen, module = "napi_python._native")]
pub struct JSMethod {
    pub this: Py<JSRef>,
    pub func: Py<JSRef>,
    /// Its vectorcall, as `JSCallable`'s: a method call makes no tuple either.
    pub(crate) vectorcall: ffi::vectorcallfunc,
}

unsafe extern "C" {
    /// CPython's lookup of a name along a type's MRO, through the type attribute cache.
    /// Private but exported by every CPython 3 (pyo3-ffi leaves it out): the public way,
    /// `PyObject_GenericGetAttr`, raises an AttributeError for each name it does not find.
    pub(crate) fn _PyType_Lookup(t: *mut pyo3::ffi::PyTypeObject, name: *mut pyo3::ffi::PyObject) -> *mut pyo3::ffi::PyObject;
}

impl Drop for JSRef {
    fn drop(&mut self) {
        if !*self.let_go.get_mut() {
            self.conn.get().channel.queue_release(ObjectId(self.id));
        }
    }
}
