//! Type tests and the abstract conversions: `typeof`, `ToBoolean`, `ToNumber`, `ToNumeric`,
//! `ToString`, `ToPrimitive`, `ToObject`; and making error objects.

use super::number::{number_to_string, string_to_number};
use super::object::ObjectClass;
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};
use super::string::JsString;
use super::value::{Type, Value};
use super::{JsResult, Runtime, Thrown};

/// The native error constructors a host creates errors of (each names its constructor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Error,
    TypeError,
    RangeError,
    SyntaxError,
    EvalError,
    ReferenceError,
    URIError,
    AggregateError,
}

impl Runtime {
    /// The Node-API type of `v` (`napi_typeof`): functions apart from other objects.
    pub fn type_of(&self, v: &Value) -> Type {
        match v {
            Value::Undefined => Type::Undefined,
            Value::Null => Type::Null,
            Value::Bool(_) => Type::Boolean,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::BigInt(_) => Type::BigInt,
            Value::Symbol(_) => Type::Symbol,
            Value::Object(id) => match self.heap.borrow().get(*id).map(|o| &o.class) {
                Some(ObjectClass::Function(_)) => Type::Function,
                Some(ObjectClass::Proxy(p)) if p.callable => Type::Function,
                Some(ObjectClass::External { .. }) => Type::External,
                _ => Type::Object,
            },
        }
    }

