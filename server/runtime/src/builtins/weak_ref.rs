//! `WeakRef` (`deref`) and `FinalizationRegistry` (`register`, `unregister`): references the
//! collector does not follow. A registry's cleanup callback is called with the held value of
//! each registered target the collector freed, after the collection, from the job queue.

use std::cell::RefCell;
use std::rc::Rc;

use super::super::collections::{RegistryCell, RegistryCells};
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg, class_of, describe, held_weakly_as};
use super::define::to_string_tag;

pub fn install(b: &mut Builder, realm: &Realm) {
    let weak_ref = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.constructor(realm.global, "WeakRef", 1, weak_ref_ctor, weak_ref);
    b.method(weak_ref, "deref", 0, deref);
    to_string_tag(b, realm, weak_ref, "WeakRef");
    let registry = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.constructor(realm.global, "FinalizationRegistry", 1, registry_ctor, registry);
    b.method(registry, "register", 2, register);
    b.method(registry, "unregister", 1, unregister);
    to_string_tag(b, realm, registry, "FinalizationRegistry");
}

fn weak_ref_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let Some(nt) = nt else { return Err(rt.type_error("Constructor WeakRef requires 'new'".into())) };
    let Some(target) = held_weakly_as(rt, &arg(args, 0)) else {
        return Err(rt.type_error("WeakRef: invalid target".into()));
    };
    let id = rt.heap.borrow_mut().new_object(ObjectClass::WeakRef(Some(target)), None);
    adopt_prototype(rt, id, nt)?;
    Ok(Value::Object(id))
}

fn deref(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    match class_of(rt, &this) {
        Some(ObjectClass::WeakRef(target)) => Ok(match target {
            Some(t) if matches!(class_of(rt, &Value::Object(t)), Some(ObjectClass::Symbol { .. })) => Value::Symbol(t),
            Some(t) => Value::Object(t),
            None => Value::Undefined,
        }),
        _ => Err(rt.type_error(format!("Method WeakRef.prototype.deref called on incompatible receiver {}", describe(rt, &this)))),
    }
}

fn registry_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let Some(nt) = nt else { return Err(rt.type_error("Constructor FinalizationRegistry requires 'new'".into())) };
    let cleanup = arg(args, 0);
    if !rt.is_callable(&cleanup) {
        return Err(rt.type_error("FinalizationRegistry: cleanup must be callable".into()));
    }
    let cells = RegistryCells { cells: Vec::new(), cleanup: cleanup.as_object() };
    let id = rt.heap.borrow_mut().new_object(ObjectClass::FinalizationRegistry(Rc::new(RefCell::new(cells))), None);
    adopt_prototype(rt, id, nt)?;
    Ok(Value::Object(id))
}

fn cells_of(rt: &Runtime, this: &Value, method: &str) -> JsResult<Rc<RefCell<RegistryCells>>> {
    match class_of(rt, this) {
        Some(ObjectClass::FinalizationRegistry(r)) => Ok(r),
        _ => Err(
            rt.type_error(format!("Method FinalizationRegistry.prototype.{method} called on incompatible receiver {}", describe(rt, this)))
        ),
    }
}

fn register(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let cells = cells_of(rt, &this, "register")?;
    let Some(target) = held_weakly_as(rt, &arg(args, 0)) else {
        return Err(rt.type_error("FinalizationRegistry.prototype.register: invalid target".into()));
    };
    let held = arg(args, 1);
    if rt.strict_equals(&arg(args, 0), &held) {
        return Err(rt.type_error("FinalizationRegistry.prototype.register: target and holdings must not be same".into()));
    }
    let token = match arg(args, 2) {
        Value::Undefined => None,
        t => match held_weakly_as(rt, &t) {
            Some(t) => Some(t),
            None => {
                return Err(rt.type_error(format!("FinalizationRegistry.prototype.register: invalid unregister token {}", describe(rt, &t))))
            }
        },
    };
    cells.borrow_mut().cells.push(RegistryCell { target, held, token });
    Ok(Value::Undefined)
}

fn unregister(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let cells = cells_of(rt, &this, "unregister")?;
    let Some(token) = held_weakly_as(rt, &arg(args, 0)) else {
        return Err(rt.type_error(format!("Invalid unregisterToken ('{}')", arg(args, 0).to_display(rt))));
    };
    let mut cells = cells.borrow_mut();
    let before = cells.cells.len();
    cells.cells.retain(|c| c.token != Some(token));
    Ok(Value::Bool(cells.cells.len() != before))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{global, method, runtime};

    #[test]
    fn a_collection_empties_weak_refs_and_queues_cleanups_for_dead_targets_only() {
        let rt = runtime();
        let new_of = |ctor: &str, args: &[Value]| rt.construct(&global(&rt, ctor), args).unwrap();
        let (kept, dropped) = (rt.new_plain_object(), rt.new_plain_object());
        let (to_kept, to_dropped) = (new_of("WeakRef", &[Value::Object(kept)]), new_of("WeakRef", &[Value::Object(dropped)]));
        let cleanup = global(&rt, "Object");
        let registry = new_of("FinalizationRegistry", std::slice::from_ref(&cleanup));
        // The kept target's cell has the dropped object as its token: the cell stays, its token goes.
        method(&rt, &registry, "register", &[Value::Object(kept), Value::str("kept"), Value::Object(dropped)]).unwrap();
        method(&rt, &registry, "register", &[Value::Object(dropped), Value::str("dropped")]).unwrap();
        let holders = [&to_kept, &to_dropped, &registry, &cleanup].map(|v| v.as_object().unwrap());
        let collected = rt.collect(&[holders.as_slice(), &[kept]].concat(), || {});
        assert!(collected.freed.contains(&dropped));
        assert!(rt.strict_equals(&method(&rt, &to_kept, "deref", &[]).unwrap(), &Value::Object(kept)));
        assert!(matches!(method(&rt, &to_dropped, "deref", &[]).unwrap(), Value::Undefined));
        let Some(ObjectClass::FinalizationRegistry(cells)) = super::super::coerce::class_of(&rt, &registry) else { panic!("a registry") };
        let cells = &cells.borrow().cells;
        assert_eq!((cells.len(), cells[0].target, cells[0].token), (1, kept, None));
        let ticks = rt.ticks.borrow();
        assert_eq!(ticks.len(), 1, "one cleanup queued, for the dropped target");
        assert!(rt.strict_equals(&ticks[0].0, &cleanup) && rt.strict_equals(&ticks[0].1[0], &Value::str("dropped")));
    }
}
