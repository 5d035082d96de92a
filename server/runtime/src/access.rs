//! Property access with JavaScript semantics: the prototype chain, accessors, attributes,
//! array `length`, non-extensible objects. Assignment follows sloppy mode, as Node-API does:
//! a refused write is reported as `false`, not thrown.

use super::descriptor::complete;
use super::object::{Object, ObjectClass};
use super::object_id::ObjectId;
use super::property::{Descriptor, Property, PropertyKey, Slot};
use super::props::hash_of;
use super::value::Value;
use super::{JsResult, Runtime, Thrown};

/// What a walk up a prototype chain found: a property (and whether the first object holds it
/// itself), a proxy whose traps answer from there on, or nothing.
enum Lookup {
    Found(Property, bool),
    Proxy(ObjectId),
    Absent,
}

impl Runtime {
    /// `ToPropertyKey`.
    pub fn to_property_key(&self, v: &Value) -> JsResult<PropertyKey> {
        match v {
            Value::Symbol(id) => Ok(PropertyKey::Symbol(*id)),
            Value::String(s) => Ok(PropertyKey::from_string(s.clone())),
            Value::Number(n) if *n >= 0.0 && *n < u32::MAX as f64 && n.fract() == 0.0 => Ok(PropertyKey::Index(*n as u32)),
            other => {
                let prim = self.to_primitive(other, Some("string"))?;
                if let Value::Symbol(id) = prim {
                    return Ok(PropertyKey::Symbol(id));
                }
                Ok(PropertyKey::from_string(self.to_string(&prim)?))
            }
        }
    }

    /// The object whose properties a primitive exposes (`"s".length`, `(1).toFixed`).
    fn lookup_start(&self, target: &Value) -> JsResult<ObjectId> {
        let r = &self.realm;
        Ok(match target {
            Value::Object(id) => *id,
            Value::Bool(_) => r.boolean_prototype,
            Value::Number(_) => r.number_prototype,
            Value::String(_) => r.string_prototype,
            Value::BigInt(_) => r.bigint_prototype,
            Value::Symbol(_) => r.symbol_prototype,
            Value::Undefined | Value::Null => {
                return Err(self
                    .type_error(format!("Cannot read properties of {}", if matches!(target, Value::Null) { "null" } else { "undefined" })))
            }
        })
    }

    /// `[[GetOwnProperty]]`.
    pub fn get_own_property(&self, obj: ObjectId, key: &PropertyKey) -> JsResult<Option<Property>> {
        if let Some(el) = self.typed_element(obj, key) {
            return Ok(self.element_property(&el));
        }
        let heap = self.heap.borrow();
        match heap.get(obj) {
            Some(o) if o.is_proxy() => {
                drop(heap);
                self.proxy_get_own_property(obj, key)
            }
            Some(o) => Ok(o.props.get(key).cloned()),
            None => Ok(None),
        }
    }

    /// An own property as the object stores it, running no proxy trap (`None` on a proxy): for
    /// the names in messages and the host's own bookkeeping.
    pub fn stored_property(&self, obj: ObjectId, key: &PropertyKey) -> Option<Property> {
        self.heap.borrow().get(obj)?.props.get(key).cloned()
    }

    /// Finds `key` on `obj` or its ordinary prototype chain (a proxy on the chain ends the walk:
    /// for names of classes and messages, which must not run traps).
    pub fn find_property(&self, obj: ObjectId, key: &PropertyKey) -> Option<Property> {
        match self.lookup(obj, key) {
            Lookup::Found(p, _) => Some(p),
            _ => None,
        }
    }

    /// Walks `obj`'s prototype chain for `key`, stopping at the first proxy, whose traps
    /// answer for the rest of the chain.
    fn lookup(&self, obj: ObjectId, key: &PropertyKey) -> Lookup {
        self.lookup_hashed(obj, key, hash_of(key))
    }

