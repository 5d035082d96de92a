//! The buffer constructors on the global object: `ArrayBuffer` (`isView`, `slice`),
//! `SharedArrayBuffer`, `DataView` (every getter and setter), the twelve typed-array
//! constructors over `%TypedArray%` (`BYTES_PER_ELEMENT`), and node's `Buffer` (`from`, `alloc`,
//! `allocUnsafe`, `isBuffer`, `byteLength`, `concat`, `compare`, `toString`, `write`, `equals`)
//! with its encodings. sqlite3 and others test values with `napi_instanceof` against these.

use base64::Engine;

use super::super::convert::ErrorKind;
use super::super::object::{ObjectClass, TypedArrayKind, View};
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::string::JsString;
use super::super::value::Value;
use super::super::{JsResult, Runtime, Thrown};
use super::coerce::{adopt_prototype, arg, class_of, describe, describe_operand, get_index, length_of, relative_index, to_integer};
use super::define::{species_getter, to_string_tag};

pub fn install(b: &mut Builder, realm: &Realm) {
    let ab = b.constructor(realm.global, "ArrayBuffer", 1, arraybuffer_ctor, realm.arraybuffer_prototype);
    b.method(ab, "isView", 1, is_view);
    species_getter(b, realm, ab);
    b.method(realm.arraybuffer_prototype, "slice", 2, arraybuffer_slice);
    to_string_tag(b, realm, realm.arraybuffer_prototype, "ArrayBuffer");
    b.constructor(realm.global, "SharedArrayBuffer", 1, shared_ctor, realm.sharedarraybuffer_prototype);
    to_string_tag(b, realm, realm.sharedarraybuffer_prototype, "SharedArrayBuffer");
    b.constructor(realm.global, "DataView", 1, dataview_ctor, realm.dataview_prototype);
    to_string_tag(b, realm, realm.dataview_prototype, "DataView");
    // Node 24's order: Float16 came last.
    for kind in ["Int8", "Uint8", "Int16", "Uint16", "Int32", "Uint32", "Float32", "Float64", "BigInt64", "BigUint64", "Float16"] {
        b.method(realm.dataview_prototype, &format!("get{kind}"), 1, dataview_method(kind, false));
        b.method(realm.dataview_prototype, &format!("set{kind}"), 2, dataview_method(kind, true));
    }
    let typed_base = b.heap.obj(realm.typed_array_prototype(TypedArrayKind::Int8)).proto.expect("typed arrays share a prototype");
    let typed_array = b.function("TypedArray", 0, abstract_typed_array);
    let frozen = Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Object(typed_base)) };
    b.heap.put(typed_array, PropertyKey::name("prototype"), frozen);
    b.value(typed_base, "constructor", Value::Object(typed_array));
    for kind in TypedArrayKind::ALL {
        let proto = realm.typed_array_prototype(kind);
        let ctor = b.constructor(realm.global, kind.name(), 3, typed_ctor(kind), proto);
        b.heap.obj_mut(ctor).proto = Some(typed_array);
        let size = Property {
            writable: false,
            enumerable: false,
            configurable: false,
            ..Property::hidden(Value::Number(kind.element_size() as f64))
        };
        b.heap.put(ctor, PropertyKey::name("BYTES_PER_ELEMENT"), size.clone());
        b.heap.put(proto, PropertyKey::name("BYTES_PER_ELEMENT"), size);
    }
    let buffer = b.constructor(realm.global, "Buffer", 2, buffer_ctor, realm.buffer_prototype);
    b.heap.obj_mut(buffer).proto =
        b.heap.get(realm.global).and_then(|g| match g.props.get(&PropertyKey::name("Uint8Array")).map(|p| p.slot.clone()) {
            Some(super::super::property::Slot::Data(Value::Object(u8a))) => Some(u8a),
            _ => None,
        });
    b.method(buffer, "from", 3, buffer_from);
    b.method(buffer, "alloc", 3, buffer_alloc);
    b.method(buffer, "allocUnsafe", 1, buffer_alloc_unsafe);
    b.method(buffer, "allocUnsafeSlow", 1, buffer_alloc_unsafe);
    b.method(buffer, "isBuffer", 1, buffer_is_buffer);
    b.method(buffer, "isEncoding", 1, buffer_is_encoding);
    b.method(buffer, "byteLength", 2, buffer_byte_length);
    b.method(buffer, "concat", 2, buffer_concat);
    b.method(buffer, "compare", 2, buffer_compare);
    b.value(buffer, "poolSize", Value::Number(8192.0));
    let p = realm.buffer_prototype;
    b.method(p, "toString", 3, buffer_to_string);
    b.method(p, "write", 4, buffer_write);
    b.method(p, "equals", 1, buffer_equals);
    b.method(p, "compare", 5, buffer_compare_method);
}

