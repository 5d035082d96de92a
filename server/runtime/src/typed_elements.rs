//! Typed arrays as integer-indexed exotic objects (ECMA-262 10.4.5): a key that is a canonical
//! numeric string names an element in the buffer, never an ordinary property. `napi_get_element`,
//! `napi_set_element`, `napi_has_element`, property listing and Python's `arr[i]` on a typed
//! array proxy all go through here, as they reach V8's elements in Node.

use std::rc::Rc;

use super::bigint::BigInt;
use super::convert::ErrorKind;
use super::float16::{f16_bits_to_f64, f64_to_f16_bits};
use super::heap::Heap;
use super::number::{is_js_whitespace, number_to_string, string_to_number, to_int32, to_uint32};
use super::object::{ObjectClass, TypedArrayKind, View};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};
use super::value::Value;
use super::{JsResult, Runtime};

/// A numeric key on a typed array: the view, and the element's index when it is a valid one
/// (integral, not -0, within the length, buffer not detached).
pub struct Element {
    view: View,
    kind: TypedArrayKind,
    index: Option<usize>,
}

impl Element {
    /// Whether the index is inside the view (an invalid one reads `undefined`, writes nothing).
    pub fn is_valid(&self) -> bool {
        self.index.is_some()
    }
}

/// `CanonicalNumericIndexString`: the number a string key stands for when it is the canonical
/// form of one ("1", "-1", "1.5", "-0", "NaN"; not "01" or "1e3").
fn canonical_numeric(key: &PropertyKey) -> Option<f64> {
    match key {
        PropertyKey::Index(i) => Some(f64::from(*i)),
        PropertyKey::String(s) => {
            let s = s.to_rust_string();
            if s == "-0" {
                return Some(-0.0);
            }
            let n = string_to_number(&s);
            (number_to_string(n) == s).then_some(n)
        }
        PropertyKey::Symbol(_) => None,
    }
}

/// The element `key` names in typed array `view` (of `heap`), when `key` is numeric.
fn view_element(heap: &Heap, view: &View, key: &PropertyKey) -> Option<Element> {
    let kind = view.kind?;
    let n = canonical_numeric(key)?;
    let size = kind.element_size();
    let buffer_len = match heap.get(view.buffer).map(|o| &o.class) {
        Some(ObjectClass::ArrayBuffer(data)) if !data.is_detached() => data.len(),
        _ => 0,
    };
    let valid = n.fract() == 0.0 && !(n == 0.0 && n.is_sign_negative()) && n >= 0.0 && n < view.length as f64;
    let index = (valid && view.byte_offset + (n as usize + 1) * size <= buffer_len).then_some(n as usize);
    Some(Element { view: view.clone(), kind, index })
}

impl Runtime {
    /// The view `v` is (a typed array, a Buffer or a DataView), detached or not.
    pub fn view_of(&self, v: &Value) -> Option<View> {
        let Value::Object(id) = v else { return None };
        match &self.heap.borrow().get(*id)?.class {
            ObjectClass::View(view) => Some(view.clone()),
            _ => None,
        }
    }

    /// Whether `view`'s buffer is detached (`napi_detach_arraybuffer`) or missing: either way
    /// the view reads as empty.
    pub fn is_view_detached(&self, view: &View) -> bool {
        !matches!(self.heap.borrow().get(view.buffer).map(|o| &o.class), Some(ObjectClass::ArrayBuffer(d)) if !d.is_detached())
    }

    /// The element `key` names when `obj` is a typed array and `key` is numeric. Whether `obj`
    /// is a view at all is inlined into each caller: every assignment and read asks, of
    /// objects that nearly never are, and a call to find that out cost more than the test.
    #[inline(always)]
    pub fn typed_element(&self, obj: ObjectId, key: &PropertyKey) -> Option<Element> {
        let heap = self.heap.borrow();
        let ObjectClass::View(view) = &heap.get(obj)?.class else { return None };
        view_element(&heap, view, key)
    }

