//! Proxy exotic objects (ECMA-262 10.5): each internal method calls the handler's trap when it
//! has one (else does the operation on the target), then checks the answer against the target
//! as the specification's invariants require, with V8's messages. access.rs and call.rs send
//! every internal method of an object whose class is `Proxy` here, so Node-API functions and
//! built-ins see through proxies as V8 does. The `Proxy` constructor is in builtins/proxy.rs.

use std::borrow::Cow;

use super::descriptor::complete;
use super::object::{ObjectClass, ProxyData};
use super::object_id::ObjectId;
use super::property::{Descriptor, Property, PropertyKey, Slot};
use super::value::Value;
use super::{JsResult, Runtime, Thrown};

impl Runtime {
    /// A new proxy over `target` with `handler` (both objects: the constructor checked).
    pub fn new_proxy(&self, target: ObjectId, handler: ObjectId) -> ObjectId {
        let callable = self.heap.borrow().get(target).is_some_and(|o| o.is_callable());
        let constructor = self.is_constructor(target);
        let data = ProxyData { target: Some(target), handler: Some(handler), callable, constructor };
        self.heap.borrow_mut().new_object(ObjectClass::Proxy(data), None)
    }

    /// Revokes a proxy: every later internal method throws.
    pub fn revoke_proxy(&self, proxy: ObjectId) {
        if let Some(ObjectClass::Proxy(p)) = self.heap.borrow_mut().get_mut(proxy).map(|o| &mut o.class) {
            p.target = None;
            p.handler = None;
        }
    }

    /// The target and handler of `proxy`, or V8's TypeError once revoked.
    fn proxy_parts(&self, proxy: ObjectId, trap: &str) -> JsResult<(ObjectId, ObjectId)> {
        match self.heap.borrow().get(proxy).map(|o| &o.class) {
            Some(ObjectClass::Proxy(ProxyData { target: Some(t), handler: Some(h), .. })) => return Ok((*t, *h)),
            Some(ObjectClass::Proxy(_)) => {}
            _ => unreachable!("proxy_parts of an object that is not a proxy"),
        }
        Err(self.type_error(format!("Cannot perform '{trap}' on a proxy that has been revoked")))
    }

    /// The target of `proxy` when it is one (for `IsArray` and the like, which look through).
    pub fn proxy_target(&self, id: ObjectId, operation: &str) -> JsResult<Option<ObjectId>> {
        let is_proxy = self.heap.borrow().get(id).is_some_and(|o| o.is_proxy());
        if !is_proxy {
            return Ok(None);
        }
        self.proxy_parts(id, operation).map(|(t, _)| Some(t))
    }

    /// `GetMethod(handler, name)`: the trap, or `None` when it is undefined or null.
    fn trap(&self, handler: ObjectId, name: &str) -> JsResult<Option<Value>> {
        let f = self.get(&Value::Object(handler), &PropertyKey::name(name))?;
        if f.is_nullish() {
            return Ok(None);
        }
        if !self.is_callable(&f) {
            return Err(self.type_error(format!(
                "{} returned for property '{name}' of object '{}' is not a function",
                quoted(self, &f),
                self.describe(&Value::Object(handler))
            )));
        }
        Ok(Some(f))
    }

    fn invariant(&self, trap: &str, what: String) -> Thrown {
        self.type_error(format!("'{trap}' on proxy: {what}"))
    }

    pub(crate) fn proxy_get_prototype(&self, proxy: ObjectId) -> JsResult<Option<ObjectId>> {
        let (target, handler) = self.proxy_parts(proxy, "getPrototypeOf")?;
        let Some(trap) = self.trap(handler, "getPrototypeOf")? else { return self.prototype_of(target) };
        let proto = match self.call(&trap, Value::Object(handler), &[Value::Object(target)])? {
            Value::Object(p) => Some(p),
            Value::Null => None,
            _ => return Err(self.invariant("getPrototypeOf", "trap returned neither object nor null".into())),
        };
        if self.is_extensible(target)? || self.prototype_of(target)? == proto {
            return Ok(proto);
        }
        Err(self.invariant("getPrototypeOf", "proxy target is non-extensible but the trap did not return its actual prototype".into()))
    }

    pub(crate) fn proxy_set_prototype(&self, proxy: ObjectId, proto: Option<ObjectId>) -> JsResult<bool> {
        let (target, handler) = self.proxy_parts(proxy, "setPrototypeOf")?;
        let Some(trap) = self.trap(handler, "setPrototypeOf")? else { return self.set_prototype(target, proto) };
        let v = proto.map_or(Value::Null, Value::Object);
        let answer = self.call(&trap, Value::Object(handler), &[Value::Object(target), v])?;
        if !self.to_boolean(&answer) {
            return Ok(false);
        }
        if self.is_extensible(target)? || self.prototype_of(target)? == proto {
            return Ok(true);
        }
        Err(self.invariant("setPrototypeOf", "trap returned truish for setting a new prototype on the non-extensible proxy target".into()))
    }

