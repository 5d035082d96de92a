//! `Set` and `Map`: insertion-ordered tables keyed by SameValueZero.

use super::super::collections::{IterationKind, OrderedTable};
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, class_of, describe, require_callable};
use super::define::{getter, to_string_tag};
use super::iterator::{iterate, new_iterator};

/// Which of the two collections a method belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Set,
    Map,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Set => "Set",
            Kind::Map => "Map",
        }
    }
}

pub fn install(b: &mut Builder, realm: &Realm) {
    let set_proto = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.constructor(realm.global, "Set", 0, set_ctor, set_proto);
    b.method(set_proto, "has", 1, set_has);
    b.method(set_proto, "add", 1, set_add);
    b.method(set_proto, "delete", 1, set_delete);
    b.method(set_proto, "clear", 0, set_clear);
    b.method(set_proto, "entries", 0, set_entries);
    b.method(set_proto, "forEach", 1, set_for_each);
    getter(b, set_proto, "size", set_size);
    // `keys` and `[Symbol.iterator]` are the `values` function itself, as in V8.
    let values = b.method(set_proto, "values", 0, set_values);
    b.value(set_proto, "keys", Value::Object(values));
    b.heap.put(set_proto, PropertyKey::Symbol(realm.symbol_iterator), Property::hidden(Value::Object(values)));
    to_string_tag(b, realm, set_proto, "Set");

    let map_proto = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.constructor(realm.global, "Map", 0, map_ctor, map_proto);
    b.method(map_proto, "get", 1, map_get);
    b.method(map_proto, "set", 2, map_set);
    b.method(map_proto, "has", 1, map_has);
    b.method(map_proto, "delete", 1, map_delete);
    b.method(map_proto, "clear", 0, map_clear);
    let entries = b.method(map_proto, "entries", 0, map_entries);
    b.method(map_proto, "forEach", 1, map_for_each);
    b.method(map_proto, "keys", 0, map_keys);
    getter(b, map_proto, "size", map_size);
    b.method(map_proto, "values", 0, map_values);
    // Map.prototype[Symbol.iterator] is `entries`.
    b.heap.put(map_proto, PropertyKey::Symbol(realm.symbol_iterator), Property::hidden(Value::Object(entries)));
    to_string_tag(b, realm, map_proto, "Map");
}

/// The table of `this`, or V8's incompatible-receiver TypeError naming `method`.
fn table(rt: &Runtime, this: &Value, kind: Kind, method: &str) -> JsResult<(ObjectId, OrderedTable)> {
    match (class_of(rt, this), this) {
        (Some(ObjectClass::Set(t)), Value::Object(id)) if kind == Kind::Set => Ok((*id, t)),
        (Some(ObjectClass::Map(t)), Value::Object(id)) if kind == Kind::Map => Ok((*id, t)),
        _ => {
            Err(rt.type_error(format!("Method {}.prototype.{method} called on incompatible receiver {}", kind.name(), describe(rt, this))))
        }
    }
}

/// Changes the table of `this` in place (no clone: the heap borrow is held only for `f`, which
/// never calls into JS).
fn update<R>(rt: &Runtime, this: &Value, kind: Kind, method: &str, f: impl FnOnce(&mut OrderedTable) -> R) -> JsResult<R> {
    let (id, _) = table(rt, this, kind, method)?;
    let mut heap = rt.heap.borrow_mut();
    match &mut heap.obj_mut(id).class {
        ObjectClass::Set(t) | ObjectClass::Map(t) => Ok(f(t)),
        _ => unreachable!("checked by table()"),
    }
}