    /// `lookup` with `key`'s hash computed by the caller, who uses it again.
    fn lookup_hashed(&self, obj: ObjectId, key: &PropertyKey, hash: u64) -> Lookup {
        let heap = self.heap.borrow();
        let mut cur = Some(obj);
        // The chain is acyclic (set_prototype refuses cycles); the bound guards against bugs.
        for _ in 0..10_000 {
            let Some(o) = cur.and_then(|id| heap.get(id)) else { break };
            let id = cur.expect("checked");
            if let Some(p) = o.props.get_hashed(hash, key) {
                return Lookup::Found(p.clone(), id == obj);
            }
            if o.is_proxy() {
                return Lookup::Proxy(id);
            }
            cur = o.proto;
        }
        Lookup::Absent
    }

    /// What `lookup` found, read with `receiver` as the getter's `this`.
    fn read_found(&self, found: Lookup, key: &PropertyKey, receiver: &Value) -> JsResult<Value> {
        match found {
            Lookup::Absent => Ok(Value::Undefined),
            Lookup::Found(Property { slot: Slot::Data(v), .. }, _) => Ok(v),
            Lookup::Found(Property { slot: Slot::Accessor { get: Some(getter), .. }, .. }, _) => {
                self.call(&Value::Object(getter), receiver.clone(), &[])
            }
            Lookup::Found(Property { slot: Slot::Accessor { get: None, .. }, .. }, _) => Ok(Value::Undefined),
            Lookup::Proxy(p) => self.proxy_get(p, key, receiver),
        }
    }

    /// `target[key]`.
    pub fn get(&self, target: &Value, key: &PropertyKey) -> JsResult<Value> {
        if let Value::String(s) = target {
            match key {
                PropertyKey::String(k) if k.as_str() == Some("length") => return Ok(Value::Number(s.len_utf16() as f64)),
                PropertyKey::Index(i) => {
                    let units = s.to_utf16();
                    if let Some(u) = units.get(*i as usize) {
                        return Ok(Value::String(super::JsString::from_utf16(&[*u])));
                    }
                }
                _ => {}
            }
        }
        let start = self.lookup_start(target)?;
        if let Some(el) = self.typed_element(start, key) {
            return Ok(self.read_element(&el));
        }
        self.read_found(self.lookup(start, key), key, target)
    }

    /// `obj.[[Get]](key, receiver)`: a getter found runs with `receiver` as `this`
    /// (`Reflect.get` with a third argument).
    pub fn get_with_receiver(&self, obj: ObjectId, key: &PropertyKey, receiver: &Value) -> JsResult<Value> {
        if let Some(el) = self.typed_element(obj, key) {
            return Ok(self.read_element(&el));
        }
        self.read_found(self.lookup(obj, key), key, receiver)
    }

    /// `target[name]` for a string-keyed property.
    pub fn get_named(&self, target: &Value, name: &str) -> JsResult<Value> {
        self.get(target, &PropertyKey::name(name))
    }

    /// `target[key] = value`; `Ok(false)` when the write was refused (read-only, frozen,
    /// accessor without setter).
    pub fn set(&self, target: &Value, key: PropertyKey, value: Value) -> JsResult<bool> {
        self.set_hashed(target, hash_of(&key), key, value)
    }

    /// `set` of a key whose hash (`props::hash_of`) the caller has at hand: one hash of the key
    /// serves the object, its prototypes and the insert.
    pub fn set_hashed(&self, target: &Value, hash: u64, key: PropertyKey, value: Value) -> JsResult<bool> {
        debug_assert_eq!(hash, hash_of(&key));
        let start = self.lookup_start(target)?;
        if let Some(el) = self.typed_element(start, &key) {
            self.write_element(&el, &value)?;
            return Ok(true);
        }
        // Writes to primitives' wrappers vanish in sloppy mode. Otherwise the lookup started at
        // the object itself (and found no typed element above), so it already told whether the
        // object has the property: no second and third lookup. (Each arm takes what it needs
        // of the lookup: one arm taking it whole, to match again, copied it in 16-byte pieces
        // that waited on the smaller writes that made it, a failed store forwarding.)
        match self.lookup_hashed(start, &key, hash) {
            Lookup::Proxy(p) => self.proxy_set(p, key, value, target),
            Lookup::Found(Property { slot: Slot::Accessor { set, .. }, .. }, _) => self.call_setter(set, target, value),
            Lookup::Found(Property { writable: false, .. }, _) => Ok(false),
            Lookup::Found(own, true) => match target {
                Value::Object(obj) => {
                    self.put_value(*obj, key, value, own)?;
                    Ok(true)
                }
                _ => Ok(false),
            },
            Lookup::Found(_, false) | Lookup::Absent => match target {
                Value::Object(obj) => self.add_data_property(*obj, hash, key, value),
                _ => Ok(false),
            },
        }
    }