fn abstract_typed_array(rt: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Err(rt.type_error("Abstract class TypedArray not directly constructable".into()))
}

/// `ToIndex` with the message of the caller.
fn to_index(rt: &Runtime, v: &Value, message: &str) -> JsResult<usize> {
    let n = to_integer(rt, v)?;
    if !(0.0..=9007199254740991.0).contains(&n) {
        return Err(rt.range_error(message.into()));
    }
    Ok(n as usize)
}

fn new_buffer(rt: &Runtime, len: usize, shared: bool) -> JsResult<ObjectId> {
    let mut data = rt.new_backing(len, None)?;
    data.shared = shared;
    Ok(rt.new_arraybuffer(data))
}

fn arraybuffer_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let Some(nt) = nt else { return Err(rt.type_error("Constructor ArrayBuffer requires 'new'".into())) };
    let len = to_index(rt, &arg(args, 0), "Invalid array buffer length")?;
    if len > (1usize << 32) {
        return Err(rt.range_error("Array buffer allocation failed".into()));
    }
    let id = new_buffer(rt, len, false)?;
    adopt_prototype(rt, id, nt)?;
    Ok(Value::Object(id))
}

fn shared_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let Some(nt) = nt else { return Err(rt.type_error("Constructor SharedArrayBuffer requires 'new'".into())) };
    let len = to_index(rt, &arg(args, 0), "Invalid array buffer length")?;
    let id = new_buffer(rt, len, true)?;
    adopt_prototype(rt, id, nt)?;
    Ok(Value::Object(id))
}

fn is_view(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(class_of(rt, &arg(args, 0)), Some(ObjectClass::View(_)))))
}

/// The bytes of an ArrayBuffer (`None` for anything else).
fn buffer_bytes(rt: &Runtime, id: ObjectId) -> Option<(Vec<u8>, bool, bool)> {
    match rt.heap.borrow().get(id).map(|o| &o.class) {
        Some(ObjectClass::ArrayBuffer(d)) => Some((d.bytes().to_vec(), d.shared, d.is_detached())),
        _ => None,
    }
}

fn arraybuffer_slice(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let bytes = this.as_object().and_then(|id| buffer_bytes(rt, id)).filter(|(_, shared, _)| !shared);
    let Some((bytes, _, detached)) = bytes else {
        return Err(rt.type_error(format!("Method ArrayBuffer.prototype.slice called on incompatible receiver {}", describe(rt, &this))));
    };
    if detached {
        return Err(rt.type_error("Cannot perform ArrayBuffer.prototype.slice on a detached ArrayBuffer".into()));
    }
    let len = bytes.len() as f64;
    let from = relative_index(rt, args.first(), len, 0.0)? as usize;
    let to = relative_index(rt, args.get(1), len, len)? as usize;
    let slice = &bytes[from..to.max(from)];
    let data = rt.new_backing(slice.len(), Some(slice))?;
    Ok(Value::Object(rt.new_arraybuffer(data)))
}

