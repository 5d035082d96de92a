//! Host built-ins: the JavaScript library functions addons reach through Node-API and the global.
//!
//! Each takes `(runtime, this, args, new_target)`; `new_target` is set when called with `new`.
//! The chapters' files build on `coerce.rs` (what they share on their operands) and `define.rs`
//! (how a built-in is put on an object); this file, on top, installs them all.

mod array;
mod array_callbacks;
mod array_mutate;
mod bigint;
mod boolean;
mod buffer;
pub mod coerce;
pub mod collections;
mod date;
mod date_parse;
pub mod date_time;
mod define;
mod error;
pub mod function;
pub mod iterator;
mod json;
mod json_parse;
mod math;
mod node_globals;
mod number;
mod object;
mod object_define;
mod object_integrity;
mod object_own;
mod promise;
mod promise_combinators;
mod proxy;
mod reflect;
mod regexp;
mod string;
mod string_regexp;
mod symbol;
mod typed_array;
mod typed_array_methods;
pub mod weak;
mod weak_ref;

use super::realm::{Builder, Realm};
use super::value::Value;

/// Puts every built-in on the realm's intrinsics: what [`Realm::create`] is handed.
pub fn install(b: &mut Builder, realm: &Realm) {
    b.value(realm.global, "globalThis", Value::Object(realm.global));
    let object = object::install(b, realm);
    object_define::install(b, object);
    object_own::install(b, object);
    object_integrity::install(b, object);
    function::install(b, realm);
    array::install(b, realm);
    array_callbacks::install(b, realm);
    array_mutate::install(b, realm);
    reflect::install(b, realm);
    proxy::install(b, realm);
    error::install(b, realm);
    symbol::install(b, realm);
    boolean::install(b, realm);
    number::install(b, realm);
    bigint::install(b, realm);
    math::install(b, realm);
    string::install(b, realm);
    string_regexp::install(b, realm);
    regexp::install(b, realm);
    date::install(b, realm);
    json::install(b, realm);
    iterator::install(b, realm);
    collections::install(b, realm);
    weak::install(b, realm);
    weak_ref::install(b, realm);
    typed_array::install(b, realm);
    buffer::install(b, realm);
    typed_array_methods::install(b, realm);
    promise::install(b, realm);
    node_globals::install(b, realm);
}