    /// The element's value (`undefined` for an invalid index).
    pub fn read_element(&self, el: &Element) -> Value {
        let Some(index) = el.index else { return Value::Undefined };
        let heap = self.heap.borrow();
        let Some(ObjectClass::ArrayBuffer(data)) = heap.get(el.view.buffer).map(|o| &o.class) else { return Value::Undefined };
        let size = el.kind.element_size();
        let at = el.view.byte_offset + index * size;
        let mut raw = [0u8; 8];
        raw[..size].copy_from_slice(&data.bytes()[at..at + size]);
        let number = |n: f64| Value::Number(n);
        match el.kind {
            TypedArrayKind::Int8 => number(f64::from(raw[0] as i8)),
            TypedArrayKind::Uint8 | TypedArrayKind::Uint8Clamped => number(f64::from(raw[0])),
            TypedArrayKind::Int16 => number(f64::from(i16::from_ne_bytes([raw[0], raw[1]]))),
            TypedArrayKind::Uint16 => number(f64::from(u16::from_ne_bytes([raw[0], raw[1]]))),
            TypedArrayKind::Float16 => number(f16_bits_to_f64(u16::from_ne_bytes([raw[0], raw[1]]))),
            TypedArrayKind::Int32 => number(f64::from(i32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]))),
            TypedArrayKind::Uint32 => number(f64::from(u32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]))),
            TypedArrayKind::Float32 => number(f64::from(f32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]))),
            TypedArrayKind::Float64 => number(f64::from_ne_bytes(raw)),
            TypedArrayKind::BigInt64 => Value::BigInt(Rc::new(BigInt::from_i64(i64::from_ne_bytes(raw)))),
            TypedArrayKind::BigUint64 => Value::BigInt(Rc::new(BigInt::from_u64(u64::from_ne_bytes(raw)))),
        }
    }

    /// `TypedArraySetElement`: converts `value` for the element type (which may throw, even for
    /// an invalid index), then stores it if the index is valid.
    pub fn write_element(&self, el: &Element, value: &Value) -> JsResult<()> {
        let raw: [u8; 8] = match el.kind {
            TypedArrayKind::BigInt64 | TypedArrayKind::BigUint64 => {
                let b = self.to_bigint(value)?;
                // Both are the value modulo 2^64; the bytes are the same.
                b.to_u64().0.to_ne_bytes()
            }
            kind => {
                let n = self.to_number(value)?;
                let mut raw = [0u8; 8];
                let size = kind.element_size();
                let bytes: Vec<u8> = match kind {
                    TypedArrayKind::Int8 => (to_int32(n) as i8).to_ne_bytes().to_vec(),
                    TypedArrayKind::Uint8 => (to_uint32(n) as u8).to_ne_bytes().to_vec(),
                    TypedArrayKind::Uint8Clamped => vec![clamp_to_u8(n)],
                    TypedArrayKind::Int16 => (to_int32(n) as i16).to_ne_bytes().to_vec(),
                    TypedArrayKind::Uint16 => (to_uint32(n) as u16).to_ne_bytes().to_vec(),
                    TypedArrayKind::Int32 => to_int32(n).to_ne_bytes().to_vec(),
                    TypedArrayKind::Uint32 => to_uint32(n).to_ne_bytes().to_vec(),
                    TypedArrayKind::Float16 => f64_to_f16_bits(n).to_ne_bytes().to_vec(),
                    TypedArrayKind::Float32 => (n as f32).to_ne_bytes().to_vec(),
                    _ => n.to_ne_bytes().to_vec(),
                };
                raw[..size].copy_from_slice(&bytes);
                raw
            }
        };
        let Some(index) = el.index else { return Ok(()) };
        let size = el.kind.element_size();
        let at = el.view.byte_offset + index * size;
        let mut heap = self.heap.borrow_mut();
        if let Some(ObjectClass::ArrayBuffer(data)) = heap.get_mut(el.view.buffer).map(|o| &mut o.class) {
            data.write(at, &raw[..size]);
        }
        Ok(())
    }

    /// The element as an own property: a writable, enumerable, configurable data property.
    pub fn element_property(&self, el: &Element) -> Option<Property> {
        el.is_valid().then(|| Property { writable: true, enumerable: true, configurable: true, ..Property::data(self.read_element(el)) })
    }

    /// The keys of a typed array's elements, in order (none for anything else).
    pub fn element_keys(&self, obj: ObjectId) -> Vec<PropertyKey> {
        let length = match self.typed_element(obj, &PropertyKey::Index(0)) {
            Some(Element { view, index: Some(_), .. }) => view.length,
            _ => return Vec::new(),
        };
        (0..length as u32).map(PropertyKey::Index).collect()
    }

    /// `ToBigInt` (ECMA-262 7.1.13) with V8's messages.
    pub fn to_bigint(&self, v: &Value) -> JsResult<Rc<BigInt>> {
        match v {
            Value::BigInt(b) => Ok(b.clone()),
            Value::Bool(b) => Ok(Rc::new(BigInt::from_u64(u64::from(*b)))),
            Value::String(s) => {
                let text = s.to_rust_string();
                string_to_bigint(&text)
                    .map(Rc::new)
                    .ok_or_else(|| self.error(ErrorKind::SyntaxError, format!("Cannot convert {text} to a BigInt")))
            }
            Value::Object(_) => {
                let prim = self.to_primitive(v, Some("number"))?;
                self.to_bigint(&prim)
            }
            Value::Symbol(s) => Err(self.type_error(format!("Cannot convert {} to a BigInt", self.symbol_display(*s)))),
            other => Err(self.type_error(format!("Cannot convert {} to a BigInt", other.to_display(self)))),
        }
    }
}

