//! Property descriptors as objects and back (`ToPropertyDescriptor`, `FromPropertyDescriptor`),
//! and the check that a definition is allowed over an existing property
//! (`IsCompatiblePropertyDescriptor`). `Object.defineProperty` and the Proxy invariants use them.

use super::object_id::ObjectId;
use super::property::{Descriptor, Property, PropertyKey, Slot};
use super::value::Value;
use super::{JsResult, Runtime};

impl Runtime {
    /// `ToPropertyDescriptor`: reads the fields present (own or inherited, through getters) in the
    /// spec's order, and refuses non-callable accessors and accessor/data mixes as V8 does.
    pub fn to_property_descriptor(&self, v: &Value) -> JsResult<Descriptor> {
        let Value::Object(obj) = v else {
            return Err(self.type_error(format!("Property description must be an object: {}", self.describe(v))));
        };
        let field = |name: &str| -> JsResult<Option<Value>> {
            if self.has(*obj, &PropertyKey::name(name))? {
                self.get_named(v, name).map(Some)
            } else {
                Ok(None)
            }
        };
        let accessor = |name: &str, what: &str| -> JsResult<Option<Option<ObjectId>>> {
            Ok(match field(name)? {
                None => None,
                Some(Value::Undefined) => Some(None),
                Some(f) if self.is_callable(&f) => Some(f.as_object()),
                Some(f) => return Err(self.type_error(format!("{what} must be a function: {}", self.describe(&f)))),
            })
        };
        let desc = Descriptor {
            enumerable: field("enumerable")?.map(|e| self.to_boolean(&e)),
            configurable: field("configurable")?.map(|c| self.to_boolean(&c)),
            value: field("value")?,
            writable: field("writable")?.map(|w| self.to_boolean(&w)),
            get: accessor("get", "Getter")?,
            set: accessor("set", "Setter")?,
        };
        if desc.is_accessor() && (desc.value.is_some() || desc.writable.is_some()) {
            return Err(self.type_error(format!(
                "Invalid property descriptor. Cannot both specify accessors and a value or writable attribute, {}",
                self.describe(v)
            )));
        }
        Ok(desc)
    }

    /// A complete property as a descriptor object (`Object.getOwnPropertyDescriptor`).
    pub fn descriptor_object(&self, p: &Property) -> ObjectId {
        self.from_descriptor(&Descriptor::from(p))
    }

    /// `FromPropertyDescriptor`: an object with the fields `desc` has, in the spec's order.
    pub fn from_descriptor(&self, desc: &Descriptor) -> ObjectId {
        let d = self.new_plain_object();
        let mut heap = self.heap.borrow_mut();
        let opt = |f: Option<ObjectId>| f.map(Value::Object).unwrap_or(Value::Undefined);
        let mut put = |name: &str, v: Value| heap.put(d, PropertyKey::name(name), Property::data(v));
        if let Some(v) = &desc.value {
            put("value", v.clone());
        }
        if let Some(w) = desc.writable {
            put("writable", Value::Bool(w));
        }
        if let Some(g) = desc.get {
            put("get", opt(g));
        }
        if let Some(s) = desc.set {
            put("set", opt(s));
        }
        if let Some(e) = desc.enumerable {
            put("enumerable", Value::Bool(e));
        }
        if let Some(c) = desc.configurable {
            put("configurable", Value::Bool(c));
        }
        d
    }

    /// `IsCompatiblePropertyDescriptor` (ValidateAndApplyPropertyDescriptor without an object):
    /// whether `desc` may be defined where `current` is (or nothing is, on an object that is
    /// `extensible` or not).
    pub fn is_compatible_descriptor(&self, extensible: bool, desc: &Descriptor, current: Option<&Property>) -> bool {
        let Some(cur) = current else { return extensible };
        if cur.configurable {
            return true;
        }
        if desc.configurable == Some(true) || desc.enumerable.is_some_and(|e| e != cur.enumerable) {
            return false;
        }
        let is_data_desc = desc.value.is_some() || desc.writable.is_some();
        match &cur.slot {
            Slot::Data(v) => {
                if desc.is_accessor() {
                    return false;
                }
                cur.writable || (desc.writable != Some(true) && desc.value.as_ref().is_none_or(|nv| self.same_value(nv, v)))
            }
            Slot::Accessor { get, set } => !is_data_desc && desc.get.is_none_or(|g| g == *get) && desc.set.is_none_or(|s| s == *set),
        }
    }
}

impl From<&Property> for Descriptor {
    fn from(p: &Property) -> Descriptor {
        let (value, writable, get, set) = match &p.slot {
            Slot::Data(v) => (Some(v.clone()), Some(p.writable), None, None),
            Slot::Accessor { get, set } => (None, None, Some(*get), Some(*set)),
        };
        Descriptor { value, writable, get, set, enumerable: Some(p.enumerable), configurable: Some(p.configurable) }
    }
}

/// `CompletePropertyDescriptor`: the property a descriptor makes where there was none.
pub fn complete(desc: &Descriptor) -> Property {
    let slot = if desc.is_accessor() {
        Slot::Accessor { get: desc.get.flatten(), set: desc.set.flatten() }
    } else {
        Slot::Data(desc.value.clone().unwrap_or(Value::Undefined))
    };
    Property {
        slot,
        writable: desc.writable.unwrap_or(false),
        enumerable: desc.enumerable.unwrap_or(false),
        configurable: desc.configurable.unwrap_or(false),
    }
}
