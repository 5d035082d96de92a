//! What a proxy's property operations ask of its host, one request each: the `Connection`
//! methods of these names that `napi_python/proxy.py` and `js.py` call (`obj.x = 1` is
//! `conn.set(obj, "x", 1)`), JS's operators on values beside them, and the method table of a
//! class, which attribute lookup reads (`proxy/methods.rs`).

use napi_protocol::{Descriptor, ObjectId, Op, Value};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::calls::requests::{request, request_of, value_of};
use crate::state::connection::Connection;

type OpResult = PyResult<Py<PyAny>>;

/// The method table of class prototype `proto`, asking the host the first time.
pub fn class_members(slf: &Bound<'_, Connection>, proto: u64) -> PyResult<Py<PyDict>> {
    let py = slf.py();
    if let Some(m) = slf.get().cached_members(py, proto) {
        return Ok(m);
    }
    // No lock while the request runs: it may call into Python.
    let fetched = request(slf, Op::DescribeClass { proto: ObjectId(proto) })?;
    let dict = fetched.into_bound(py).cast_into::<PyDict>()?.unbind();
    Ok(slf.get().cache_members(py, proto, dict))
}

/// A property of `target`: `target[key]`.
pub fn get(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> OpResult {
    request_of(slf, |cx| Ok(Op::Get { target: cx.to_value(target)?, key: cx.to_value(key)? }))
}

/// `target[key] = value`.
pub fn set(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> OpResult {
    request_of(slf, |o| Ok(Op::Set { target: o.to_value(target)?, key: o.to_value(key)?, value: o.operand(value)? }))
}

/// JS's `key in target`.
pub fn has(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> OpResult {
    request_of(slf, |cx| Ok(Op::Has { target: cx.to_value(target)?, key: cx.to_value(key)? }))
}

/// `delete target[key]`.
pub fn delete(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> OpResult {
    request_of(slf, |cx| Ok(Op::Delete { target: cx.to_value(target)?, key: cx.to_value(key)? }))
}

/// `Reflect.ownKeys(target)`.
pub fn own_keys(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>) -> OpResult {
    request_of(slf, |cx| Ok(Op::OwnKeys { target: cx.to_value(target)? }))
}

/// `Object.getOwnPropertyDescriptors(target)`.
pub fn own_property_descriptors(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>) -> OpResult {
    request_of(slf, |cx| Ok(Op::OwnPropertyDescriptors { target: cx.to_value(target)? }))
}

/// `Object.defineProperty(target, key, descriptor)`; `descriptor` holds only the fields that are
/// present.
pub fn define_property(
    slf: &Bound<'_, Connection>,
    target: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    descriptor: &Bound<'_, PyDict>,
) -> OpResult {
    let flag = |name: &str| -> PyResult<Option<bool>> { descriptor.get_item(name)?.map(|v| v.is_truthy()).transpose() };
    request_of(slf, |o| {
        let value = descriptor.get_item("value")?.map(|v| o.operand(&v)).transpose()?;
        let accessor = |name: &str| -> PyResult<Option<Value>> { descriptor.get_item(name)?.map(|v| o.to_value(&v)).transpose() };
        let d = Descriptor {
            value,
            get: accessor("get")?,
            set: accessor("set")?,
            writable: flag("writable")?,
            enumerable: flag("enumerable")?,
            configurable: flag("configurable")?,
        };
        Ok(Op::DefineProperty { target: o.to_value(target)?, key: o.to_value(key)?, descriptor: Box::new(d) })
    })
}

/// `Object.getPrototypeOf(target)`.
pub fn get_prototype(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>) -> OpResult {
    request(slf, Op::GetPrototype { target: value_of(slf, target)? })
}

/// `Object.setPrototypeOf(target, proto)`.
pub fn set_prototype(slf: &Bound<'_, Connection>, target: &Bound<'_, PyAny>, proto: &Bound<'_, PyAny>) -> OpResult {
    request(slf, Op::SetPrototype { target: value_of(slf, target)?, proto: value_of(slf, proto)? })
}

/// `typeof value`.
pub fn type_of(slf: &Bound<'_, Connection>, value: &Bound<'_, PyAny>) -> OpResult {
    request(slf, Op::TypeOf { value: value_of(slf, value)? })
}

/// `value instanceof ctor`.
pub fn instance_of(slf: &Bound<'_, Connection>, value: &Bound<'_, PyAny>, ctor: &Bound<'_, PyAny>) -> OpResult {
    request(slf, Op::InstanceOf { value: value_of(slf, value)?, ctor: value_of(slf, ctor)? })
}

/// `a === b`.
pub fn strict_equals(slf: &Bound<'_, Connection>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> OpResult {
    request(slf, Op::StrictEquals { a: value_of(slf, a)?, b: value_of(slf, b)? })
}