/// `ToUint8Clamp`: NaN is 0, then clamp to 0..=255 and round half to even.
fn clamp_to_u8(n: f64) -> u8 {
    if n.is_nan() || n <= 0.0 {
        return 0;
    }
    if n >= 255.0 {
        return 255;
    }
    let f = n.floor();
    let rounded = match n - f {
        d if d < 0.5 => f,
        d if d > 0.5 => f + 1.0,
        _ if f % 2.0 == 0.0 => f,
        _ => f + 1.0,
    };
    rounded as u8
}

/// `StringToBigInt`: optional surrounding whitespace, then a decimal integer with an optional
/// sign, or a `0x`/`0o`/`0b` literal without one; empty is 0n. `None` when it is neither.
pub(crate) fn string_to_bigint(s: &str) -> Option<BigInt> {
    let t = s.trim_matches(is_js_whitespace);
    let (negative, digits, radix) = match t.get(..2) {
        Some("0x" | "0X") => (false, &t[2..], 16),
        Some("0o" | "0O") => (false, &t[2..], 8),
        Some("0b" | "0B") => (false, &t[2..], 2),
        _ => match t.strip_prefix('-') {
            Some(rest) => (true, rest, 10),
            None => (false, t.strip_prefix('+').unwrap_or(t), 10),
        },
    };
    if digits.is_empty() && (radix != 10 || t != digits) {
        return None;
    }
    let mut words: Vec<u64> = Vec::new();
    for c in digits.chars() {
        let mut carry = u128::from(c.to_digit(radix)?);
        for w in words.iter_mut() {
            let cur = u128::from(*w) * u128::from(radix) + carry;
            *w = cur as u64;
            carry = cur >> 64;
        }
        if carry != 0 {
            words.push(carry as u64);
        }
    }
    Some(BigInt::new(negative, words))
}

#[cfg(test)]
mod tests {
    use super::super::object::{ArrayBufferData, ObjectClass, TypedArrayKind, View};
    use super::super::testing::{json, runtime, thrown};
    use super::*;

    fn typed(rt: &Runtime, kind: TypedArrayKind, length: usize) -> Value {
        let mut heap = rt.heap.borrow_mut();
        let bytes = vec![0u8; length * kind.element_size()].into_boxed_slice();
        let ab = heap.new_object(ObjectClass::ArrayBuffer(ArrayBufferData::owned(bytes)), Some(rt.realm.arraybuffer_prototype));
        let view = View { buffer: ab, kind: Some(kind), is_buffer: false, byte_offset: 0, length };
        Value::Object(heap.new_object(ObjectClass::View(view), Some(rt.realm.typed_array_prototype(kind))))
    }

    fn set(rt: &Runtime, target: &Value, key: &str, v: Value) -> JsResult<bool> {
        rt.set(target, PropertyKey::name(key), v)
    }

    fn get(rt: &Runtime, target: &Value, key: &str) -> Value {
        rt.get(target, &PropertyKey::name(key)).unwrap()
    }

    #[test]
    fn numeric_keys_are_elements_and_others_ordinary_properties() {
        // node: const u = new Uint32Array(2); u["1"] = 5; u["-0"] = 7; u["1.5"] = 8; u[-1] = 9;
        //   u["01"] = 3; -> [0, 5]; Object.keys(u) -> ["0","1","01"]; u["01"] === 3;
        //   "1.5" in u, "-0" in u, 5 in u -> false; 1 in u -> true;
        //   delete u[0] -> false; delete u[7] -> true
        let rt = runtime();
        let u = typed(&rt, TypedArrayKind::Uint32, 2);
        let Value::Object(id) = u else { unreachable!() };
        for (k, v) in [("1", 5.0), ("-0", 7.0), ("1.5", 8.0), ("-1", 9.0), ("01", 3.0)] {
            assert!(set(&rt, &u, k, Value::Number(v)).unwrap());
        }
        assert_eq!(json(&rt, &Value::Object(rt.new_array(vec![get(&rt, &u, "0"), get(&rt, &u, "1")]))), "[0,5]");
        let keys: Vec<String> = rt.own_keys(id).unwrap().iter().map(|k| k.to_value().to_display(&rt)).collect();
        assert_eq!(keys, ["0", "1", "01"]);
        assert_eq!(json(&rt, &get(&rt, &u, "01")), "3");
        for k in ["1.5", "-0", "5"] {
            assert!(!rt.has(id, &PropertyKey::name(k)).unwrap(), "{k}");
        }
        assert!(rt.has(id, &PropertyKey::name("1")).unwrap());
        assert!(!rt.delete(id, &PropertyKey::Index(0)).unwrap());
        assert!(rt.delete(id, &PropertyKey::Index(7)).unwrap());
    }