    pub(crate) fn proxy_is_extensible(&self, proxy: ObjectId) -> JsResult<bool> {
        let (target, handler) = self.proxy_parts(proxy, "isExtensible")?;
        let Some(trap) = self.trap(handler, "isExtensible")? else { return self.is_extensible(target) };
        let answer = self.to_boolean(&self.call(&trap, Value::Object(handler), &[Value::Object(target)])?);
        let actual = self.is_extensible(target)?;
        if answer != actual {
            return Err(
                self.invariant("isExtensible", format!("trap result does not reflect extensibility of proxy target (which is '{actual}')"))
            );
        }
        Ok(answer)
    }

    pub(crate) fn proxy_prevent_extensions(&self, proxy: ObjectId) -> JsResult<bool> {
        let (target, handler) = self.proxy_parts(proxy, "preventExtensions")?;
        let Some(trap) = self.trap(handler, "preventExtensions")? else { return self.prevent_extensions(target) };
        let answer = self.to_boolean(&self.call(&trap, Value::Object(handler), &[Value::Object(target)])?);
        if answer && self.is_extensible(target)? {
            return Err(self.invariant("preventExtensions", "trap returned truish but the proxy target is extensible".into()));
        }
        Ok(answer)
    }

    pub(crate) fn proxy_get_own_property(&self, proxy: ObjectId, key: &PropertyKey) -> JsResult<Option<Property>> {
        let (target, handler) = self.proxy_parts(proxy, "getOwnPropertyDescriptor")?;
        let Some(trap) = self.trap(handler, "getOwnPropertyDescriptor")? else { return self.get_own_property(target, key) };
        let result = self.call(&trap, Value::Object(handler), &[Value::Object(target), key.to_value()])?;
        let name = self.key_display(key);
        let fail = |what: String| Err(self.invariant("getOwnPropertyDescriptor", what));
        if !matches!(result, Value::Object(_) | Value::Undefined) {
            return fail(format!("trap returned neither object nor undefined for property '{name}'"));
        }
        let target_desc = self.get_own_property(target, key)?;
        if matches!(result, Value::Undefined) {
            let Some(t) = target_desc else { return Ok(None) };
            if !t.configurable {
                return fail(format!("trap returned undefined for property '{name}' which is non-configurable in the proxy target"));
            }
            if !self.is_extensible(target)? {
                return fail(format!("trap returned undefined for property '{name}' which exists in the non-extensible proxy target"));
            }
            return Ok(None);
        }
        let extensible = self.is_extensible(target)?;
        let desc = self.to_property_descriptor(&result)?;
        let made = complete(&desc);
        let full = Descriptor::from(&made);
        if !self.is_compatible_descriptor(extensible, &full, target_desc.as_ref()) {
            return fail(format!(
                "trap returned descriptor for property '{name}' that is incompatible with the existing property in the proxy target"
            ));
        }
        if !made.configurable {
            match &target_desc {
                Some(t) if !t.configurable => {
                    if desc.writable == Some(false) && t.writable && matches!(t.slot, Slot::Data(_)) {
                        return fail(format!(
                            "trap reported non-configurable and writable for property '{name}' which is non-configurable, non-writable in the proxy target"
                        ));
                    }
                }
                _ => {
                    return fail(format!(
                        "trap reported non-configurability for property '{name}' which is either non-existent or configurable in the proxy target"
                    ))
                }
            }
        }
        Ok(Some(made))
    }

    pub(crate) fn proxy_define_own_property(&self, proxy: ObjectId, key: PropertyKey, desc: Descriptor) -> JsResult<bool> {
        let (target, handler) = self.proxy_parts(proxy, "defineProperty")?;
        let Some(trap) = self.trap(handler, "defineProperty")? else { return self.define_own_property(target, key, desc) };
        let desc_obj = Value::Object(self.from_descriptor(&desc));
        let answer = self.call(&trap, Value::Object(handler), &[Value::Object(target), key.to_value(), desc_obj])?;
        let name = self.key_display(&key);
        if !self.to_boolean(&answer) {
            return Ok(false);
        }
        let fail = |what: String| Err(self.invariant("defineProperty", what));
        let target_desc = self.get_own_property(target, &key)?;
        let extensible = self.is_extensible(target)?;
        let setting_non_configurable = desc.configurable == Some(false);
        let non_configurable_message = || {
            format!(
                "trap returned truish for defining non-configurable property '{name}' which is either non-existent or configurable in the proxy target"
            )
        };
        match target_desc {
            None if !extensible => fail(format!("trap returned truish for adding property '{name}'  to the non-extensible proxy target")),
            None if setting_non_configurable => fail(non_configurable_message()),
            None => Ok(true),
            Some(t) => {
                if !self.is_compatible_descriptor(extensible, &desc, Some(&t)) {
                    return fail(format!(
                        "trap returned truish for adding property '{name}'  that is incompatible with the existing property in the proxy target"
                    ));
                }
                if setting_non_configurable && t.configurable {
                    return fail(non_configurable_message());
                }
                if matches!(t.slot, Slot::Data(_)) && !t.configurable && t.writable && desc.writable == Some(false) {
                    return fail(format!("trap returned truish for defining non-configurable property '{name}' which cannot be non-writable, unless there exists a corresponding non-configurable, non-writable own property of the target object."));
                }
                Ok(true)
            }
        }
    }