    fn call_setter(&self, setter: Option<ObjectId>, receiver: &Value, value: Value) -> JsResult<bool> {
        let Some(setter) = setter else { return Ok(false) };
        self.call(&Value::Object(setter), receiver.clone(), &[value])?;
        Ok(true)
    }

    /// `obj.[[Set]](key, value, receiver)` (`Reflect.set` with a receiver, a proxy without a
    /// `set` trap): found data is written on `receiver`, through its own internal methods.
    pub fn set_with_receiver(&self, obj: ObjectId, key: PropertyKey, value: Value, receiver: &Value) -> JsResult<bool> {
        if matches!(receiver, Value::Object(r) if *r == obj) {
            return self.set(receiver, key, value);
        }
        let found = match self.typed_element(obj, &key) {
            Some(el) if !el.is_valid() => return Ok(true),
            Some(_) => Lookup::Absent,
            None => self.lookup(obj, &key),
        };
        match found {
            Lookup::Proxy(p) => return self.proxy_set(p, key, value, receiver),
            Lookup::Found(Property { slot: Slot::Accessor { set, .. }, .. }, _) => return self.call_setter(set, receiver, value),
            Lookup::Found(Property { writable: false, .. }, _) => return Ok(false),
            _ => {}
        }
        let Value::Object(r) = receiver else { return Ok(false) };
        let desc = match self.get_own_property(*r, &key)? {
            Some(Property { slot: Slot::Accessor { .. }, .. } | Property { writable: false, .. }) => return Ok(false),
            Some(_) => Descriptor { value: Some(value), ..Descriptor::default() },
            None => Descriptor::data(value),
        };
        self.define_own_property(*r, key, desc)
    }

    /// `target[key] = value` in strict mode: a refused write throws V8's TypeError. What Python
    /// assignments to proxies do (a silent no-op would hide the mistake).
    pub fn set_strict(&self, target: &Value, key: PropertyKey, value: Value) -> JsResult<()> {
        if self.set(target, key.clone(), value)? {
            return Ok(());
        }
        let name = self.to_string(&key.to_value()).map(|s| s.to_rust_string()).unwrap_or_else(|_| "Symbol()".into());
        if matches!(target, Value::Object(id) if self.is_proxy(*id)) {
            return Err(self.type_error(format!("'set' on proxy: trap returned falsish for property '{name}'")));
        }
        let holder = match target {
            Value::Object(id) => format!("#<{}>", self.class_name(*id)),
            other => other.to_display(self),
        };
        let found = match self.to_object(target) {
            Some(start) => self.find_property(start, &key),
            None => None,
        };
        let message = match found {
            Some(Property { slot: Slot::Accessor { .. }, .. }) => format!("Cannot set property {name} of {holder} which has only a getter"),
            Some(Property { writable: false, .. }) => format!("Cannot assign to read only property '{name}' of object '{holder}'"),
            _ => format!("Cannot add property {name}, object is not extensible"),
        };
        Err(self.type_error(message))
    }

    /// `target[name] = value` for a string-keyed property; false where it was refused.
    pub fn set_named(&self, target: &Value, name: &str, value: Value) -> JsResult<bool> {
        self.set(target, PropertyKey::name(name), value)
    }