    /// What JavaScript's `typeof` answers.
    pub fn typeof_string(&self, v: &Value) -> &'static str {
        match self.type_of(v) {
            Type::Undefined => "undefined",
            Type::Null | Type::Object | Type::External => "object",
            Type::Boolean => "boolean",
            Type::Number => "number",
            Type::String => "string",
            Type::Symbol => "symbol",
            Type::Function => "function",
            Type::BigInt => "bigint",
        }
    }

    /// How V8 shows a value in a TypeError's message: `[object Array]`, `#<Foo>`, `Symbol(x)`.
    pub fn describe(&self, v: &Value) -> String {
        let class = match v {
            Value::Object(id) => self.heap.borrow().get(*id).map(|o| o.class.clone()),
            _ => None,
        };
        match (v, class) {
            // A proxy shows as its target, a revoked one as null.
            (_, Some(ObjectClass::Proxy(p))) => p.target.map_or_else(|| "null".into(), |t| self.describe(&Value::Object(t))),
            // A function as its source text, which for the host's functions is V8's for native ones.
            (Value::Object(id), Some(ObjectClass::Function(f))) => {
                match (&f.callable, self.stored_property(*id, &PropertyKey::name("name"))) {
                    (super::object::Callable::Bound(_), _) => "function () { [native code] }".into(),
                    (_, Some(Property { slot: super::property::Slot::Data(Value::String(name)), .. })) => {
                        format!("function {name}() {{ [native code] }}")
                    }
                    _ => "function () { [native code] }".into(),
                }
            }
            (Value::Object(id), _) if self.heap.borrow().get(*id).is_some_and(|o| o.is_array()) => "[object Array]".into(),
            (Value::Object(id), _) => format!("#<{}>", self.class_name(*id)),
            (Value::Symbol(s), _) => self.symbol_display(*s),
            (other, _) => other.to_display(self),
        }
    }

    /// A property key as V8 prints it in messages: `x`, `0`, `Symbol(s)` ("Cannot redefine property: x").
    pub fn key_display(&self, key: &PropertyKey) -> String {
        match key {
            PropertyKey::Symbol(s) => self.symbol_display(*s),
            other => other.to_value().to_display(self),
        }
    }

    /// `ToBoolean`: never throws.
    pub fn to_boolean(&self, v: &Value) -> bool {
        match v {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => !(n.is_nan() || *n == 0.0),
            Value::String(s) => !s.is_empty(),
            Value::BigInt(b) => !b.is_zero(),
            Value::Symbol(_) | Value::Object(_) => true,
        }
    }

    /// `ToNumber`: objects through `ToPrimitive` (which may run JS); symbols and BigInts throw.
    pub fn to_number(&self, v: &Value) -> JsResult<f64> {
        Ok(match v {
            Value::Undefined => f64::NAN,
            Value::Null => 0.0,
            Value::Bool(b) => *b as u8 as f64,
            Value::Number(n) => *n,
            Value::String(s) => string_to_number(&s.to_rust_string()),
            Value::BigInt(_) => return Err(self.type_error("Cannot convert a BigInt value to a number".into())),
            Value::Symbol(_) => return Err(self.type_error("Cannot convert a Symbol value to a number".into())),
            Value::Object(_) => {
                let prim = self.to_primitive(v, Some("number"))?;
                return self.to_number(&prim);
            }
        })
    }

    /// `ToNumeric`: a number, or a BigInt as it is.
    pub fn to_numeric(&self, v: &Value) -> JsResult<Value> {
        let prim = self.to_primitive(v, Some("number"))?;
        match prim {
            Value::BigInt(_) => Ok(prim),
            other => Ok(Value::Number(self.to_number(&other)?)),
        }
    }

    /// `ToString`: objects through `ToPrimitive` (which may run JS); symbols throw.
    pub fn to_string(&self, v: &Value) -> JsResult<JsString> {
        Ok(match v {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Number(n) => number_to_string(*n).into(),
            Value::String(s) => s.clone(),
            Value::BigInt(b) => b.to_decimal().into(),
            Value::Symbol(_) => return Err(self.type_error("Cannot convert a Symbol value to a string".into())),
            Value::Object(_) => {
                let prim = self.to_primitive(v, Some("string"))?;
                return self.to_string(&prim);
            }
        })
    }

    /// `ToPrimitive` with `OrdinaryToPrimitive`: tries `valueOf`/`toString` (in the order the
    /// hint asks) as found on the object, so host built-ins and Python-provided methods both count.
    pub fn to_primitive(&self, v: &Value, hint: Option<&str>) -> JsResult<Value> {
        let Value::Object(_) = v else { return Ok(v.clone()) };
        // `[Symbol.toPrimitive](hint)` first (Date and Symbol wrappers define one).
        let exotic = self.get(v, &PropertyKey::Symbol(self.realm.symbol_to_primitive))?;
        if !exotic.is_nullish() {
            if !self.is_callable(&exotic) {
                return Err(self.type_error(format!("{} is not a function", exotic.to_display(self))));
            }
            let result = self.call(&exotic, v.clone(), &[Value::str(hint.unwrap_or("default"))])?;
            if matches!(result, Value::Object(_)) {
                return Err(self.type_error("Cannot convert object to primitive value".into()));
            }
            return Ok(result);
        }
        let order: [&str; 2] = if hint == Some("string") { ["toString", "valueOf"] } else { ["valueOf", "toString"] };
        for name in order {
            let method = self.get_named(v, name)?;
            if self.is_callable(&method) {
                let result = self.call(&method, v.clone(), &[])?;
                if !matches!(result, Value::Object(_)) {
                    return Ok(result);
                }
            }
        }
        Err(self.type_error("Cannot convert object to primitive value".into()))
    }

    /// `ToObject`: objects as they are, primitives wrapped; `None` for null and undefined.
    pub fn to_object(&self, v: &Value) -> Option<ObjectId> {
        let r = &self.realm;
        let proto = match v {
            Value::Object(id) => return Some(*id),
            Value::Undefined | Value::Null => return None,
            Value::Bool(_) => r.boolean_prototype,
            Value::Number(_) => r.number_prototype,
            Value::String(_) => r.string_prototype,
            Value::BigInt(_) => r.bigint_prototype,
            Value::Symbol(_) => r.symbol_prototype,
        };
        let id = self.heap.borrow_mut().new_object(ObjectClass::Primitive(v.clone()), Some(proto));
        if let Value::String(s) = v {
            // String wrappers expose their length and characters as own properties.
            let units = s.to_utf16();
            let mut heap = self.heap.borrow_mut();
            for (i, u) in units.iter().enumerate() {
                let p = Property { writable: false, configurable: false, ..Property::data(Value::String(JsString::from_utf16(&[*u]))) };
                heap.put(id, PropertyKey::Index(i as u32), p);
            }
            let len =
                Property { writable: false, enumerable: false, configurable: false, ..Property::data(Value::Number(units.len() as f64)) };
            heap.put(id, PropertyKey::name("length"), len);
        }
        Some(id)
    }

    /// `IsCallable`: functions, and proxies of them.
    pub fn is_callable(&self, v: &Value) -> bool {
        matches!(v, Value::Object(id) if self.heap.borrow().get(*id).is_some_and(|o| o.is_callable()))
    }

    /// Whether `v` is an Error object (`napi_is_error`), made by any error constructor.
    pub fn is_error(&self, v: &Value) -> bool {
        matches!(v, Value::Object(id) if matches!(self.heap.borrow().get(*id).map(|o| &o.class), Some(ObjectClass::Error)))
    }

    /// A new error object of `kind` with `message` (and `code`, when given, as an own property).
    pub fn new_error(&self, kind: ErrorKind, message: JsString, code: Option<Value>) -> ObjectId {
        let r = &self.realm;
        let proto = match kind {
            ErrorKind::Error => r.error_prototype,
            ErrorKind::TypeError => r.type_error_prototype,
            ErrorKind::RangeError => r.range_error_prototype,
            ErrorKind::SyntaxError => r.syntax_error_prototype,
            ErrorKind::EvalError => r.eval_error_prototype,
            ErrorKind::ReferenceError => r.reference_error_prototype,
            ErrorKind::URIError => r.uri_error_prototype,
            ErrorKind::AggregateError => r.aggregate_error_prototype,
        };
        let id = self.heap.borrow_mut().new_object(ObjectClass::Error, Some(proto));
        self.init_error(id, Some(message), code);
        id
    }

    /// Gives an error object its `message`, `stack` and `code` the way V8 and Node do.
    pub fn init_error(&self, id: ObjectId, message: Option<JsString>, code: Option<Value>) {
        let mut heap = self.heap.borrow_mut();
        if let Some(m) = &message {
            heap.put(id, PropertyKey::name("message"), Property::hidden(Value::String(m.clone())));
        }
        if let Some(code) = code {
            heap.put(id, PropertyKey::name("code"), Property::data(code));
        }
        drop(heap);
        let name = self.get_named(&Value::Object(id), "name").ok().map(|n| n.to_display(self)).unwrap_or_default();
        let stack = match &message {
            Some(m) if !m.is_empty() => format!("{name}: {m}\n    at <native>"),
            _ => format!("{name}\n    at <native>"),
        };
        self.heap.borrow_mut().put(id, PropertyKey::name("stack"), Property::hidden(Value::str(&stack)));
    }

    /// A throw of a new error of `kind` with `message`.
    pub fn error(&self, kind: ErrorKind, message: String) -> Thrown {
        Thrown(Value::Object(self.new_error(kind, message.into(), None)))
    }

    /// A throw of a new TypeError with `message`.
    pub fn type_error(&self, message: String) -> Thrown {
        self.error(ErrorKind::TypeError, message)
    }

    /// A throw of a new RangeError with `message`.
    pub fn range_error(&self, message: String) -> Thrown {
        self.error(ErrorKind::RangeError, message)
    }
}

impl Value {
    /// A best-effort string for messages: never throws, never calls into JS.
    pub fn to_display(&self, rt: &Runtime) -> String {
        match self {
            Value::Object(id) => format!("[object {}]", rt.class_name(*id)),
            Value::Symbol(_) => "Symbol()".into(),
            other => rt.to_string(other).map(|s| s.to_rust_string()).unwrap_or_default(),
        }
    }
}