    pub(crate) fn proxy_has(&self, proxy: ObjectId, key: &PropertyKey) -> JsResult<bool> {
        let (target, handler) = self.proxy_parts(proxy, "has")?;
        let Some(trap) = self.trap(handler, "has")? else { return self.has(target, key) };
        let answer = self.to_boolean(&self.call(&trap, Value::Object(handler), &[Value::Object(target), key.to_value()])?);
        if !answer {
            if let Some(t) = self.get_own_property(target, key)? {
                let name = self.key_display(key);
                if !t.configurable {
                    return Err(self.invariant(
                        "has",
                        format!("trap returned falsish for property '{name}' which exists in the proxy target as non-configurable"),
                    ));
                }
                if !self.is_extensible(target)? {
                    return Err(self
                        .invariant("has", format!("trap returned falsish for property '{name}' but the proxy target is not extensible")));
                }
            }
        }
        Ok(answer)
    }

    pub(crate) fn proxy_get(&self, proxy: ObjectId, key: &PropertyKey, receiver: &Value) -> JsResult<Value> {
        let (target, handler) = self.proxy_parts(proxy, "get")?;
        let Some(trap) = self.trap(handler, "get")? else { return self.get_with_receiver(target, key, receiver) };
        let v = self.call(&trap, Value::Object(handler), &[Value::Object(target), key.to_value(), receiver.clone()])?;
        match self.get_own_property(target, key)? {
            Some(Property { slot: Slot::Data(actual), writable: false, configurable: false, .. }) if !self.same_value(&v, &actual) => {
                Err(self.invariant(
                    "get",
                    format!(
                        "property '{}' is a read-only and non-configurable data property on the proxy target but the proxy did not return its actual value (expected '{}' but got '{}')",
                        self.key_display(key),
                        actual.to_display(self),
                        v.to_display(self)
                    ),
                ))
            }
            Some(Property { slot: Slot::Accessor { get: None, .. }, configurable: false, .. }) if !matches!(v, Value::Undefined) => Err(self.invariant(
                "get",
                format!(
                    "property '{}' is a non-configurable accessor property on the proxy target and does not have a getter function, but the trap did not return 'undefined' (got '{}')",
                    self.key_display(key),
                    v.to_display(self)
                ),
            )),
            _ => Ok(v),
        }
    }

    pub(crate) fn proxy_set(&self, proxy: ObjectId, key: PropertyKey, value: Value, receiver: &Value) -> JsResult<bool> {
        let (target, handler) = self.proxy_parts(proxy, "set")?;
        let Some(trap) = self.trap(handler, "set")? else { return self.set_with_receiver(target, key, value, receiver) };
        let args = [Value::Object(target), key.to_value(), value.clone(), receiver.clone()];
        if !self.to_boolean(&self.call(&trap, Value::Object(handler), &args)?) {
            return Ok(false);
        }
        let name = self.key_display(&key);
        match self.get_own_property(target, &key)? {
            Some(Property { slot: Slot::Data(actual), writable: false, configurable: false, .. }) if !self.same_value(&value, &actual) => {
                Err(self.invariant("set", format!("trap returned truish for property '{name}' which exists in the proxy target as a non-configurable and non-writable data property with a different value")))
            }
            Some(Property { slot: Slot::Accessor { set: None, .. }, configurable: false, .. }) => Err(self.invariant(
                "set",
                format!("trap returned truish for property '{name}' which exists in the proxy target as a non-configurable and non-writable accessor property without a setter"),
            )),
            _ => Ok(true),
        }
    }

