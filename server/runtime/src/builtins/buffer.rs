//! `Buffer.prototype.toJSON`, which makes `JSON.stringify(buffer)` give Node's
//! `{"type":"Buffer","data":[...]}`; and the getters that describe ArrayBuffers and their views
//! (DataView's `byteLength`, `buffer`, `byteOffset`), which read 0 once the buffer is detached.

use super::super::object::{ObjectClass, TypedArrayKind, View};
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::describe;
use super::define::getter;

pub fn install(b: &mut Builder, realm: &Realm) {
    b.method(realm.buffer_prototype, "toJSON", 0, buffer_to_json);
    getter(b, realm.arraybuffer_prototype, "byteLength", arraybuffer_byte_length);
    getter(b, realm.sharedarraybuffer_prototype, "byteLength", sharedarraybuffer_byte_length);
    // The typed arrays' are on %TypedArray%.prototype (typed_array_methods.rs).
    let proto = realm.dataview_prototype;
    getter(b, proto, "buffer", view_buffer);
    getter(b, proto, "byteLength", view_byte_length);
    getter(b, proto, "byteOffset", view_byte_offset);
}

fn incompatible(rt: &Runtime, what: &str, this: &Value) -> super::super::Thrown {
    rt.type_error(format!("Method get {what} called on incompatible receiver {}", describe(rt, this)))
}

/// `byteLength` of an ArrayBuffer (`shared` false) or a SharedArrayBuffer: each getter refuses
/// the other kind, as V8's do.
fn byte_length_of(rt: &Runtime, this: &Value, shared: bool) -> JsResult<Value> {
    let heap = rt.heap.borrow();
    match this.as_object().and_then(|id| heap.get(id)).map(|o| &o.class) {
        Some(ObjectClass::ArrayBuffer(data)) if data.shared == shared => Ok(Value::Number(data.len() as f64)),
        _ => {
            drop(heap);
            let what = if shared { "SharedArrayBuffer.prototype.byteLength" } else { "ArrayBuffer.prototype.byteLength" };
            Err(incompatible(rt, what, this))
        }
    }
}

fn arraybuffer_byte_length(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    byte_length_of(rt, &this, false)
}

fn sharedarraybuffer_byte_length(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    byte_length_of(rt, &this, true)
}

/// The view `this` is, and whether its buffer is detached (a detached view reads as empty).
fn this_view(rt: &Runtime, this: &Value, what: &str) -> JsResult<(View, bool)> {
    let Some(view) = rt.view_of(this) else { return Err(incompatible(rt, what, this)) };
    let detached = rt.is_view_detached(&view);
    Ok((view, detached))
}

fn view_buffer(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Object(this_view(rt, &this, "DataView.prototype.buffer")?.0.buffer))
}

fn view_byte_length(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (view, detached) = this_view(rt, &this, "DataView.prototype.byteLength")?;
    let len = if detached { 0 } else { view.length * view.kind.map_or(1, TypedArrayKind::element_size) };
    Ok(Value::Number(len as f64))
}

fn view_byte_offset(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let (view, detached) = this_view(rt, &this, "DataView.prototype.byteOffset")?;
    Ok(Value::Number(if detached { 0.0 } else { view.byte_offset as f64 }))
}

/// The elements of `this` when it is a view with one-byte elements (a Buffer, or a `Uint8Array`
/// or `Int8Array` the method was called on). Node reads `this[i]` up to `this.length`, which is
/// nothing for a non-view receiver; wider typed arrays are not decoded here.
fn byte_elements(rt: &Runtime, this: &Value) -> Vec<Value> {
    let Value::Object(id) = this else { return Vec::new() };
    let heap = rt.heap.borrow();
    let Some(ObjectClass::View(view)) = heap.get(*id).map(|o| &o.class) else { return Vec::new() };
    let Some(kind) = view.kind.filter(|k| k.element_size() == 1) else { return Vec::new() };
    let Some(ObjectClass::ArrayBuffer(data)) = heap.get(view.buffer).map(|o| &o.class) else {
        // A detached buffer has no elements.
        return Vec::new();
    };
    let Some(range) = data.bytes().get(view.byte_offset..view.byte_offset + view.length) else { return Vec::new() };
    let signed = kind == TypedArrayKind::Int8;
    range.iter().map(|&b| Value::Number(if signed { f64::from(b as i8) } else { f64::from(b) })).collect()
}

fn buffer_to_json(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let data = rt.new_array(byte_elements(rt, &this));
    let obj = rt.new_plain_object();
    let mut heap = rt.heap.borrow_mut();
    heap.put(obj, PropertyKey::name("type"), Property::data(Value::str("Buffer")));
    heap.put(obj, PropertyKey::name("data"), Property::data(Value::Object(data)));
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::super::super::object::ArrayBufferData;
    use super::*;
    use crate::testing::{json, parse, runtime};

    /// A Buffer over `bytes` at `offset`, built as napi_create_buffer_copy builds one.
    fn buffer(rt: &Runtime, bytes: &[u8], offset: usize) -> Value {
        let mut heap = rt.heap.borrow_mut();
        let mut backing = vec![0xee; offset];
        backing.extend_from_slice(bytes);
        let ab = heap.new_object(ObjectClass::ArrayBuffer(ArrayBufferData::owned(backing.into())), Some(rt.realm.arraybuffer_prototype));
        let view = View { buffer: ab, kind: Some(TypedArrayKind::Uint8), is_buffer: true, byte_offset: offset, length: bytes.len() };
        Value::Object(heap.new_object(ObjectClass::View(view), Some(rt.realm.buffer_prototype)))
    }

    #[test]
    fn stringify_uses_nodes_buffer_shape() {
        // node: JSON.stringify(Buffer.from([1,2,255])) -> {"type":"Buffer","data":[1,2,255]}
        //       JSON.stringify({b: Buffer.alloc(0)}) -> {"b":{"type":"Buffer","data":[]}}
        let rt = runtime();
        assert_eq!(json(&rt, &buffer(&rt, &[1, 2, 255], 3)), r#"{"type":"Buffer","data":[1,2,255]}"#);
        let holder = parse(&rt, "{}");
        rt.set_named(&holder, "b", buffer(&rt, &[], 0)).unwrap();
        assert_eq!(json(&rt, &holder), r#"{"b":{"type":"Buffer","data":[]}}"#);
    }

    #[test]
    fn to_json_on_a_non_buffer_has_no_data() {
        // node: Buffer.prototype.toJSON.call({}) -> { type: 'Buffer', data: [] }
        let rt = runtime();
        let f = rt.get_named(&Value::Object(rt.realm.buffer_prototype), "toJSON").unwrap();
        let out = rt.call(&f, parse(&rt, "{}"), &[]).unwrap();
        assert_eq!(json(&rt, &out), r#"{"type":"Buffer","data":[]}"#);
    }
}
