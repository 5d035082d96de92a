//! `Symbol`, `Symbol.for`, `Symbol.keyFor`, the well-known symbols and `Symbol.prototype`
//! (`description`, `toString`, `valueOf`, `[Symbol.toPrimitive]`).

use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::string::JsString;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::arg;

pub fn install(b: &mut Builder, realm: &Realm) {
    let symbol = b.constructor(realm.global, "Symbol", 0, symbol_ctor, realm.symbol_prototype);
    b.method(symbol, "for", 1, symbol_for);
    b.method(symbol, "keyFor", 1, symbol_key_for);
    let well_known = [
        ("asyncIterator", realm.symbol_async_iterator),
        ("hasInstance", realm.symbol_has_instance),
        ("isConcatSpreadable", realm.symbol_is_concat_spreadable),
        ("iterator", realm.symbol_iterator),
        ("match", realm.symbol_match),
        ("matchAll", realm.symbol_match_all),
        ("replace", realm.symbol_replace),
        ("search", realm.symbol_search),
        ("species", realm.symbol_species),
        ("split", realm.symbol_split),
        ("toPrimitive", realm.symbol_to_primitive),
        ("toStringTag", realm.symbol_to_string_tag),
        ("unscopables", realm.symbol_unscopables),
    ];
    // node 20's own symbols for explicit resource management (`using`), which V8 11 lacks.
    let dispose = b.symbol("nodejs.dispose");
    let async_dispose = b.symbol("nodejs.asyncDispose");
    let well_known = well_known.into_iter().chain([("dispose", dispose), ("asyncDispose", async_dispose)]);
    for (name, sym) in well_known {
        // The well-known symbols are read-only, non-configurable properties.
        let p = Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Symbol(sym)) };
        b.heap.put(symbol, PropertyKey::name(name), p);
    }
    let p = realm.symbol_prototype;
    b.method(p, "toString", 0, symbol_to_string);
    b.method(p, "valueOf", 0, symbol_value_of);
    super::getter(b, p, "description", symbol_description);
    let to_primitive = b.function("[Symbol.toPrimitive]", 1, symbol_value_of);
    let fixed = Property { writable: false, ..Property::hidden(Value::Object(to_primitive)) };
    b.heap.put(p, PropertyKey::Symbol(realm.symbol_to_primitive), fixed);
    super::to_string_tag(b, realm, p, "Symbol");
}

fn symbol_description(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let sym = this_symbol(rt, this, "description")?;
    Ok(rt.symbol_description(sym).map_or(Value::Undefined, Value::String))
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
        return Err(rt.type_error(format!("{} is not a symbol", super::describe(rt, &arg(args, 0)))));
    };
    let registry = rt.symbol_registry.borrow();
    Ok(registry.iter().find(|(_, id)| **id == sym).map(|(k, _)| Value::String(k.clone())).unwrap_or(Value::Undefined))
}

/// The symbol a `this` stands for (the symbol itself or its wrapper object).
fn this_symbol(rt: &Runtime, this: Value, method: &str) -> JsResult<ObjectId> {
    match this {
        Value::Symbol(s) => Ok(s),
        Value::Object(id) => match super::class_of(rt, &Value::Object(id)) {
            Some(ObjectClass::Primitive(Value::Symbol(s))) => Ok(s),
            _ => Err(rt.type_error(format!("Symbol.prototype.{method} requires that 'this' be a Symbol"))),
        },
        _ if method == "description" => {
            Err(rt
                .type_error(format!("Method Symbol.prototype.description called on incompatible receiver {}", super::describe(rt, &this))))
        }
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