    /// Replaces the value of an existing own data property (keeping its attributes); an array's
    /// `length` set to no valid length throws V8's RangeError.
    fn put_value(&self, obj: ObjectId, key: PropertyKey, value: Value, own: Property) -> JsResult<()> {
        if self.is_array_length(obj, &key) {
            self.set_array_length(obj, &value)?;
            return Ok(());
        }
        let mut heap = self.heap.borrow_mut();
        heap.obj_mut(obj).props.insert(key, Property { slot: Slot::Data(value), ..own });
        Ok(())
    }

    /// A property `obj` does not have yet (no own one, no typed element: the caller looked),
    /// made by an assignment: writable, enumerable and configurable data, as
    /// `define_own_property` would make it, without its lookups.
    fn add_data_property(&self, obj: ObjectId, hash: u64, key: PropertyKey, value: Value) -> JsResult<bool> {
        let mut heap = self.heap.borrow_mut();
        let Some(o) = heap.get_mut(obj) else { return Ok(false) };
        if !o.extensible {
            return Ok(false);
        }
        let grows = grows_array(o, &key);
        o.props.push_new_data(hash, key, value);
        grow_array_length(o, grows, &self.length_key.1);
        Ok(true)
    }

    fn is_array_length(&self, obj: ObjectId, key: &PropertyKey) -> bool {
        matches!(key, PropertyKey::String(s) if s.as_str() == Some("length")) && self.heap.borrow().get(obj).is_some_and(|o| o.is_array())
    }

    /// Sets an array's `length`, deleting elements at and above it.
    fn set_array_length(&self, obj: ObjectId, value: &Value) -> JsResult<bool> {
        let n = self.valid_array_length(value)?;
        Ok(self.store_array_length(obj, n))
    }

    /// `value` as an array length: a RangeError for anything that is none.
    fn valid_array_length(&self, value: &Value) -> JsResult<f64> {
        let n = self.to_number(value)?;
        if !(n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64) {
            return Err(self.range_error("Invalid array length".into()));
        }
        Ok(n)
    }

    fn store_array_length(&self, obj: ObjectId, n: f64) -> bool {
        let mut heap = self.heap.borrow_mut();
        let o = heap.obj_mut(obj);
        let key = &self.length_key.1;
        // Only a shorter length deletes elements: growing (every push) must not walk them all.
        let shrinks = match o.props.get(key) {
            Some(Property { slot: Slot::Data(Value::Number(old)), .. }) => n < *old,
            _ => true,
        };
        if shrinks {
            o.props.retain(|k, _| !matches!(k, PropertyKey::Index(i) if *i as f64 >= n));
        }
        if let Some(p) = o.props.get_mut(key) {
            if !p.writable {
                return false;
            }
            p.slot = Slot::Data(Value::Number(n));
        }
        true
    }

    /// An array's `length` as stored (0 for anything without a numeric one); runs no getter.
    pub fn array_length(&self, obj: ObjectId) -> u32 {
        match self.heap.borrow().get(obj).and_then(|o| o.props.get(&self.length_key.1)) {
            Some(Property { slot: Slot::Data(Value::Number(n)), .. }) => *n as u32,
            _ => 0,
        }
    }

