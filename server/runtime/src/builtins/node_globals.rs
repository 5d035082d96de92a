//! node's globals that addons read: `process` (`versions`, `version`, `platform`, `arch`, `env`,
//! `pid`, `argv`, `execArgv`, `title`, `cwd()`, `nextTick`, `emitWarning`, `_rawDebug`,
//! `hrtime`, `hrtime.bigint`, `uptime`), the timers (`setTimeout`, `setInterval`, `setImmediate`
//! and their `clear*`, run by the host's event loop: see timers.rs) and `queueMicrotask`.

use std::io::Write;
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::super::bigint::BigInt;
use super::super::object::{noop, ObjectClass};
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::timers::Timer;
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, describe_operand};
use super::define::{symbol_method, to_string_tag};

/// Node 26.10.0's answers (the release `napi_get_node_version` reports), with `napi` the
/// Node-API version this host implements.
const VERSIONS: [(&str, &str); 6] =
    [("node", "26.10.0"), ("v8", "14.6.202.34-node.34"), ("uv", "1.52.1"), ("modules", "147"), ("napi", "10"), ("unicode", "17.0")];

pub fn install(b: &mut Builder, realm: &Realm) {
    let g = realm.global;
    let process = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.heap.put(g, PropertyKey::name("process"), Property::hidden(Value::Object(process)));
    let versions = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    for (k, v) in VERSIONS {
        b.heap.put(versions, PropertyKey::name(k), Property::data(Value::str(v)));
    }
    let data = |b: &mut Builder, k: &str, v: Value| b.heap.put(process, PropertyKey::name(k), Property::data(v));
    data(b, "versions", Value::Object(versions));
    data(b, "version", Value::str(&format!("v{}", VERSIONS[0].1)));
    data(b, "platform", Value::str(std::env::consts::OS));
    data(
        b,
        "arch",
        Value::str(if std::env::consts::ARCH == "x86_64" {
            "x64"
        } else if std::env::consts::ARCH == "aarch64" {
            "arm64"
        } else {
            std::env::consts::ARCH
        }),
    );
    data(b, "pid", Value::Number(f64::from(std::process::id())));
    let release = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    b.heap.put(release, PropertyKey::name("name"), Property::data(Value::str("node")));
    data(b, "release", Value::Object(release));
    let env = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    for (k, v) in std::env::vars_os() {
        if let (Some(k), Some(v)) = (k.to_str(), v.to_str()) {
            b.heap.put(env, PropertyKey::name(k), Property::data(Value::str(v)));
        }
    }
    data(b, "env", Value::Object(env));
    let argv = b.heap.new_object(ObjectClass::Array, Some(realm.array_prototype));
    let len = Property { enumerable: false, configurable: false, ..Property::data(Value::Number(0.0)) };
    b.heap.put(argv, PropertyKey::name("length"), len);
    data(b, "argv", Value::Object(argv));
    data(b, "title", Value::str("node"));
    let exec_argv = b.heap.new_object(ObjectClass::Array, Some(realm.array_prototype));
    let len = Property { enumerable: false, configurable: false, ..Property::data(Value::Number(0.0)) };
    b.heap.put(exec_argv, PropertyKey::name("length"), len);
    data(b, "execArgv", Value::Object(exec_argv));
    let _ = START.get_or_init(Instant::now);
    for (name, length, f) in [
        ("nextTick", 1, next_tick as super::super::object::BuiltinFn),
        ("cwd", 0, cwd),
        ("emitWarning", 1, emit_warning),
        ("_rawDebug", 0, raw_debug),
        ("hrtime", 1, hrtime),
        ("uptime", 0, uptime),
    ] {
        let func = b.function(name, length, f);
        data(b, name, Value::Object(func));
        if name == "hrtime" {
            b.method(func, "bigint", 0, hrtime_bigint);
        }
    }
    to_string_tag(b, realm, process, "process");

    let timeout_proto = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    let immediate_proto = b.heap.new_object(ObjectClass::Plain, Some(realm.object_prototype));
    for proto in [timeout_proto, immediate_proto] {
        b.method(proto, "ref", 0, timer_ref);
        b.method(proto, "unref", 0, timer_unref);
        b.method(proto, "hasRef", 0, timer_has_ref);
    }
    symbol_method(b, timeout_proto, realm.symbol_to_primitive, "[Symbol.toPrimitive]", 0, timer_id);
    let timeout_ctor = b.function("Timeout", 0, noop);
    b.value(timeout_proto, "constructor", Value::Object(timeout_ctor));
    b.heap.put(timeout_ctor, PropertyKey::name("prototype"), Property::hidden(Value::Object(timeout_proto)));
    let immediate_ctor = b.function("Immediate", 0, noop);
    b.value(immediate_proto, "constructor", Value::Object(immediate_ctor));
    b.heap.put(immediate_ctor, PropertyKey::name("prototype"), Property::hidden(Value::Object(immediate_proto)));
    // The prototypes are found again through the functions' `prototype`.
    let set_timeout = b.method(g, "setTimeout", 2, set_timeout);
    b.heap.put(set_timeout, PropertyKey::name("__proto_of_timer"), Property::hidden(Value::Object(timeout_proto)));
    let set_interval = b.method(g, "setInterval", 2, set_interval);
    b.heap.put(set_interval, PropertyKey::name("__proto_of_timer"), Property::hidden(Value::Object(timeout_proto)));
    let set_immediate = b.method(g, "setImmediate", 1, set_immediate);
    b.heap.put(set_immediate, PropertyKey::name("__proto_of_timer"), Property::hidden(Value::Object(immediate_proto)));
    b.method(g, "clearTimeout", 1, clear_timer);
    b.method(g, "clearInterval", 1, clear_timer);
    b.method(g, "clearImmediate", 1, clear_timer);
    b.method(g, "queueMicrotask", 1, queue_microtask);
}