fn dataview_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let Some(nt) = nt else { return Err(rt.type_error("Constructor DataView requires 'new'".into())) };
    let buffer = arg(args, 0);
    let Some((bytes, _, detached)) = buffer.as_object().and_then(|id| buffer_bytes(rt, id)) else {
        return Err(rt.type_error("First argument to DataView constructor must be an ArrayBuffer".into()));
    };
    let offset = to_index(rt, &arg(args, 1), "Start offset is outside the bounds of the buffer")?;
    if detached {
        return Err(rt.type_error("Cannot perform DataView constructor on a detached ArrayBuffer".into()));
    }
    if offset > bytes.len() {
        return Err(rt.range_error(format!("Start offset {offset} is outside the bounds of the buffer")));
    }
    let length = match arg(args, 2) {
        Value::Undefined => bytes.len() - offset,
        v => {
            let l = to_index(rt, &v, "Invalid DataView length")?;
            if offset + l > bytes.len() {
                return Err(rt.range_error(format!("Invalid DataView length {l}")));
            }
            l
        }
    };
    let view = View { buffer: buffer.as_object().expect("checked"), kind: None, is_buffer: false, byte_offset: offset, length };
    let id = rt.heap.borrow_mut().new_object(ObjectClass::View(view), Some(rt.realm.dataview_prototype));
    adopt_prototype(rt, id, nt)?;
    Ok(Value::Object(id))
}

/// `DataView.prototype.get<Kind>(offset, littleEndian)` / `set<Kind>(offset, value, littleEndian)`.
fn dataview_access(rt: &Runtime, this: &Value, args: &[Value], kind: TypedArrayKind, set: bool, name: &str) -> JsResult<Value> {
    let view = match class_of(rt, this) {
        Some(ObjectClass::View(v)) if v.kind.is_none() => v,
        _ => {
            return Err(rt.type_error(format!(
                "Method DataView.prototype.{}{name} called on incompatible receiver {}",
                if set { "set" } else { "get" },
                describe(rt, this)
            )))
        }
    };
    let offset = to_index(rt, &arg(args, 0), "Offset is outside the bounds of the DataView")?;
    let little = rt.to_boolean(&arg(args, if set { 2 } else { 1 }));
    let size = kind.element_size();
    let value = if set {
        let v = arg(args, 1);
        Some(match kind {
            TypedArrayKind::BigInt64 | TypedArrayKind::BigUint64 => Value::BigInt(rt.to_bigint(&v)?),
            _ => Value::Number(rt.to_number(&v)?),
        })
    } else {
        None
    };
    let Some((bytes, _, detached)) = buffer_bytes(rt, view.buffer) else { unreachable!("a view's buffer") };
    if detached {
        return Err(rt.type_error("Cannot perform DataView.prototype access on a detached ArrayBuffer".into()));
    }
    if offset + size > view.length || view.byte_offset + view.length > bytes.len() {
        return Err(rt.range_error("Offset is outside the bounds of the DataView".into()));
    }
    let at = view.byte_offset + offset;
    // A scratch typed array over a host-endian copy of the element does the conversion.
    let scratch = {
        let data = super::super::object::ArrayBufferData::owned(vec![0u8; 8].into_boxed_slice());
        let ab = rt.heap.borrow_mut().new_object(ObjectClass::ArrayBuffer(data), Some(rt.realm.arraybuffer_prototype));
        let v = View { buffer: ab, kind: Some(kind), is_buffer: false, byte_offset: 0, length: 1 };
        (ab, rt.heap.borrow_mut().new_object(ObjectClass::View(v), Some(rt.realm.typed_array_prototype(kind))))
    };
    let el = rt.typed_element(scratch.1, &PropertyKey::Index(0)).expect("an element");
    let native_little = cfg!(target_endian = "little");
    match value {
        None => {
            let mut raw = bytes[at..at + size].to_vec();
            if little != native_little {
                raw.reverse();
            }
            if let Some(ObjectClass::ArrayBuffer(d)) = rt.heap.borrow_mut().get_mut(scratch.0).map(|o| &mut o.class) {
                d.write(0, &raw);
            }
            Ok(rt.read_element(&el))
        }
        Some(v) => {
            rt.write_element(&el, &v)?;
            let mut raw = buffer_bytes(rt, scratch.0).expect("scratch").0[..size].to_vec();
            if little != native_little {
                raw.reverse();
            }
            if let Some(ObjectClass::ArrayBuffer(d)) = rt.heap.borrow_mut().get_mut(view.buffer).map(|o| &mut o.class) {
                d.write(at, &raw);
            }
            Ok(Value::Undefined)
        }
    }
}

macro_rules! dataview_methods {
    ($($kind:ident),*) => {
        fn dataview_method(kind: &str, set: bool) -> super::super::object::BuiltinFn {
            paste_free!(kind, set, $($kind),*)
        }
    };
}