    /// `Object.defineProperty` without the throw: `Ok(false)` when refused.
    pub fn define_own_property(&self, obj: ObjectId, key: PropertyKey, desc: Descriptor) -> JsResult<bool> {
        if self.heap.borrow().get(obj).is_some_and(|o| o.is_proxy()) {
            return self.proxy_define_own_property(obj, key, desc);
        }
        if let Some(el) = self.typed_element(obj, &key) {
            // Elements are always writable, enumerable, configurable data (ECMA-262 10.4.5.3).
            let fixed =
                desc.configurable == Some(false) || desc.enumerable == Some(false) || desc.is_accessor() || desc.writable == Some(false);
            if !el.is_valid() || fixed {
                return Ok(false);
            }
            if let Some(v) = &desc.value {
                self.write_element(&el, v)?;
            }
            return Ok(true);
        }
        if self.is_array_length(obj, &key) {
            // As V8's ArraySetLength: the value first (a RangeError for no valid length), then
            // `length` is found never configurable, enumerable or an accessor: refused.
            let n = desc.value.as_ref().map(|v| self.valid_array_length(v)).transpose()?;
            if desc.configurable == Some(true) || desc.enumerable == Some(true) || desc.is_accessor() {
                return Ok(false);
            }
            if let Some(n) = n {
                return Ok(self.store_array_length(obj, n));
            }
        }
        let existing = self.get_own_property(obj, &key)?;
        let mut heap = self.heap.borrow_mut();
        let Some(o) = heap.get_mut(obj) else { return Ok(false) };
        if !self.is_compatible_descriptor(o.extensible, &desc, existing.as_ref()) {
            return Ok(false);
        }
        let new = match existing {
            None => complete(&desc),
            Some(cur) => {
                let cur_is_data = matches!(cur.slot, Slot::Data(_));
                let slot = if desc.is_accessor() {
                    let (old_get, old_set) = match cur.slot {
                        Slot::Accessor { get, set } => (get, set),
                        Slot::Data(_) => (None, None),
                    };
                    Slot::Accessor { get: desc.get.unwrap_or(old_get), set: desc.set.unwrap_or(old_set) }
                } else {
                    match (desc.value.clone(), cur.slot) {
                        (Some(v), _) => Slot::Data(v),
                        (None, Slot::Data(v)) => Slot::Data(v),
                        (None, Slot::Accessor { .. }) => Slot::Data(Value::Undefined),
                    }
                };
                // A data property made from an accessor (or back) starts non-writable.
                let writable = match (&slot, &desc.writable) {
                    (_, Some(w)) => *w,
                    (Slot::Data(_), None) if cur_is_data => cur.writable,
                    _ => false,
                };
                Property {
                    slot,
                    writable,
                    enumerable: desc.enumerable.unwrap_or(cur.enumerable),
                    configurable: desc.configurable.unwrap_or(cur.configurable),
                }
            }
        };
        insert_property(o, key, new, &self.length_key.1);
        Ok(true)
    }

    /// `CreateDataPropertyOrThrow`: defines a plain, enumerable, writable and configurable data
    /// property, or throws V8's TypeError where the object refuses it.
    pub fn create_data_property(&self, obj: ObjectId, key: PropertyKey, v: Value) -> JsResult<()> {
        if self.define_own_property(obj, key.clone(), Descriptor::data(v))? {
            Ok(())
        } else {
            Err(self.type_error(format!("Cannot redefine property: {}", self.key_display(&key))))
        }
    }

    /// `key in obj`.
    pub fn has(&self, obj: ObjectId, key: &PropertyKey) -> JsResult<bool> {
        if let Some(el) = self.typed_element(obj, key) {
            return Ok(el.is_valid());
        }
        match self.lookup(obj, key) {
            Lookup::Found(..) => Ok(true),
            Lookup::Absent => Ok(false),
            Lookup::Proxy(p) => self.proxy_has(p, key),
        }
    }

    /// `HasOwnProperty`: whether `obj` has `key` itself (through a proxy's trap).
    pub fn has_own(&self, obj: ObjectId, key: &PropertyKey) -> JsResult<bool> {
        Ok(self.get_own_property(obj, key)?.is_some())
    }

    /// `delete obj[key]`: false when the property is non-configurable.
    pub fn delete(&self, obj: ObjectId, key: &PropertyKey) -> JsResult<bool> {
        if let Some(el) = self.typed_element(obj, key) {
            return Ok(!el.is_valid());
        }
        let mut heap = self.heap.borrow_mut();
        let Some(o) = heap.get_mut(obj) else { return Ok(false) };
        if o.is_proxy() {
            drop(heap);
            return self.proxy_delete(obj, key);
        }
        Ok(match o.props.get(key) {
            None => true,
            Some(p) if !p.configurable => false,
            Some(_) => {
                o.props.shift_remove(key);
                true
            }
        })
    }