fn callback(rt: &Runtime, v: &Value) -> JsResult<()> {
    if rt.is_callable(v) {
        return Ok(());
    }
    let e = rt.type_error(format!("The \"callback\" argument must be of type function. Received {}", describe_operand(rt, v)));
    if let Value::Object(id) = &e.0 {
        rt.heap.borrow_mut().put(*id, PropertyKey::name("code"), Property::data(Value::str("ERR_INVALID_ARG_TYPE")));
    }
    Err(e)
}

fn next_tick(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let f = arg(args, 0);
    callback(rt, &f)?;
    rt.ticks.borrow_mut().push_back((f, args.get(1..).unwrap_or(&[]).to_vec()));
    rt.microtask_queued();
    Ok(Value::Undefined)
}

fn cwd(_: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::String(std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default().into()))
}

/// `process.emitWarning(message)`: to the host's log, as node prints it to stderr.
fn emit_warning(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    tracing::warn!("(node) Warning: {}", rt.describe_thrown(&arg(args, 0)));
    Ok(Value::Undefined)
}

/// `process._rawDebug(...args)`: the arguments, joined by spaces, on a line of stderr, at once
/// (node's debugging channel, which aws-crt's init hands to a threadsafe function for its log).
fn raw_debug(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut line = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(&match a {
            Value::Object(_) => rt.describe_thrown(a),
            other => rt.to_string(other)?.to_rust_string(),
        });
    }
    line.push('\n');
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.flush();
    Ok(Value::Undefined)
}

/// When the host started: `process.uptime()` counts from it, and `hrtime()` too (node's origin
/// is arbitrary).
static START: OnceLock<Instant> = OnceLock::new();

fn since_start() -> Duration {
    START.get_or_init(Instant::now).elapsed()
}