/// `new Set(iterable)` / `new Map(iterable)` (and the weak ones): an empty collection, then
/// `add`/`set` (looked up on the new object, as the spec does) for each value the iterable
/// yields; `entries` says whether each value is a `[key, value]` pair.
pub(super) fn construct_collection(
    rt: &Runtime,
    name: &str,
    class: ObjectClass,
    entries: bool,
    args: &[Value],
    new_target: Option<ObjectId>,
) -> JsResult<Value> {
    let Some(new_target) = new_target else {
        return Err(rt.type_error(format!("Constructor {name} requires 'new'")));
    };
    let proto = match rt.get_named(&Value::Object(new_target), "prototype")? {
        Value::Object(p) => p,
        _ => rt.realm.object_prototype,
    };
    let obj = Value::Object(rt.heap.borrow_mut().new_object(class, Some(proto)));
    let iterable = arg(args, 0);
    if iterable.is_nullish() {
        return Ok(obj);
    }
    let adder_name = if entries { "set" } else { "add" };
    let adder = rt.get_named(&obj, adder_name)?;
    if !rt.is_callable(&adder) {
        return Err(rt.type_error(format!(
            "'{}' returned for property '{adder_name}' of object '{}' is not a function",
            adder.to_display(rt),
            describe(rt, &obj)
        )));
    }
    iterate(rt, &iterable, |item| {
        let args = if entries {
            if !matches!(item, Value::Object(_)) {
                return Err(rt.type_error(format!("Iterator value {} is not an entry object", describe(rt, &item))));
            }
            vec![rt.get(&item, &PropertyKey::Index(0))?, rt.get(&item, &PropertyKey::Index(1))?]
        } else {
            vec![item]
        };
        rt.call(&adder, obj.clone(), &args).map(drop)
    })?;
    Ok(obj)
}

fn construct(rt: &Runtime, kind: Kind, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    let class = match kind {
        Kind::Set => ObjectClass::Set(OrderedTable::default()),
        Kind::Map => ObjectClass::Map(OrderedTable::default()),
    };
    construct_collection(rt, kind.name(), class, kind == Kind::Map, args, new_target)
}

/// `forEach(callback, thisArg)`: walks the live table, so entries added by the callback are
/// visited and deleted ones are not.
fn for_each(rt: &Runtime, this: &Value, kind: Kind, args: &[Value]) -> JsResult<Value> {
    table(rt, this, kind, "forEach")?;
    let callback = arg(args, 0);
    require_callable(rt, &callback)?;
    let mut slot = 0;
    loop {
        let Ok((_, t)) = table(rt, this, kind, "forEach") else { return Ok(Value::Undefined) };
        let Some((at, key, value)) = t.next_entry(slot) else { return Ok(Value::Undefined) };
        rt.call(&callback, arg(args, 1), &[value, key, this.clone()])?;
        slot = at + 1;
    }
}

fn iterator(rt: &Runtime, this: &Value, kind: Kind, iteration: IterationKind, method: &str) -> JsResult<Value> {
    let (id, _) = table(rt, this, kind, method)?;
    let proto = match kind {
        Kind::Set => rt.realm.set_iterator_prototype,
        Kind::Map => rt.realm.map_iterator_prototype,
    };
    Ok(new_iterator(rt, id, iteration, proto))
}

fn set_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct(rt, Kind::Set, args, nt)
}

fn set_has(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(table(rt, &this, Kind::Set, "has")?.1.has(&arg(args, 0))))
}

fn set_add(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let v = arg(args, 0);
    update(rt, &this, Kind::Set, "add", |t| t.insert(v.clone(), v))?;
    Ok(this)
}

fn set_delete(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    update(rt, &this, Kind::Set, "delete", |t| t.remove(&arg(args, 0))).map(Value::Bool)
}

fn set_clear(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    update(rt, &this, Kind::Set, "clear", OrderedTable::clear)?;
    Ok(Value::Undefined)
}

fn set_size(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Number(table(rt, &this, Kind::Set, "size")?.1.len() as f64))
}

fn set_for_each(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    for_each(rt, &this, Kind::Set, args)
}

fn set_values(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator(rt, &this, Kind::Set, IterationKind::Values, "values")
}

fn set_entries(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator(rt, &this, Kind::Set, IterationKind::Entries, "entries")
}

fn map_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    construct(rt, Kind::Map, args, nt)
}

fn map_get(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(table(rt, &this, Kind::Map, "get")?.1.get(&arg(args, 0)).unwrap_or(Value::Undefined))
}