macro_rules! paste_free {
    ($k:ident, $set:ident, $($kind:ident),*) => {{
        $(
            if $k == stringify!($kind) {
                return if $set {
                    |rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>| dataview_access(rt, &this, args, TypedArrayKind::$kind, true, stringify!($kind))
                } else {
                    |rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>| dataview_access(rt, &this, args, TypedArrayKind::$kind, false, stringify!($kind))
                };
            }
        )*
        unreachable!("a DataView element type")
    }};
}

dataview_methods!(Int8, Uint8, Int16, Uint16, Int32, Uint32, Float16, Float32, Float64, BigInt64, BigUint64);

/// A new typed array (or Buffer) of `kind` over `buffer`.
pub(super) fn new_typed_array(
    rt: &Runtime,
    kind: TypedArrayKind,
    buffer: ObjectId,
    byte_offset: usize,
    length: usize,
    is_buffer: bool,
) -> ObjectId {
    rt.new_view(View { buffer, kind: Some(kind), is_buffer, byte_offset, length })
}

/// `new XArray(length | typedArray | object | buffer, byteOffset, length)`.
fn construct_typed(rt: &Runtime, kind: TypedArrayKind, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let Some(nt) = nt else { return Err(rt.type_error(format!("Constructor {} requires 'new'", kind.name()))) };
    let size = kind.element_size();
    let first = arg(args, 0);
    let id = match &first {
        Value::Object(src) if buffer_bytes(rt, *src).is_some() => {
            let (bytes, _, detached) = buffer_bytes(rt, *src).expect("checked");
            let offset = to_index(rt, &arg(args, 1), "Start offset is outside the bounds of the buffer")?;
            if offset % size != 0 {
                return Err(rt.range_error(format!("start offset of {} should be a multiple of {size}", kind.name())));
            }
            if detached {
                return Err(rt.type_error("Cannot perform Construct on a detached ArrayBuffer".into()));
            }
            let length = match arg(args, 2) {
                Value::Undefined => {
                    if bytes.len() % size != 0 {
                        return Err(rt.range_error(format!("byte length of {} should be a multiple of {size}", kind.name())));
                    }
                    if offset > bytes.len() {
                        return Err(rt.range_error(format!("Start offset {offset} is outside the bounds of the buffer")));
                    }
                    (bytes.len() - offset) / size
                }
                v => {
                    let l = to_index(rt, &v, "Invalid typed array length")?;
                    if offset + l * size > bytes.len() {
                        return Err(rt.range_error(format!("Invalid typed array length: {l}")));
                    }
                    l
                }
            };
            new_typed_array(rt, kind, *src, offset, length, false)
        }
        Value::Object(_) => {
            let items: Vec<Value> = if rt.get(&first, &PropertyKey::Symbol(rt.realm.symbol_iterator))?.is_nullish() {
                let len = length_of(rt, &first)?;
                (0..len as u64).map(|k| get_index(rt, &first, k as f64)).collect::<JsResult<_>>()?
            } else {
                let mut v = Vec::new();
                super::iterator::iterate(rt, &first, |x| {
                    v.push(x);
                    Ok(())
                })?;
                v
            };
            let ab = new_buffer(rt, items.len() * size, false)?;
            let id = new_typed_array(rt, kind, ab, 0, items.len(), false);
            for (i, v) in items.into_iter().enumerate() {
                rt.set(&Value::Object(id), PropertyKey::Index(i as u32), v)?;
            }
            id
        }
        v => {
            let n = match v {
                Value::Undefined => 0.0,
                v => to_integer(rt, v)?,
            };
            if !(0.0..=9007199254740991.0).contains(&n) {
                return Err(rt.range_error(format!("Invalid typed array length: {}", rt.to_string(v)?)));
            }
            if n * size as f64 > (1u64 << 32) as f64 {
                return Err(rt.range_error(format!("Invalid typed array length: {}", rt.to_string(v)?)));
            }
            let ab = new_buffer(rt, n as usize * size, false)?;
            new_typed_array(rt, kind, ab, 0, n as usize, false)
        }
    };
    adopt_prototype(rt, id, nt)?;
    Ok(Value::Object(id))
}