/// `process.hrtime([previous])`: `[seconds, nanoseconds]`, less `previous` when given.
fn hrtime(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let now = since_start();
    let mut secs = now.as_secs() as f64;
    let mut nanos = f64::from(now.subsec_nanos());
    if let prev @ Value::Object(_) = arg(args, 0) {
        let ps = rt.to_number(&rt.get_named(&prev, "0")?)?;
        let pn = rt.to_number(&rt.get_named(&prev, "1")?)?;
        secs -= ps;
        nanos -= pn;
        if nanos < 0.0 {
            secs -= 1.0;
            nanos += 1e9;
        }
    }
    Ok(Value::Object(rt.new_array(vec![Value::Number(secs), Value::Number(nanos)])))
}

/// `process.hrtime.bigint()`: nanoseconds as a BigInt.
fn hrtime_bigint(_: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let ns = u64::try_from(since_start().as_nanos()).unwrap_or(u64::MAX);
    Ok(Value::BigInt(Rc::new(BigInt::from_u64(ns))))
}

/// `process.uptime()`: seconds since the host started.
fn uptime(_: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Number(since_start().as_secs_f64()))
}

fn queue_microtask(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let f = arg(args, 0);
    callback(rt, &f)?;
    rt.ticks.borrow_mut().push_back((f, Vec::new()));
    rt.microtask_queued();
    Ok(Value::Undefined)
}

/// The id a Timeout or Immediate object stands for (kept in a symbol-free hidden slot).
fn timer_of(rt: &Runtime, v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => Some(*n as u64),
        Value::Object(_) => match rt.get_named(v, "__timer_id").ok()? {
            Value::Number(n) => Some(n as u64),
            _ => None,
        },
        Value::String(s) => s.to_rust_string().parse().ok(),
        _ => None,
    }
}

fn make_timer(rt: &Runtime, args: &[Value], setter: &str, repeat: bool, immediate: bool) -> JsResult<Value> {
    let f = arg(args, 0);
    callback(rt, &f)?;
    let proto = match rt.get_named(&Value::Object(rt.realm.global), setter)? {
        Value::Object(s) => match rt.get_named(&Value::Object(s), "__proto_of_timer")? {
            Value::Object(p) => p,
            _ => rt.realm.object_prototype,
        },
        _ => rt.realm.object_prototype,
    };
    let object = rt.heap.borrow_mut().new_object(ObjectClass::Plain, Some(proto));
    let (delay, rest) = if immediate {
        (None, args.get(1..).unwrap_or(&[]))
    } else {
        // node: a delay that is not a number in 1..2^31-1 ms is 1 ms.
        let ms = rt.to_number(&arg(args, 1))?;
        let ms = if (1.0..=2147483647.0).contains(&ms) { ms.trunc() } else { 1.0 };
        (Some(Duration::from_millis(ms as u64)), args.get(2..).unwrap_or(&[]))
    };
    let timer = Timer { callback: f, args: rest.to_vec(), repeat: if repeat { delay } else { None }, object, referenced: true };
    let id = rt.add_timer(timer, delay);
    rt.heap.borrow_mut().put(
        object,
        PropertyKey::name("__timer_id"),
        Property { enumerable: false, ..Property::hidden(Value::Number(id as f64)) },
    );
    Ok(Value::Object(object))
}

fn set_timeout(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    make_timer(rt, args, "setTimeout", false, false)
}

fn set_interval(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    make_timer(rt, args, "setInterval", true, false)
}

fn set_immediate(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    make_timer(rt, args, "setImmediate", false, true)
}

fn clear_timer(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if let Some(id) = timer_of(rt, &arg(args, 0)) {
        rt.clear_timer(id);
    }
    Ok(Value::Undefined)
}

fn timer_ref(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if let Some(id) = timer_of(rt, &this) {
        rt.ref_timer(id, true);
    }
    Ok(this)
}

fn timer_unref(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if let Some(id) = timer_of(rt, &this) {
        rt.ref_timer(id, false);
    }
    Ok(this)
}

fn timer_has_ref(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(timer_of(rt, &this).is_some_and(|id| rt.timer_referenced(id))))
}

fn timer_id(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(timer_of(rt, &this).map_or(Value::Undefined, |id| Value::Number(id as f64)))
}
