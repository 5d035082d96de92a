//! Arrays as the core makes and reads them: a new array of values, and `CreateListFromArrayLike`
//! (for `apply`, `Reflect.construct`, and a proxy's `ownKeys` trap result).

use super::object::ObjectClass;
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};
use super::value::Value;
use super::{JsResult, Runtime};

impl Runtime {
    /// A new array holding `items`.
    pub fn new_array(&self, items: Vec<Value>) -> ObjectId {
        let mut heap = self.heap.borrow_mut();
        let id = heap.new_object(ObjectClass::Array, Some(self.realm.array_prototype));
        let len = Property { enumerable: false, configurable: false, ..Property::data(Value::Number(items.len() as f64)) };
        let o = heap.obj_mut(id);
        o.props.reserve(items.len() + 1);
        o.props.insert(PropertyKey::name("length"), len);
        for (i, v) in items.into_iter().enumerate() {
            o.props.insert(PropertyKey::Index(i as u32), Property::data(v));
        }
        id
    }

    /// The elements of an array-like, read with `Get`.
    pub fn list_from_array_like(&self, v: &Value) -> JsResult<Vec<Value>> {
        if !matches!(v, Value::Object(_)) {
            return Err(self.type_error("CreateListFromArrayLike called on non-object".into()));
        }
        // ToLength(Get(v, "length")).
        let n = self.to_number(&self.get_named(v, "length")?)?;
        let len = if n.is_nan() || n <= 0.0 { 0.0 } else { n.trunc().min(9007199254740991.0) };
        if len > 10_000_000.0 {
            return Err(self.range_error("Too many arguments in function call (only 65535 allowed)".into()));
        }
        (0..len as u32).map(|k| self.get(v, &PropertyKey::Index(k))).collect()
    }
}
