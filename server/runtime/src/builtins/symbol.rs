//! `Symbol`, `Symbol.for`, `Symbol.keyFor` and the well-known symbols addons use.

use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::realm::{Builder, Realm};
use super::super::string::JsString;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::arg;

pub fn install(b: &mut Builder, realm: &Realm) {
    let symbol = b.constructor(realm.global, "Symbol", 0, symbol_ctor, realm.symbol_prototype);
    b.method(symbol, "for", 1, symbol_for);
    b.method(symbol, "keyFor", 1, symbol_key_for);
    b.value(symbol, "iterator", Value::Symbol(realm.symbol_iterator));
    b.value(symbol, "asyncIterator", Value::Symbol(realm.symbol_async_iterator));
    b.value(symbol, "toStringTag", Value::Symbol(realm.symbol_to_string_tag));
    b.method(realm.symbol_prototype, "toString", 0, symbol_to_string);
    b.method(realm.symbol_prototype, "valueOf", 0, symbol_value_of);
}

fn symbol_ctor(rt: &Runtime, _: Value, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    if new_target.is_some() {
        return Err(rt.type_error("Symbol is not a constructor".into()));
    }
    let description = match arg(args, 0) {
        Value::Undefined => None,
        v => Some(rt.to_string(&v)?),
    };
    Ok(Value::Symbol(rt.new_symbol(description)))
}

fn symbol_for(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let key = rt.to_string(&arg(args, 0))?;
    Ok(Value::Symbol(rt.symbol_for(key)))
}

fn symbol_key_for(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Value::Symbol(sym) = arg(args, 0) else {
        return Err(rt.type_error("Symbol.keyFor requires a symbol".into()));
    };
    let registry = rt.symbol_registry.borrow();
    Ok(registry.iter().find(|(_, id)| **id == sym).map(|(k, _)| Value::String(k.clone())).unwrap_or(Value::Undefined))
}

/// The symbol a `this` stands for (the symbol itself or its wrapper object).
fn this_symbol(rt: &Runtime, this: Value, method: &str) -> JsResult<ObjectId> {
    match this {
        Value::Symbol(s) => Ok(s),
        Value::Object(id) => match rt.heap.borrow().get(id).map(|o| o.class.clone()) {
            Some(ObjectClass::Primitive(Value::Symbol(s))) => Ok(s),
            _ => Err(rt.type_error(format!("Symbol.prototype.{method} requires that 'this' be a Symbol"))),
        },
        _ => Err(rt.type_error(format!("Symbol.prototype.{method} requires that 'this' be a Symbol"))),
    }
}

fn symbol_value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Symbol(this_symbol(rt, this, "valueOf")?))
}

fn symbol_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let sym = this_symbol(rt, this, "toString")?;
    let desc = rt.symbol_description(sym).map(|d| d.to_rust_string()).unwrap_or_default();
    Ok(Value::String(format!("Symbol({desc})").into()))
}

impl Runtime {
    pub fn new_symbol(&self, description: Option<JsString>) -> ObjectId {
        self.heap.borrow_mut().new_object(ObjectClass::Symbol { description }, None)
    }

    /// `Symbol.for(key)`: one symbol per key for the life of the host.
    pub fn symbol_for(&self, key: JsString) -> ObjectId {
        if let Some(id) = self.symbol_registry.borrow().get(&key) {
            return *id;
        }
        let id = self.new_symbol(Some(key.clone()));
        self.symbol_registry.borrow_mut().insert(key, id);
        id
    }

    pub fn symbol_description(&self, sym: ObjectId) -> Option<JsString> {
        match self.heap.borrow().get(sym).map(|o| &o.class) {
            Some(ObjectClass::Symbol { description }) => description.clone(),
            _ => None,
        }
    }
}