fn typed_ctor(kind: TypedArrayKind) -> super::super::object::BuiltinFn {
    macro_rules! ctors {
        ($($k:ident),*) => {
            match kind {
                $(TypedArrayKind::$k => |rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>| construct_typed(rt, TypedArrayKind::$k, args, nt),)*
            }
        };
    }
    ctors!(Int8, Uint8, Uint8Clamped, Int16, Uint16, Int32, Uint32, Float32, Float64, BigInt64, BigUint64, Float16)
}

/// A Buffer holding `bytes`.
fn make_buffer(rt: &Runtime, bytes: &[u8]) -> JsResult<Value> {
    let data = rt.new_backing(bytes.len(), Some(bytes))?;
    let ab = rt.new_arraybuffer(data);
    Ok(Value::Object(new_typed_array(rt, TypedArrayKind::Uint8, ab, 0, bytes.len(), true)))
}

/// The bytes of a view (a Buffer, a typed array, a DataView).
fn view_bytes(rt: &Runtime, v: &Value) -> Option<Vec<u8>> {
    let ObjectClass::View(view) = class_of(rt, v)? else { return None };
    let (bytes, _, _) = buffer_bytes(rt, view.buffer)?;
    let len = view.length * view.kind.map_or(1, TypedArrayKind::element_size);
    bytes.get(view.byte_offset..view.byte_offset + len).map(<[u8]>::to_vec)
}

fn buffer_ctor(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    match arg(args, 0) {
        Value::Number(n) => make_buffer(rt, &vec![0u8; n.max(0.0) as usize]),
        _ => buffer_from(rt, Value::Undefined, args, None),
    }
}

/// Node's encoding names, normalised; `None` for an unknown one.
fn encoding(rt: &Runtime, v: &Value) -> JsResult<Option<&'static str>> {
    if matches!(v, Value::Undefined) {
        return Ok(Some("utf8"));
    }
    let name = rt.to_string(v)?.to_rust_string().to_ascii_lowercase();
    Ok(match name.as_str() {
        "utf8" | "utf-8" => Some("utf8"),
        "hex" => Some("hex"),
        "base64" => Some("base64"),
        "base64url" => Some("base64url"),
        "latin1" | "binary" => Some("latin1"),
        "ascii" => Some("ascii"),
        "ucs2" | "ucs-2" | "utf16le" | "utf-16le" => Some("utf16le"),
        _ => None,
    })
}

/// Encodes `s` as node does for `enc`.
fn encode(s: &JsString, enc: &str) -> Vec<u8> {
    match enc {
        "hex" => {
            let t = s.to_rust_string();
            let b = t.as_bytes();
            let mut out = Vec::new();
            for pair in b.chunks(2) {
                let hex = |c: u8| (c as char).to_digit(16);
                match (pair.first().and_then(|c| hex(*c)), pair.get(1).and_then(|c| hex(*c))) {
                    (Some(h), Some(l)) => out.push((h * 16 + l) as u8),
                    _ => break,
                }
            }
            out
        }
        "base64" | "base64url" => {
            let t: String = s
                .to_rust_string()
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '=')
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            let cut = t.find(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '/')).unwrap_or(t.len());
            let t = &t[..cut];
            let usable = t.len() - if t.len() % 4 == 1 { 1 } else { 0 };
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(&t[..usable]).unwrap_or_default()
        }
        "latin1" | "ascii" => s.to_utf16().iter().map(|&u| u as u8).collect(),
        "utf16le" => s.to_utf16().iter().flat_map(|u| u.to_le_bytes()).collect(),
        _ => s.to_rust_string().into_bytes(),
    }
}

/// Decodes `bytes` as node does for `enc`.
fn decode(bytes: &[u8], enc: &str) -> JsString {
    match enc {
        "hex" => bytes.iter().map(|b| format!("{b:02x}")).collect::<String>().into(),
        "base64" => base64::engine::general_purpose::STANDARD.encode(bytes).into(),
        "base64url" => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes).into(),
        "latin1" => JsString::from_latin1(bytes),
        "ascii" => JsString::from_latin1(&bytes.iter().map(|b| b & 0x7f).collect::<Vec<u8>>()),
        "utf16le" => JsString::from_utf16(&bytes.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<u16>>()),
        _ => JsString::from_utf8_lossy(bytes),
    }
}

