//! Arrays as the core makes and reads them: a new array of values, and `CreateListFromArrayLike`
//! (for `apply`, `Reflect.construct`, and a proxy's `ownKeys` trap result).

use super::object::ObjectClass;
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};
use super::props::hash_of;
use super::value::Value;
use super::{JsResult, Runtime};

impl Runtime {
    /// A new array holding `items`.
    pub fn new_array(&self, items: Vec<Value>) -> ObjectId {
        let id = self.new_array_of_length(items.len() as u32, items.len());
        let mut heap = self.heap.borrow_mut();
        let props = &mut heap.obj_mut(id).props;
        for (i, v) in items.into_iter().enumerate() {
            let key = PropertyKey::Index(i as u32);
            props.push_new_data(hash_of(&key), key, v);
        }
        id
    }

    /// A new array of `length` holes (`new Array(length)`), with room for `capacity` elements.
    pub fn new_array_of_length(&self, length: u32, capacity: usize) -> ObjectId {
        let mut heap = self.heap.borrow_mut();
        let id = heap.new_object(ObjectClass::Array, Some(self.realm.array_prototype));
        let len = Property { enumerable: false, configurable: false, ..Property::data(Value::Number(f64::from(length))) };
        let props = &mut heap.obj_mut(id).props;
        props.reserve(capacity + 1);
        // A new object's keys are new: `length`, then the distinct indices.
        let (hash, key) = self.length_key.clone();
        props.push_new(hash, key, len);
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