fn map_set(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    update(rt, &this, Kind::Map, "set", |t| t.insert(arg(args, 0), arg(args, 1)))?;
    Ok(this)
}

fn map_has(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(table(rt, &this, Kind::Map, "has")?.1.has(&arg(args, 0))))
}

fn map_delete(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    update(rt, &this, Kind::Map, "delete", |t| t.remove(&arg(args, 0))).map(Value::Bool)
}

fn map_clear(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    update(rt, &this, Kind::Map, "clear", OrderedTable::clear)?;
    Ok(Value::Undefined)
}

fn map_size(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Number(table(rt, &this, Kind::Map, "size")?.1.len() as f64))
}

fn map_for_each(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    for_each(rt, &this, Kind::Map, args)
}

fn map_keys(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator(rt, &this, Kind::Map, IterationKind::Keys, "keys")
}

fn map_values(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator(rt, &this, Kind::Map, IterationKind::Values, "values")
}

fn map_entries(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    iterator(rt, &this, Kind::Map, IterationKind::Entries, "entries")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{builtin_function, global, json, method, parse, runtime, thrown};

    fn new_of(rt: &Runtime, ctor: &str, args: &[Value]) -> JsResult<Value> {
        rt.construct(&global(rt, ctor), args)
    }

    /// `JSON.stringify([...iterable])`.
    fn spread(rt: &Runtime, iterable: &Value) -> String {
        let mut items = Vec::new();
        iterate(rt, iterable, |v| {
            items.push(v);
            Ok(())
        })
        .unwrap();
        json(rt, &Value::Object(rt.new_array(items)))
    }

    fn size(rt: &Runtime, v: &Value) -> f64 {
        rt.to_number(&rt.get_named(v, "size").unwrap()).unwrap()
    }

    #[test]
    fn set_keys_are_same_value_zero_in_insertion_order() {
        // node: const s = new Set([1, 2, 2, NaN, NaN, 0, -0, "1"]); [s.size, [...s]] -> 5, [1,2,null,0,"1"]
        let rt = runtime();
        let items = vec![1.0, 2.0, 2.0, f64::NAN, f64::NAN, 0.0, -0.0].into_iter().map(Value::Number).chain([Value::str("1")]).collect();
        let s = new_of(&rt, "Set", &[Value::Object(rt.new_array(items))]).unwrap();
        assert_eq!(size(&rt, &s), 5.0);
        assert_eq!(spread(&rt, &s), r#"[1,2,null,0,"1"]"#);
        assert!(rt.to_boolean(&method(&rt, &s, "has", &[Value::Number(-0.0)]).unwrap()));
        assert!(rt.to_boolean(&method(&rt, &s, "delete", &[Value::Number(1.0)]).unwrap()));
        assert!(!rt.to_boolean(&method(&rt, &s, "delete", &[Value::Number(1.0)]).unwrap()));
        let added = method(&rt, &s, "add", &[Value::Number(7.0)]).unwrap();
        assert!(rt.strict_equals(&added, &s));
        assert_eq!(spread(&rt, &s), r#"[2,null,0,"1",7]"#);
        // Objects are keys by identity.
        let (a, b) = (parse(&rt, "{}"), parse(&rt, "{}"));
        method(&rt, &s, "add", std::slice::from_ref(&a)).unwrap();
        assert!(rt.to_boolean(&method(&rt, &s, "has", &[a]).unwrap()));
        assert!(!rt.to_boolean(&method(&rt, &s, "has", &[b]).unwrap()));
    }

    #[test]
    fn map_get_set_and_iteration_order() {
        // node: const m = new Map([[1,"a"],[NaN,"n"],[-0,"z"]]); m.get(NaN), m.get(0), m.size
        //   then m.set(1,"b") === m and [...m] -> [[1,"b"],[null,"n"],[0,"z"]]
        let rt = runtime();
        let pairs = vec![
            Value::Object(rt.new_array(vec![Value::Number(1.0), Value::str("a")])),
            Value::Object(rt.new_array(vec![Value::Number(f64::NAN), Value::str("n")])),
            Value::Object(rt.new_array(vec![Value::Number(-0.0), Value::str("z")])),
        ];
        let m = new_of(&rt, "Map", &[Value::Object(rt.new_array(pairs))]).unwrap();
        assert_eq!(json(&rt, &method(&rt, &m, "get", &[Value::Number(f64::NAN)]).unwrap()), r#""n""#);
        assert_eq!(json(&rt, &method(&rt, &m, "get", &[Value::Number(0.0)]).unwrap()), r#""z""#);
        assert!(matches!(method(&rt, &m, "get", &[Value::str("1")]).unwrap(), Value::Undefined));
        assert_eq!(size(&rt, &m), 3.0);
        assert!(rt.strict_equals(&method(&rt, &m, "set", &[Value::Number(1.0), Value::str("b")]).unwrap(), &m));
        assert_eq!(spread(&rt, &m), r#"[[1,"b"],[null,"n"],[0,"z"]]"#);
        assert_eq!(spread(&rt, &method(&rt, &m, "keys", &[]).unwrap()), "[1,null,0]");
        // node: Object.is([...m.keys()][2], 0) -> true: the -0 key was stored as +0.
        let mut last = Value::Undefined;
        iterate(&rt, &method(&rt, &m, "keys", &[]).unwrap(), |k| {
            last = k;
            Ok(())
        })
        .unwrap();
        assert!(matches!(last, Value::Number(n) if n == 0.0 && n.is_sign_positive()));
        assert_eq!(spread(&rt, &method(&rt, &m, "values", &[]).unwrap()), r#"["b","n","z"]"#);
        method(&rt, &m, "clear", &[]).unwrap();
        assert_eq!(size(&rt, &m), 0.0);
        // node: JSON.stringify(new Map([[1,2]])) -> {} ; Object.prototype.toString.call(new Map()) -> [object Map]
        assert_eq!(json(&rt, &m), "{}");
        let to_string = global(&rt, "Object.prototype.toString");
        assert_eq!(json(&rt, &rt.call(&to_string, m, &[]).unwrap()), r#""[object Map]""#);
    }

    #[test]
    fn iterators_see_live_changes() {
        // node: const s = new Set([1,2,3]); const it = s.values(); it.next(); s.delete(2); s.add(4); [...it] -> [3,4]
        let rt = runtime();
        let s = new_of(&rt, "Set", &[parse(&rt, "[1,2,3]")]).unwrap();
        let it = method(&rt, &s, "values", &[]).unwrap();
        method(&rt, &it, "next", &[]).unwrap();
        method(&rt, &s, "delete", &[Value::Number(2.0)]).unwrap();
        method(&rt, &s, "add", &[Value::Number(4.0)]).unwrap();
        assert_eq!(spread(&rt, &it), "[3,4]");
        // node: const s3 = new Set([1,2]); const it3 = s3.entries(); s3.clear(); s3.add(9); [...it3] -> [[9,9]]
        let s3 = new_of(&rt, "Set", &[parse(&rt, "[1,2]")]).unwrap();
        let it3 = method(&rt, &s3, "entries", &[]).unwrap();
        method(&rt, &s3, "clear", &[]).unwrap();
        method(&rt, &s3, "add", &[Value::Number(9.0)]).unwrap();
        assert_eq!(spread(&rt, &it3), "[[9,9]]");
    }

    #[test]
    fn for_each_visits_entries_added_during_the_walk() {
        // node: const s = new Set([1]); s.forEach(v => { if (v < 3) s.add(v + 1) }); [...s] -> [1,2,3]
        fn grow(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
            if let (Value::Number(n), set) = (arg(args, 0), arg(args, 2)) {
                if n < 3.0 {
                    method(rt, &set, "add", &[Value::Number(n + 1.0)])?;
                }
            }
            Ok(Value::Undefined)
        }
        let rt = runtime();
        let s = new_of(&rt, "Set", &[parse(&rt, "[1]")]).unwrap();
        method(&rt, &s, "forEach", &[builtin_function(&rt, grow)]).unwrap();
        assert_eq!(spread(&rt, &s), "[1,2,3]");
        assert_eq!(thrown(&rt, method(&rt, &s, "forEach", &[Value::Number(1.0)])), "TypeError: number 1 is not a function");
    }

    #[test]
    fn constructors_copy_other_collections() {
        // node: [...new Map(new Map([[1,2]])).entries()] -> [[1,2]]; [...new Set(new Set(["x"])).keys()] -> ["x"]
        let rt = runtime();
        let inner = new_of(&rt, "Map", &[parse(&rt, "[[1,2]]")]).unwrap();
        let copy = new_of(&rt, "Map", &[inner]).unwrap();
        assert_eq!(spread(&rt, &method(&rt, &copy, "entries", &[]).unwrap()), "[[1,2]]");
        let set = new_of(&rt, "Set", &[new_of(&rt, "Set", &[parse(&rt, r#"["x"]"#)]).unwrap()]).unwrap();
        assert_eq!(spread(&rt, &method(&rt, &set, "keys", &[]).unwrap()), r#"["x"]"#);
        assert_eq!(size(&rt, &new_of(&rt, "Set", &[Value::Undefined]).unwrap()), 0.0);
    }

    #[test]
    fn misuse_throws_v8_messages() {
        let rt = runtime();
        let cases = [
            (
                new_of(&rt, "Set", &[Value::Number(5.0)]),
                "TypeError: number 5 is not iterable (cannot read property Symbol(Symbol.iterator))",
            ),
            (new_of(&rt, "Set", &[parse(&rt, "{}")]), "TypeError: object is not iterable (cannot read property Symbol(Symbol.iterator))"),
            (new_of(&rt, "Map", &[parse(&rt, "[1]")]), "TypeError: Iterator value 1 is not an entry object"),
            (new_of(&rt, "Map", &[parse(&rt, "[[1,2],3]")]), "TypeError: Iterator value 3 is not an entry object"),
            (rt.call(&global(&rt, "Set"), Value::Undefined, &[]), "TypeError: Constructor Set requires 'new'"),
            (
                rt.call(&global(&rt, "Map.prototype.get"), parse(&rt, "{}"), &[]),
                "TypeError: Method Map.prototype.get called on incompatible receiver #<Object>",
            ),
            (
                rt.call(&global(&rt, "Set.prototype.add"), parse(&rt, "[]"), &[]),
                "TypeError: Method Set.prototype.add called on incompatible receiver [object Array]",
            ),
        ];
        for (result, expected) in cases {
            assert_eq!(thrown(&rt, result), expected);
        }
    }

    #[test]
    fn prototype_shape_matches_v8() {
        // node: Set.prototype.keys === Set.prototype.values, Map.prototype[Symbol.iterator] === Map.prototype.entries,
        //   Object.getOwnPropertyDescriptor(Set.prototype, "size").get.name === "get size"
        let rt = runtime();
        let iter = PropertyKey::Symbol(rt.realm.symbol_iterator);
        let set_proto = global(&rt, "Set.prototype");
        let values = rt.get_named(&set_proto, "values").unwrap();
        assert!(rt.strict_equals(&rt.get_named(&set_proto, "keys").unwrap(), &values));
        assert!(rt.strict_equals(&rt.get(&set_proto, &iter).unwrap(), &values));
        let map_proto = global(&rt, "Map.prototype");
        assert!(rt.strict_equals(&rt.get(&map_proto, &iter).unwrap(), &rt.get_named(&map_proto, "entries").unwrap()));
        let size = rt.get_own_property(set_proto.as_object().unwrap(), &PropertyKey::name("size")).unwrap().unwrap();
        let desc = Value::Object(rt.descriptor_object(&size));
        assert_eq!(json(&rt, &desc), r#"{"enumerable":false,"configurable":true}"#);
        assert_eq!(json(&rt, &rt.get_named(&rt.get_named(&desc, "get").unwrap(), "name").unwrap()), r#""get size""#);
        assert!(rt.get_named(&set_proto, "size").is_err());
    }
}