    pub(crate) fn proxy_delete(&self, proxy: ObjectId, key: &PropertyKey) -> JsResult<bool> {
        let (target, handler) = self.proxy_parts(proxy, "deleteProperty")?;
        let Some(trap) = self.trap(handler, "deleteProperty")? else { return self.delete(target, key) };
        if !self.to_boolean(&self.call(&trap, Value::Object(handler), &[Value::Object(target), key.to_value()])?) {
            return Ok(false);
        }
        let Some(t) = self.get_own_property(target, key)? else { return Ok(true) };
        let name = self.key_display(key);
        if !t.configurable {
            return Err(self.invariant(
                "deleteProperty",
                format!("trap returned truish for property '{name}' which is non-configurable in the proxy target"),
            ));
        }
        if !self.is_extensible(target)? {
            return Err(self.invariant(
                "deleteProperty",
                format!("trap returned truish for property '{name}' but the proxy target is non-extensible"),
            ));
        }
        Ok(true)
    }

    pub(crate) fn proxy_own_keys(&self, proxy: ObjectId) -> JsResult<Vec<PropertyKey>> {
        let (target, handler) = self.proxy_parts(proxy, "ownKeys")?;
        let Some(trap) = self.trap(handler, "ownKeys")? else { return self.own_keys(target) };
        let result = self.call(&trap, Value::Object(handler), &[Value::Object(target)])?;
        let mut keys = Vec::new();
        for v in self.list_from_array_like(&result)? {
            let key = match &v {
                Value::String(s) => PropertyKey::from_string(s.clone()),
                Value::Symbol(s) => PropertyKey::Symbol(*s),
                other => return Err(self.type_error(format!("{} is not a valid property name", self.describe(other)))),
            };
            if keys.contains(&key) {
                return Err(self.invariant("ownKeys", "trap returned duplicate entries".into()));
            }
            keys.push(key);
        }
        let extensible = self.is_extensible(target)?;
        let target_keys = self.own_keys(target)?;
        let mut fixed = Vec::new();
        let mut configurable = Vec::new();
        for k in target_keys {
            match self.get_own_property(target, &k)? {
                Some(p) if !p.configurable => fixed.push(k),
                _ => configurable.push(k),
            }
        }
        if extensible && fixed.is_empty() {
            return Ok(keys);
        }
        let mut unchecked = keys.clone();
        let missing = |k: &PropertyKey| self.invariant("ownKeys", format!("trap result did not include '{}'", self.key_display(k)));
        for k in &fixed {
            let Some(at) = unchecked.iter().position(|u| u == k) else { return Err(missing(k)) };
            unchecked.remove(at);
        }
        if extensible {
            return Ok(keys);
        }
        for k in &configurable {
            let Some(at) = unchecked.iter().position(|u| u == k) else { return Err(missing(k)) };
            unchecked.remove(at);
        }
        if !unchecked.is_empty() {
            return Err(self.invariant("ownKeys", "trap returned extra keys but proxy target is non-extensible".into()));
        }
        Ok(keys)
    }

    /// `[[Call]]` of a callable proxy.
    pub(crate) fn proxy_call(&self, proxy: ObjectId, this: Value, args: Cow<'_, [Value]>) -> JsResult<Value> {
        let (target, handler) = self.proxy_parts(proxy, "apply")?;
        let Some(trap) = self.trap(handler, "apply")? else { return self.call(&Value::Object(target), this, &args) };
        let list = Value::Object(self.new_array(args.into_owned()));
        self.call(&trap, Value::Object(handler), &[Value::Object(target), this, list])
    }

    /// `[[Construct]]` of a constructor proxy.
    pub(crate) fn proxy_construct(&self, proxy: ObjectId, args: Cow<'_, [Value]>, new_target: ObjectId) -> JsResult<Value> {
        let (target, handler) = self.proxy_parts(proxy, "construct")?;
        let Some(trap) = self.trap(handler, "construct")? else { return self.construct(&Value::Object(target), &args) };
        let list = Value::Object(self.new_array(args.into_owned()));
        let made = self.call(&trap, Value::Object(handler), &[Value::Object(target), list, Value::Object(new_target)])?;
        if !matches!(made, Value::Object(_)) {
            return Err(self.invariant("construct", format!("trap returned non-object ('{}')", made.to_display(self))));
        }
        Ok(made)
    }

    /// `IsArray(v)`: arrays, and proxies whose target is one (through any depth of proxies).
    pub fn is_array_value(&self, v: &Value) -> JsResult<bool> {
        let Value::Object(start) = v else { return Ok(false) };
        let mut id = *start;
        loop {
            if self.heap.borrow().get(id).is_some_and(|o| o.is_array()) {
                return Ok(true);
            }
            match self.proxy_target(id, "IsArray")? {
                Some(t) => id = t,
                None => return Ok(false),
            }
        }
    }
}

/// A value as V8 quotes it in "'x' returned for property ...": strings and numbers in quotes.
fn quoted(rt: &Runtime, v: &Value) -> String {
    match v {
        Value::Object(_) => rt.describe(v),
        other => format!("'{}'", other.to_display(rt)),
    }
}
