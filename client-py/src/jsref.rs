//! `JSRef`: the native base of every proxy for a host object. When a proxy dies, its id is
//! queued for release and rides along with the next request.

use napi_protocol::ObjectId;
use pyo3::prelude::*;

use crate::connection::Connection;

#[pyclass(subclass, weakref, frozen, module = "napi_python._native")]
pub struct JSRef {
    pub conn: Py<Connection>,
    pub id: u64,
    /// "object", "array", "function", "class", "error", "symbol", "external", "promise".
    pub kind: String,
    pub class_proto: Option<u64>,
    pub label: String,
}

#[pymethods]
impl JSRef {
    #[new]
    #[pyo3(signature = (conn, id, kind, class_proto, label))]
    fn new(conn: Py<Connection>, id: u64, kind: String, class_proto: Option<u64>, label: String) -> Self {
        JSRef { conn, id, kind, class_proto, label }
    }

    /// The connection to the host that owns the object.
    #[getter]
    fn _conn(&self, py: Python<'_>) -> Py<Connection> {
        self.conn.clone_ref(py)
    }

    #[getter]
    fn _id(&self) -> u64 {
        self.id
    }

    #[getter]
    fn _kind(&self) -> &str {
        &self.kind
    }

    #[getter]
    fn _class_proto(&self) -> Option<u64> {
        self.class_proto
    }

    #[getter]
    fn _label(&self) -> &str {
        &self.label
    }
}

impl Drop for JSRef {
    fn drop(&mut self) {
        self.conn.get().channel.queue_release(ObjectId(self.id));
    }
}