    /// `[[OwnPropertyKeys]]`.
    pub fn own_keys(&self, obj: ObjectId) -> JsResult<Vec<PropertyKey>> {
        if self.is_proxy(obj) {
            return self.proxy_own_keys(obj);
        }
        let mut keys = self.element_keys(obj);
        keys.extend(self.heap.borrow().get(obj).map(|o| o.own_keys()).unwrap_or_default());
        Ok(keys)
    }

    /// The own enumerable string keys, in order (`Object.keys`, `JSON.stringify`).
    pub fn enumerable_own_keys(&self, obj: ObjectId) -> JsResult<Vec<PropertyKey>> {
        let mut keys = Vec::new();
        for k in self.own_keys(obj)? {
            if !matches!(k, PropertyKey::Symbol(_)) && self.get_own_property(obj, &k)?.is_some_and(|p| p.enumerable) {
                keys.push(k);
            }
        }
        Ok(keys)
    }

    /// Whether `obj` is a Proxy, whose internal methods are its handler's traps.
    pub fn is_proxy(&self, obj: ObjectId) -> bool {
        self.heap.borrow().get(obj).is_some_and(|o| o.is_proxy())
    }

    /// `Object.setPrototypeOf`; false for a cycle or a non-extensible object.
    pub fn set_prototype(&self, obj: ObjectId, proto: Option<ObjectId>) -> JsResult<bool> {
        if self.is_proxy(obj) {
            return self.proxy_set_prototype(obj, proto);
        }
        let mut heap = self.heap.borrow_mut();
        // A proxy's `proto` field is None, so the walk ends at one, as the specification's does.
        let mut cur = proto;
        while let Some(p) = cur {
            if p == obj {
                return Ok(false);
            }
            cur = heap.get(p).and_then(|o| o.proto);
        }
        let Some(o) = heap.get_mut(obj) else { return Ok(false) };
        if o.proto == proto {
            return Ok(true);
        }
        if !o.extensible {
            return Ok(false);
        }
        o.proto = proto;
        Ok(true)
    }

    /// `[[GetPrototypeOf]]`.
    pub fn prototype_of(&self, obj: ObjectId) -> JsResult<Option<ObjectId>> {
        if self.is_proxy(obj) {
            return self.proxy_get_prototype(obj);
        }
        Ok(self.stored_prototype(obj))
    }

    /// The object's own `[[Prototype]]` slot, running no trap: a proxy's is always `None`
    /// (`new_proxy` makes it so and `set_prototype` goes to the trap instead).
    pub fn stored_prototype(&self, obj: ObjectId) -> Option<ObjectId> {
        self.heap.borrow().get(obj).and_then(|o| o.proto)
    }

    /// Whether `proto` is on `obj`'s prototype chain (`obj` itself excluded), asking proxies'
    /// `getPrototypeOf` traps: the walk `instanceof` and `Object.prototype.isPrototypeOf` share.
    pub fn has_in_prototype_chain(&self, obj: ObjectId, proto: ObjectId) -> JsResult<bool> {
        let mut cur = obj;
        while let Some(p) = self.prototype_of(cur)? {
            if p == proto {
                return Ok(true);
            }
            cur = p;
        }
        Ok(false)
    }

    /// `[[IsExtensible]]`.
    pub fn is_extensible(&self, obj: ObjectId) -> JsResult<bool> {
        if self.is_proxy(obj) {
            return self.proxy_is_extensible(obj);
        }
        Ok(self.heap.borrow().get(obj).is_some_and(|o| o.extensible))
    }

    /// `[[PreventExtensions]]`.
    pub fn prevent_extensions(&self, obj: ObjectId) -> JsResult<bool> {
        if self.is_proxy(obj) {
            return self.proxy_prevent_extensions(obj);
        }
        if let Some(o) = self.heap.borrow_mut().get_mut(obj) {
            o.extensible = false;
        }
        Ok(true)
    }