    #[test]
    fn stores_convert_as_the_element_type_does() {
        // node: Uint8ClampedArray [2.5, 3.5, -3, 300.7] -> [2, 4, 0, 255];
        //   Int8Array [200, -129.9] -> [-56, 127]; Float32Array [1.1] -> 1.100000023841858;
        //   new BigUint64Array(1)[0] = -1n -> 18446744073709551615n
        let rt = runtime();
        let c = typed(&rt, TypedArrayKind::Uint8Clamped, 4);
        for (i, v) in [2.5, 3.5, -3.0, 300.7].into_iter().enumerate() {
            set(&rt, &c, &i.to_string(), Value::Number(v)).unwrap();
        }
        let read = |t: &Value, n: usize| (0..n).map(|i| json(&rt, &get(&rt, t, &i.to_string()))).collect::<Vec<_>>().join(",");
        assert_eq!(read(&c, 4), "2,4,0,255");
        let i8s = typed(&rt, TypedArrayKind::Int8, 2);
        set(&rt, &i8s, "0", Value::Number(200.0)).unwrap();
        set(&rt, &i8s, "1", Value::Number(-129.9)).unwrap();
        assert_eq!(read(&i8s, 2), "-56,127");
        let f = typed(&rt, TypedArrayKind::Float32, 1);
        set(&rt, &f, "0", Value::Number(1.1)).unwrap();
        assert_eq!(read(&f, 1), "1.100000023841858");
        let u = typed(&rt, TypedArrayKind::BigUint64, 1);
        set(&rt, &u, "0", Value::BigInt(Rc::new(BigInt::from_i64(-1)))).unwrap();
        assert!(matches!(get(&rt, &u, "0"), Value::BigInt(b) if b.to_decimal() == "18446744073709551615"));
    }

    #[test]
    fn bigint_elements_take_what_to_bigint_takes_with_v8s_errors() {
        // node: a = new BigInt64Array(1); a[0] = v for v of
        //   " 12 " -> 12n, "0x1f" -> 31n, "-7" -> -7n, "" -> 0n, true -> 1n,
        //   "99999999999999999999999" -> 200376420520689663n (modulo 2^64);
        //   9 -> TypeError: Cannot convert 9 to a BigInt; "abc" -> SyntaxError: Cannot convert abc
        //   to a BigInt; "-0x5" -> SyntaxError; new Uint32Array(1)[0] = 1n -> TypeError: Cannot
        //   convert a BigInt value to a number
        let rt = runtime();
        let a = typed(&rt, TypedArrayKind::BigInt64, 1);
        for (v, want) in [(" 12 ", "12"), ("0x1f", "31"), ("-7", "-7"), ("", "0"), ("99999999999999999999999", "200376420520689663")] {
            set(&rt, &a, "0", Value::str(v)).unwrap();
            assert!(matches!(get(&rt, &a, "0"), Value::BigInt(b) if b.to_decimal() == want), "{v}");
        }
        set(&rt, &a, "0", Value::Bool(true)).unwrap();
        assert!(matches!(get(&rt, &a, "0"), Value::BigInt(b) if b.to_decimal() == "1"));
        let store = |v: Value| set(&rt, &a, "0", v).map(|_| Value::Undefined);
        assert_eq!(thrown(&rt, store(Value::Number(9.0))), "TypeError: Cannot convert 9 to a BigInt");
        assert_eq!(thrown(&rt, store(Value::str("abc"))), "SyntaxError: Cannot convert abc to a BigInt");
        assert_eq!(thrown(&rt, store(Value::str("-0x5"))), "SyntaxError: Cannot convert -0x5 to a BigInt");
        let u = typed(&rt, TypedArrayKind::Uint32, 1);
        let r = set(&rt, &u, "0", Value::BigInt(Rc::new(BigInt::from_i64(1)))).map(|_| Value::Undefined);
        assert_eq!(thrown(&rt, r), "TypeError: Cannot convert a BigInt value to a number");
    }
}
