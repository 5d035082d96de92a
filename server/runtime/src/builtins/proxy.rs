//! `Proxy` and `Proxy.revocable`. The proxy objects' internal methods (the traps and their
//! invariants) are the runtime core's (proxy.rs), so every path into an object sees them.

use std::rc::Rc;

use super::super::object::{Callable, Function, ObjectClass};
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::arg;

pub fn install(b: &mut Builder, realm: &Realm) {
    let proxy = b.function("Proxy", 2, proxy_ctor);
    // A constructor without a `prototype` (V8's Proxy has none): marked as a class, which
    // is also how Python calls construct it.
    if let ObjectClass::Function(f) = &mut b.heap.obj_mut(proxy).class {
        f.is_class = true;
    }
    b.value(realm.global, "Proxy", Value::Object(proxy));
    b.method(proxy, "revocable", 2, revocable);
}

/// `ProxyCreate(target, handler)`.
fn create(rt: &Runtime, args: &[Value]) -> JsResult<ObjectId> {
    match (arg(args, 0), arg(args, 1)) {
        (Value::Object(target), Value::Object(handler)) => Ok(rt.new_proxy(target, handler)),
        _ => Err(rt.type_error("Cannot create proxy with a non-object as target or handler".into())),
    }
}

fn proxy_ctor(rt: &Runtime, _: Value, args: &[Value], new_target: Option<ObjectId>) -> JsResult<Value> {
    if new_target.is_none() {
        return Err(rt.type_error("Constructor Proxy requires 'new'".into()));
    }
    Ok(Value::Object(create(rt, args)?))
}

fn revocable(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let proxy = create(rt, args)?;
    let class =
        ObjectClass::Function(Function { callable: Callable::BuiltinWith(revoke, Rc::new(vec![Value::Object(proxy)])), is_class: false });
    let revoke_fn = rt.heap.borrow_mut().new_object(class, Some(rt.realm.function_prototype));
    {
        let mut heap = rt.heap.borrow_mut();
        let fixed = |v| Property { writable: false, ..Property::hidden(v) };
        heap.put(revoke_fn, PropertyKey::name("length"), fixed(Value::Number(0.0)));
        heap.put(revoke_fn, PropertyKey::name("name"), fixed(Value::str("")));
    }
    let out = rt.new_plain_object();
    rt.set(&Value::Object(out), PropertyKey::name("proxy"), Value::Object(proxy))?;
    rt.set(&Value::Object(out), PropertyKey::name("revoke"), Value::Object(revoke_fn))?;
    Ok(Value::Object(out))
}

/// The `revoke` function `Proxy.revocable` returns: revokes its proxy (again: nothing).
fn revoke(rt: &Runtime, captured: &[Value], _: Value, _: &[Value]) -> JsResult<Value> {
    if let Some(Value::Object(p)) = captured.first() {
        rt.revoke_proxy(*p);
    }
    Ok(Value::Undefined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{call, global, json, parse, runtime, thrown};

    #[test]
    fn a_proxy_without_traps_forwards_to_its_target() {
        // node: const t = {a: 1}, p = new Proxy(t, {}); p.b = 2;
        //       [p.a, 'b' in p, JSON.stringify(p), JSON.stringify(t)] -> [1, true, '{"a":1,"b":2}', same]
        let rt = runtime();
        let target = parse(&rt, r#"{"a": 1}"#);
        let p = rt.construct(&global(&rt, "Proxy"), &[target.clone(), parse(&rt, "{}")]).unwrap();
        assert!(rt.set_named(&p, "b", Value::Number(2.0)).unwrap());
        assert_eq!(json(&rt, &rt.get_named(&p, "a").unwrap()), "1");
        assert!(rt.has(p.as_object().unwrap(), &PropertyKey::name("b")).unwrap());
        assert_eq!(json(&rt, &p), r#"{"a":1,"b":2}"#);
        assert_eq!(json(&rt, &target), r#"{"a":1,"b":2}"#);
    }

    #[test]
    fn revoked_proxies_throw_v8s_message() {
        // node: const {proxy, revoke} = Proxy.revocable({}, {}); revoke(); proxy.x
        //       -> TypeError: Cannot perform 'get' on a proxy that has been revoked
        let rt = runtime();
        let pair = call(&rt, "Proxy.revocable", &[parse(&rt, "{}"), parse(&rt, "{}")]).unwrap();
        let p = rt.get_named(&pair, "proxy").unwrap();
        rt.call(&rt.get_named(&pair, "revoke").unwrap(), Value::Undefined, &[]).unwrap();
        assert_eq!(thrown(&rt, rt.get_named(&p, "x")), "TypeError: Cannot perform 'get' on a proxy that has been revoked");
        assert_eq!(thrown(&rt, call(&rt, "Proxy", &[parse(&rt, "{}"), parse(&rt, "{}")])), "TypeError: Constructor Proxy requires 'new'");
    }
}