fn unknown_encoding(rt: &Runtime, v: &Value) -> super::super::Thrown {
    let e = rt.type_error(format!("Unknown encoding: {}", v.to_display(rt)));
    if let Value::Object(id) = &e.0 {
        rt.heap.borrow_mut().put(*id, PropertyKey::name("code"), Property::data(Value::str("ERR_UNKNOWN_ENCODING")));
    }
    e
}

fn buffer_from(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let v = arg(args, 0);
    match &v {
        Value::String(s) => {
            let Some(enc) = encoding(rt, &arg(args, 1))? else { return Err(unknown_encoding(rt, &arg(args, 1))) };
            make_buffer(rt, &encode(s, enc))
        }
        Value::Object(id) => {
            if let Some((bytes, _, _)) = buffer_bytes(rt, *id) {
                // A Buffer sharing the ArrayBuffer's memory.
                let offset = match arg(args, 1) {
                    Value::Undefined => 0,
                    o => to_integer(rt, &o)?.max(0.0) as usize,
                };
                let len = match arg(args, 2) {
                    Value::Undefined => bytes.len().saturating_sub(offset),
                    l => to_integer(rt, &l)?.max(0.0) as usize,
                };
                if offset > bytes.len() {
                    return Err(rt.range_error("\"offset\" is outside of buffer bounds".into()));
                }
                if offset + len > bytes.len() {
                    return Err(rt.range_error("\"length\" is outside of buffer bounds".into()));
                }
                return Ok(Value::Object(new_typed_array(rt, TypedArrayKind::Uint8, *id, offset, len, true)));
            }
            if let Some(bytes) = view_bytes(rt, &v) {
                return make_buffer(rt, &bytes);
            }
            let len = length_of(rt, &v)?;
            let mut bytes = Vec::with_capacity(len as usize);
            for k in 0..len as u64 {
                let n = rt.to_number(&get_index(rt, &v, k as f64)?)?;
                bytes.push(super::super::number::to_uint32(n) as u8);
            }
            make_buffer(rt, &bytes)
        }
        other => {
            let shown = match other {
                Value::Undefined | Value::Null => other.to_display(rt),
                _ => format!("type {} ({})", rt.typeof_string(other), other.to_display(rt)),
            };
            let e = rt.type_error(format!(
                "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received {shown}"
            ));
            if let Value::Object(id) = &e.0 {
                rt.heap.borrow_mut().put(*id, PropertyKey::name("code"), Property::data(Value::str("ERR_INVALID_ARG_TYPE")));
            }
            Err(e)
        }
    }
}

/// The `size` argument of `alloc`/`allocUnsafe`, with node's RangeError.
fn size_arg(rt: &Runtime, v: &Value) -> JsResult<usize> {
    let Value::Number(n) = v else {
        let e = rt.type_error(format!("The \"size\" argument must be of type number. Received {}", describe_operand(rt, v)));
        if let Value::Object(id) = &e.0 {
            rt.heap.borrow_mut().put(*id, PropertyKey::name("code"), Property::data(Value::str("ERR_INVALID_ARG_TYPE")));
        }
        return Err(e);
    };
    // node 24's buffer.constants.MAX_LENGTH on 64-bit machines, 2**53 - 1.
    if !(0.0..=9007199254740991.0).contains(n) || n.is_nan() {
        let e = rt.range_error(format!(
            "The value of \"size\" is out of range. It must be >= 0 && <= 9007199254740991. Received {}",
            super::super::number::number_to_string(*n)
        ));
        if let Value::Object(id) = &e.0 {
            rt.heap.borrow_mut().put(*id, PropertyKey::name("code"), Property::data(Value::str("ERR_OUT_OF_RANGE")));
        }
        return Err(e);
    }
    Ok(*n as usize)
}