    /// `SetIntegrityLevel`: `Object.freeze` (`freeze`) or `Object.seal`; false when refused.
    pub fn integrity(&self, obj: ObjectId, freeze: bool) -> JsResult<bool> {
        if self.is_proxy(obj) {
            return self.proxy_integrity(obj, freeze);
        }
        // The host keeps typed array elements in the buffer, not as properties, so they cannot be
        // made read-only or non-configurable; V8 refuses the same case, as it does it: a freeze
        // after doing the rest, a seal after making the object non-extensible, and a seal of one
        // already non-extensible it lets through.
        let has_elements = matches!(self.heap.borrow().get(obj).map(|o| &o.class), Some(ObjectClass::View(view)) if view.kind.is_some() && view.length > 0);
        let mut heap = self.heap.borrow_mut();
        let Some(o) = heap.get_mut(obj) else { return Ok(true) };
        let was_extensible = std::mem::replace(&mut o.extensible, false);
        if has_elements && !freeze && was_extensible {
            drop(heap);
            return Err(self.type_error("Cannot seal array buffer views with elements".into()));
        }
        for p in o.props.values_mut() {
            p.configurable = false;
            if freeze && matches!(p.slot, Slot::Data(_)) {
                p.writable = false;
            }
        }
        if has_elements && freeze {
            drop(heap);
            return Err(self.type_error("Cannot freeze array buffer views with elements".into()));
        }
        Ok(true)
    }

    /// `SetIntegrityLevel` through a proxy's traps: one definition per own key.
    fn proxy_integrity(&self, obj: ObjectId, freeze: bool) -> JsResult<bool> {
        if !self.prevent_extensions(obj)? {
            return Ok(false);
        }
        for key in self.own_keys(obj)? {
            let mut desc = Descriptor { configurable: Some(false), ..Descriptor::default() };
            if freeze {
                match self.get_own_property(obj, &key)? {
                    None => continue,
                    Some(Property { slot: Slot::Data(_), .. }) => desc.writable = Some(false),
                    Some(_) => {}
                }
            }
            if !self.define_own_property(obj, key.clone(), desc)? {
                return Err(self.type_error(format!("Cannot redefine property: {}", self.key_display(&key))));
            }
        }
        Ok(true)
    }

    /// The JS class name of an object for messages and `repr`s.
    pub fn class_name(&self, obj: ObjectId) -> String {
        let ctor = self.find_property(obj, &PropertyKey::name("constructor"));
        if let Some(Property { slot: Slot::Data(Value::Object(c)), .. }) = ctor {
            if let Some(Property { slot: Slot::Data(Value::String(s)), .. }) = self.stored_property(c, &PropertyKey::name("name")) {
                return s.to_rust_string();
            }
        }
        match self.heap.borrow().get(obj).map(|o| &o.class) {
            Some(ObjectClass::Array) => "Array".into(),
            Some(ObjectClass::Function(_)) => "Function".into(),
            _ => "Object".into(),
        }
    }

    /// A throw of `v` (`throw v`).
    pub fn throw_value(&self, v: Value) -> Thrown {
        Thrown(v)
    }
}

/// Puts `prop` under `key` in `o`, growing an array's `length` (the key `length`) past a new index.
fn insert_property(o: &mut Object, key: PropertyKey, prop: Property, length: &PropertyKey) {
    let grows = grows_array(o, &key);
    o.props.insert(key, prop);
    grow_array_length(o, grows, length);
}

/// The index `key` names when `o` is an array, whose `length` may have to grow past it.
fn grows_array(o: &Object, key: &PropertyKey) -> Option<u32> {
    match key {
        PropertyKey::Index(i) if o.is_array() => Some(*i),
        _ => None,
    }
}

/// Makes array `o`'s `length` (the key `length`) at least one past index `index`, just put.
fn grow_array_length(o: &mut Object, index: Option<u32>, length: &PropertyKey) {
    let Some(i) = index else { return };
    if let Some(Property { slot: Slot::Data(Value::Number(n)), .. }) = o.props.get_mut(length) {
        if (i as f64) >= *n {
            *n = i as f64 + 1.0;
        }
    }
}
