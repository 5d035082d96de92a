//! `Promise`: present so addons that look it up (and feature tests of `typeof Promise.resolve`)
//! find functions, but every entry point throws until the host runs promise jobs.

use super::super::convert::ErrorKind;
use super::super::heap::ObjectId;
use super::super::object::ObjectClass;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::to_string_tag;

pub fn install(b: &mut Builder, realm: &Realm) {
    let proto = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    let promise = b.constructor(realm.global, "Promise", 1, unsupported, proto);
    for (name, length) in [("resolve", 1), ("reject", 1), ("all", 1), ("allSettled", 1), ("any", 1), ("race", 1)] {
        b.method(promise, name, length, unsupported);
    }
    for (name, length) in [("then", 2), ("catch", 1), ("finally", 1)] {
        b.method(proto, name, length, unsupported);
    }
    to_string_tag(b, realm, proto, "Promise");
}

fn unsupported(rt: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Err(rt.error(ErrorKind::Error, "napi-hostd does not support Promise yet".into()))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, global, runtime, thrown};

    #[test]
    fn promise_functions_exist_and_say_they_are_unsupported() {
        let rt = runtime();
        for path in ["Promise", "Promise.resolve", "Promise.prototype.then", "Promise.prototype.catch", "Promise.prototype.finally"] {
            assert_eq!(rt.typeof_string(&global(&rt, path)), "function", "{path}");
            assert_eq!(thrown(&rt, call(&rt, path, &[])), "Error: napi-hostd does not support Promise yet", "{path}");
        }
        assert_eq!(thrown(&rt, rt.construct(&global(&rt, "Promise"), &[])), "Error: napi-hostd does not support Promise yet");
    }
}