fn buffer_alloc(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let size = size_arg(rt, &arg(args, 0))?;
    let fill = arg(args, 1);
    let bytes = match &fill {
        Value::Undefined => vec![0u8; size],
        Value::Number(n) => vec![super::super::number::to_uint32(*n) as u8; size],
        Value::String(s) => {
            let Some(enc) = encoding(rt, &arg(args, 2))? else { return Err(unknown_encoding(rt, &arg(args, 2))) };
            let pattern = encode(s, enc);
            if pattern.is_empty() {
                vec![0u8; size]
            } else {
                pattern.iter().copied().cycle().take(size).collect()
            }
        }
        v => match view_bytes(rt, v) {
            Some(p) if !p.is_empty() => p.iter().copied().cycle().take(size).collect(),
            _ => vec![0u8; size],
        },
    };
    make_buffer(rt, &bytes)
}

fn buffer_alloc_unsafe(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let size = size_arg(rt, &arg(args, 0))?;
    make_buffer(rt, &vec![0u8; size])
}

fn is_buffer_value(rt: &Runtime, v: &Value) -> bool {
    matches!(class_of(rt, v), Some(ObjectClass::View(View { is_buffer: true, .. })))
}

fn buffer_is_buffer(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(is_buffer_value(rt, &arg(args, 0))))
}

fn buffer_is_encoding(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(arg(args, 0), Value::String(_)) && encoding(rt, &arg(args, 0))?.is_some()))
}

fn buffer_byte_length(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let v = arg(args, 0);
    if let Value::String(s) = &v {
        // Node counts these encodings by formula, without decoding.
        let units = s.len_utf16();
        let n = match encoding(rt, &arg(args, 1))?.unwrap_or("utf8") {
            "hex" => units >> 1,
            "base64" | "base64url" => {
                let t = s.to_utf16();
                let mut n = units;
                if n > 0 && t[n - 1] == b'=' as u16 {
                    n -= 1;
                }
                if n > 1 && t[n - 1] == b'=' as u16 {
                    n -= 1;
                }
                (n * 3) >> 2
            }
            "latin1" | "ascii" => units,
            "utf16le" => units * 2,
            _ => s.len_utf8(),
        };
        return Ok(Value::Number(n as f64));
    }
    if let Some(b) = view_bytes(rt, &v) {
        return Ok(Value::Number(b.len() as f64));
    }
    if let Some((b, _, _)) = v.as_object().and_then(|id| buffer_bytes(rt, id)) {
        return Ok(Value::Number(b.len() as f64));
    }
    Err(rt.type_error(format!(
        "The \"string\" argument must be of type string or an instance of Buffer or ArrayBuffer. Received {}",
        describe_operand(rt, &v)
    )))
}

fn buffer_concat(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let list = arg(args, 0);
    let items = rt.list_from_array_like(&list)?;
    let mut out = Vec::new();
    for item in &items {
        match view_bytes(rt, item) {
            Some(b) => out.extend(b),
            None => return Err(rt.type_error("The \"list\" argument must be an instance of Buffer or Uint8Array.".into())),
        }
    }
    if let Value::Number(n) = arg(args, 1) {
        out.resize(n.max(0.0) as usize, 0);
    }
    make_buffer(rt, &out)
}

fn compare_bytes(a: &[u8], b: &[u8]) -> f64 {
    match a.cmp(b) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }
}

fn buffer_compare(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    match (view_bytes(rt, &arg(args, 0)), view_bytes(rt, &arg(args, 1))) {
        (Some(a), Some(b)) => Ok(Value::Number(compare_bytes(&a, &b))),
        _ => Err(rt.type_error("The \"buf1\" argument must be an instance of Buffer or Uint8Array.".into())),
    }
}

fn buffer_compare_method(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    match (view_bytes(rt, &this), view_bytes(rt, &arg(args, 0))) {
        (Some(a), Some(b)) => Ok(Value::Number(compare_bytes(&a, &b))),
        _ => Err(rt.type_error("The \"target\" argument must be an instance of Buffer or Uint8Array.".into())),
    }
}

fn buffer_equals(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    match (view_bytes(rt, &this), view_bytes(rt, &arg(args, 0))) {
        (Some(a), Some(b)) => Ok(Value::Bool(a == b)),
        _ => Err(rt.type_error("The \"otherBuffer\" argument must be an instance of Buffer or Uint8Array.".into())),
    }
}

