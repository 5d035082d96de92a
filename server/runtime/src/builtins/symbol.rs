//! `Symbol`, `Symbol.for`, `Symbol.keyFor`, the well-known symbols and `Symbol.prototype`
//! (`description`, `toString`, `valueOf`, `[Symbol.toPrimitive]`).

use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, class_of, describe};
use super::define::{getter, to_string_tag};

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
    // Explicit resource management's (`using`): V8 13's own, described as the other well-known.
    let dispose = b.symbol("Symbol.dispose");
    let async_dispose = b.symbol("Symbol.asyncDispose");
    let well_known = well_known.into_iter().chain([("dispose", dispose), ("asyncDispose", async_dispose)]);
    for (name, sym) in well_known {
        // The well-known symbols are read-only, non-configurable properties.
        let p = Property { writable: false, enumerable: false, configurable: false, ..Property::hidden(Value::Symbol(sym)) };
        b.heap.put(symbol, PropertyKey::name(name), p);
    }
    let p = realm.symbol_prototype;
    b.method(p, "toString", 0, symbol_to_string);
    b.method(p, "valueOf", 0, symbol_value_of);
    getter(b, p, "description", symbol_description);
    let to_primitive = b.function("[Symbol.toPrimitive]", 1, symbol_value_of);
    let fixed = Property { writable: false, ..Property::hidden(Value::Object(to_primitive)) };
    b.heap.put(p, PropertyKey::Symbol(realm.symbol_to_primitive), fixed);
    to_string_tag(b, realm, p, "Symbol");
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
        return Err(rt.type_error(format!("{} is not a symbol", describe(rt, &arg(args, 0)))));
    };
    Ok(rt.symbol_key(sym).map_or(Value::Undefined, Value::String))
}

/// The symbol a `this` stands for (the symbol itself or its wrapper object).
fn this_symbol(rt: &Runtime, this: Value, method: &str) -> JsResult<ObjectId> {
    match this {
        Value::Symbol(s) => Ok(s),
        Value::Object(id) => match class_of(rt, &Value::Object(id)) {
            Some(ObjectClass::Primitive(Value::Symbol(s))) => Ok(s),
            _ => Err(rt.type_error(format!("Symbol.prototype.{method} requires that 'this' be a Symbol"))),
        },
        _ if method == "description" => {
            Err(rt.type_error(format!("Method Symbol.prototype.description called on incompatible receiver {}", describe(rt, &this))))
        }
        _ => Err(rt.type_error(format!("Symbol.prototype.{method} requires that 'this' be a Symbol"))),
    }
}

fn symbol_value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Symbol(this_symbol(rt, this, "valueOf")?))
}

fn symbol_to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let sym = this_symbol(rt, this, "toString")?;
    Ok(Value::String(rt.symbol_display(sym).into()))
}