/// node's refusal of a `this` that is no buffer, with its code.
fn not_a_buffer(rt: &Runtime) -> Thrown {
    Thrown(Value::Object(rt.new_error(ErrorKind::TypeError, "argument must be a buffer".into(), Some(Value::str("ERR_INVALID_ARG_TYPE")))))
}

fn buffer_to_string(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if args.is_empty() {
        return utf8_prefix(rt, &this);
    }
    let Some(bytes) = view_bytes(rt, &this) else {
        return Err(not_a_buffer(rt));
    };
    let Some(enc) = encoding(rt, &arg(args, 0))? else { return Err(unknown_encoding(rt, &arg(args, 0))) };
    let len = bytes.len() as f64;
    let start = match arg(args, 1) {
        Value::Undefined => 0.0,
        v => to_integer(rt, &v)?.clamp(0.0, len),
    };
    let end = match arg(args, 2) {
        Value::Undefined => len,
        v => to_integer(rt, &v)?.clamp(0.0, len),
    };
    if end <= start {
        return Ok(Value::str(""));
    }
    Ok(Value::String(decode(&bytes[start as usize..end as usize], enc)))
}

/// `buf.toString()` without arguments, as node's: UTF-8 up to the buffer's `length` property, which
/// an own `length` shadows (node passes `this.length` to its slicing binding, which takes an index
/// as V8's IntegerValue does and refuses one below 0 or past the bytes). The bytes are read after
/// `length`, whose getter may change them.
fn utf8_prefix(rt: &Runtime, this: &Value) -> JsResult<Value> {
    let length = rt.get(this, &PropertyKey::name("length"))?;
    let Some(bytes) = view_bytes(rt, this) else {
        return Err(not_a_buffer(rt));
    };
    let end = match length {
        Value::Undefined => bytes.len() as f64,
        v => to_integer(rt, &v)?,
    };
    if !(0.0..=bytes.len() as f64).contains(&end) {
        let e = rt.new_error(ErrorKind::RangeError, "Index out of range".into(), Some(Value::str("ERR_OUT_OF_RANGE")));
        return Err(Thrown(Value::Object(e)));
    }
    Ok(Value::String(decode(&bytes[..end as usize], "utf8")))
}

/// `buf.write(string, offset, length, encoding)`: the bytes written (never a partial character
/// in utf8).
fn buffer_write(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Some(ObjectClass::View(view)) = class_of(rt, &this) else {
        return Err(not_a_buffer(rt));
    };
    let Value::String(s) = arg(args, 0) else {
        return Err(
            rt.type_error(format!("The \"string\" argument must be of type string. Received {}", describe_operand(rt, &arg(args, 0))))
        );
    };
    let (mut offset_v, mut length_v, mut enc_v) = (arg(args, 1), arg(args, 2), arg(args, 3));
    if matches!(offset_v, Value::String(_)) {
        enc_v = offset_v;
        offset_v = Value::Undefined;
        length_v = Value::Undefined;
    } else if matches!(length_v, Value::String(_)) {
        enc_v = length_v;
        length_v = Value::Undefined;
    }
    let Some(enc) = encoding(rt, &enc_v)? else { return Err(unknown_encoding(rt, &enc_v)) };
    let offset = match offset_v {
        Value::Undefined => 0,
        v => to_integer(rt, &v)? as usize,
    };
    if offset > view.length {
        return Err(rt.range_error("The value of \"offset\" is out of range.".into()));
    }
    let room = view.length - offset;
    let max = match length_v {
        Value::Undefined => room,
        v => (to_integer(rt, &v)? as usize).min(room),
    };
    let mut bytes = encode(&s, enc);
    if bytes.len() > max {
        let mut cut = max;
        if enc == "utf8" {
            while cut > 0 && (bytes[cut] & 0xc0) == 0x80 {
                cut -= 1;
            }
        }
        bytes.truncate(cut);
    }
    if let Some(ObjectClass::ArrayBuffer(d)) = rt.heap.borrow_mut().get_mut(view.buffer).map(|o| &mut o.class) {
        d.write(view.byte_offset + offset, &bytes);
    }
    Ok(Value::Number(bytes.len() as f64))
}
