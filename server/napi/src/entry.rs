//! The way into every Node-API function: find the env, clear the last error, run the body with
//! panics caught (never unwind into C), record the status, and, for functions that may run
//! JavaScript, refuse to start while an exception is pending and turn a throw into
//! `napi_pending_exception` (Node's `NAPI_PREAMBLE`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::pointers::Out;
pub use super::result::{fail, Fail, NapiResult, OrStatus};
use super::types::*;
use napi_link::panics::panic_message;
use napi_runtime::env::EnvSlot;
use napi_runtime::object::Callable;
use napi_runtime::{Env, EnvId, ObjectId, Runtime, Value};

/// The runtime and env of the current call, borrowed for it.
pub struct Cx<'a> {
    pub rt: &'a Runtime,
    pub env: &'a Env,
}

/// The `napi_env` handle of `rt`'s env `id`: the address of its `EnvSlot`, which leads back to
/// both (null for an env `rt` does not have, which every call refuses).
pub fn env_handle(rt: &Runtime, id: EnvId) -> napi_env {
    rt.env(id).map_or(std::ptr::null(), Env::handle).cast_mut().cast()
}

/// Runs `f` with the env behind `env`, if this thread has entered its runtime.
pub fn with_env<R>(env: napi_env, f: impl FnOnce(&Env) -> R) -> Option<R> {
    // SAFETY: an addon passes the env it was given, or null (Node-API's contract).
    unsafe { EnvSlot::with_entered(env.cast_const().cast(), |found| found.map(|(_, env)| f(env))) }
}

/// The status a body's result answers, recorded as the env's last error. A throw (from JS, or
/// a conversion in a plain function) becomes the pending exception.
#[inline(always)]
fn settle(cx: &Cx<'_>, result: NapiResult) -> napi_status {
    match result {
        Ok(()) => status::OK,
        Err(fail) => settle_failure(cx, fail),
    }
}

#[cold]
fn settle_failure(cx: &Cx<'_>, fail: Fail) -> napi_status {
    let (s, message) = match fail {
        Fail::Status(s) => (s, None),
        Fail::Message(s, m) => (s, Some(m)),
        Fail::Thrown(v) => {
            cx.rt.throw(v);
            (status::PENDING_EXCEPTION, None)
        }
    };
    cx.env.set_last_error(s, message);
    s
}

/// Runs `body` with panics caught. Only the status comes out of `catch_unwind`: a whole
/// `NapiResult` came out through memory, written in pieces and read back whole, a
/// store-forwarding stall on every Node-API call (D49).
fn run<B: FnOnce(&Cx<'_>) -> NapiResult>(name: &'static str, cx: &Cx<'_>, body: B) -> napi_status {
    // A span per call only when tracing at that level: even a disabled span costs a few
    // dozen instructions, on every Node-API call.
    let mut span = None;
    let body = if tracing::level_enabled!(tracing::Level::TRACE) { traced_keeping(name, &mut span, body) } else { body };
    let status = match catch_unwind(AssertUnwindSafe(|| settle(cx, body(cx)))) {
        Ok(s) => s,
        Err(panic) => settle_failure(cx, internal_error(name, panic)),
    };
    // Dropped only when there is one: the drop of an empty `Option` was a call of its own.
    if let Some(span) = span {
        drop(span);
    }
    status
}

/// Starts the call's span in `span` and hands `body` back. A body of two words or less (its
/// captures: the function's arguments, which the Node-API functions' closures take by value)
/// goes through the call and back in registers, so that none of it lives across the call:
/// what lives across a call is kept in a callee-saved register, saved and restored by every
/// call of the function, though only tracing makes this one. A larger body would go through
/// the stack, and its every capture with it on the common way too: it stays where it is.
#[inline(always)]
fn traced_keeping<B>(name: &'static str, span: &mut Option<tracing::span::EnteredSpan>, body: B) -> B {
    if size_of::<B>() <= 2 * size_of::<usize>() {
        traced_passing(name, span, body)
    } else {
        *span = Some(traced(name));
        body
    }
}

#[cold]
#[inline(never)]
fn traced_passing<B>(name: &'static str, span: &mut Option<tracing::span::EnteredSpan>, body: B) -> B {
    *span = Some(traced(name));
    body
}

// The span and the panic report are out of line and cold: inlined into each of the Node-API
// functions, their code was most of each one, and spread its few hot instructions over more
// cache lines than the call itself needs.
#[cold]
#[inline(never)]
fn traced(name: &'static str) -> tracing::span::EnteredSpan {
    tracing::trace_span!("napi", call = name).entered()
}

#[cold]
#[inline(never)]
fn internal_error(name: &'static str, panic: Box<dyn std::any::Any + Send>) -> Fail {
    let what = panic_message(&*panic);
    tracing::error!(call = name, "internal error: {what}");
    Fail::Message(status::GENERIC_FAILURE, format!("internal error in napi-hostd during {name}: {what}"))
}

/// The plain form (`CHECK_ENV`): for functions that cannot run JavaScript; they work while an
/// exception is pending. The Node-API functions' bodies are `move` closures: a body that
/// borrowed its arguments would need them in memory once it is passed out of line
/// (`traced_keeping`).
pub fn plain(env: napi_env, name: &'static str, body: impl FnOnce(&Cx<'_>) -> NapiResult) -> napi_status {
    enter(env, name, false, body)
}

/// The full form (`NAPI_PREAMBLE`): for functions that may run JavaScript; they refuse to start
/// while an exception is pending.
pub fn js(env: napi_env, name: &'static str, body: impl FnOnce(&Cx<'_>) -> NapiResult) -> napi_status {
    enter(env, name, true, body)
}

/// What Node does when a basic finalizer of an experimental-version module calls a function
/// that may affect GC state (one that may run JavaScript, or creates a value): a fatal error.
/// Reference bookkeeping (`napi_delete_reference`, `napi_reference_unref`...) stays allowed, as
/// the finalizers of Node's own tests rely on.
fn check_gc_access(rt: &Runtime, env: &Env, name: &str, may_run_js: bool) {
    // The flag first: the name comparisons would otherwise cost every call.
    if !rt.in_gc_finalizer() || env.module_version != napi_runtime::env::EXPERIMENTAL_VERSION {
        return;
    }
    let affects_gc =
        may_run_js || name.starts_with("napi_create_") || name.starts_with("node_api_create_") || name == "node_api_symbol_for";
    if affects_gc {
        let message = "Finalizer is calling a function that may affect GC state.\n\
            The finalizers are run directly from GC and must not affect GC state.\n\
            Use `node_api_post_finalizer` from inside of the finalizer to work around this issue.\n\
            It schedules the call as a new task in the event loop.";
        eprintln!("FATAL ERROR: {message}");
        std::process::abort();
    }
}

fn enter(env: napi_env, name: &'static str, may_run_js: bool, body: impl FnOnce(&Cx<'_>) -> NapiResult) -> napi_status {
    // SAFETY: an addon passes the env it was given, or null (Node-API's contract).
    unsafe {
        EnvSlot::with_entered(env.cast_const().cast(), |found| match found {
            Some((rt, env)) => enter_env(rt, env, name, may_run_js, body),
            None => status::INVALID_ARG,
        })
    }
}

fn enter_env(rt: &Runtime, env: &Env, name: &'static str, may_run_js: bool, body: impl FnOnce(&Cx<'_>) -> NapiResult) -> napi_status {
    check_gc_access(rt, env, name, may_run_js);
    if may_run_js && !rt.can_call_js() {
        let s = if env.at_least(10) { status::CANNOT_RUN_JS } else { status::PENDING_EXCEPTION };
        env.set_last_error(s, None);
        return s;
    }
    if may_run_js && rt.is_exception_pending() {
        env.set_last_error(status::PENDING_EXCEPTION, None);
        return status::PENDING_EXCEPTION;
    }
    env.clear_last_error();
    run(name, &Cx { rt, env }, body)
}

impl Cx<'_> {
    /// The value behind a `napi_value`; null or a handle outside the live scopes is
    /// `napi_invalid_arg`.
    // Inlined, as `handle` and `ret`: a value handed to a function by reference is read back
    // in wider loads than it was written with, and the store-forwarding stall that makes was
    // the largest single cost of a Node-API call here (perf).
    #[inline(always)]
    pub fn value(&self, v: napi_value) -> NapiResult<Value> {
        // Copied as words when it owns no memory (`copy_of`): a clone went through a jump on
        // its kind (a receiver of `napi_call_function`, on every call).
        match self.rt.handles().copy_of(v as usize) {
            Some(value) => Ok(value),
            None => fail(status::INVALID_ARG),
        }
    }

    /// A new handle for `v` in the innermost scope.
    #[inline(always)]
    pub fn handle(&self, v: Value) -> napi_value {
        self.rt.handles_mut().push(v) as napi_value
    }

    /// Creates a handle for `v` and writes it to `result`.
    #[inline(always)]
    pub fn ret(&self, result: Out<napi_value>, v: Value) -> NapiResult {
        self.ret_with(result, move || v)
    }

    /// `ret` of the value `make` makes, made in its handle's slot (`HandleStack::push_with`):
    /// for the scalars that functions like `napi_create_double` make on every call.
    #[inline(always)]
    pub fn ret_with(&self, result: Out<napi_value>, make: impl FnOnce() -> Value) -> NapiResult {
        let slot = result.required()?;
        slot.write(self.rt.handles_mut().push_with(make) as napi_value);
        Ok(())
    }

    /// An object argument (`napi_object_expected` for anything else, functions included as
    /// objects).
    pub fn object(&self, v: napi_value) -> NapiResult<ObjectId> {
        match self.value(v)? {
            Value::Object(id) => Ok(id),
            _ => fail(status::OBJECT_EXPECTED),
        }
    }

    /// Node's `CHECK_TO_OBJECT`: primitives are wrapped; null and undefined are
    /// `napi_object_expected` and leave V8's TypeError pending, as in Node.
    pub fn to_object(&self, v: napi_value) -> NapiResult<ObjectId> {
        // An object, nearly always: its id read where its handle holds it. A copy of the value
        // first (`value`), written in pieces and read back whole, stalled the load that tested
        // its kind (store forwarding; a twentieth of `makeObject16`'s time).
        if let Some(Value::Object(id)) = self.rt.handles().get(v as usize) {
            return Ok(*id);
        }
        let value = self.value(v)?;
        match self.rt.to_object(&value) {
            Some(id) => Ok(id),
            None => {
                let e = self.rt.new_error(
                    napi_runtime::convert::ErrorKind::TypeError,
                    "Cannot convert undefined or null to object".into(),
                    None,
                );
                self.rt.throw(Value::Object(e));
                fail(status::OBJECT_EXPECTED)
            }
        }
    }

    /// A function argument to call or construct: Node's `CHECK_TO_FUNCTION` answers
    /// `napi_invalid_arg` for anything else.
    // Inlined and read where the handle's value lies (`Runtime::callable_at`): out of line, with
    // the value cloned and tested by a counted borrow of the heap, it was 67 instructions of
    // each `napi_call_function`, its answer written through memory and read back.
    #[inline(always)]
    pub fn function(&self, v: napi_value) -> NapiResult<Value> {
        match self.rt.callable_at(v as usize) {
            Some(Some(id)) => Ok(Value::Object(id)),
            _ => fail(status::INVALID_ARG),
        }
    }

    /// What calling a function argument runs (`napi_invalid_arg` for anything else, as
    /// [`Cx::function`]), for `Runtime::call_found`: found in the look that tests it.
    #[inline(always)]
    pub fn callable(&self, v: napi_value) -> NapiResult<Callable> {
        match self.rt.call_target_at(v as usize) {
            Some(Some(callable)) => Ok(callable),
            _ => fail(status::INVALID_ARG),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;

    use std::sync::{Arc, Mutex};

    use super::super::pointers::Out;
    use super::super::values::{napi_create_double, napi_create_int32, napi_get_value_int32};
    use super::*;

    /// `napi_create_int32` with `env` on this thread: its status.
    fn create_int32(env: usize) -> napi_status {
        let mut handle: napi_value = std::ptr::null_mut();
        // SAFETY: `env` is null or a handle `env_handle` gave; the out-pointer is a live local.
        unsafe { napi_create_int32(env as napi_env, 7, Out::from_raw(&mut handle)) }
    }

    #[test]
    fn a_call_is_served_only_on_a_thread_inside_the_envs_runtime_and_never_after_its_end() {
        let rt = super::super::layer::new_runtime();
        let id = rt.add_env(8, CString::new("file:///test.node").unwrap());
        let env = env_handle(&rt, id) as usize;
        assert_eq!(create_int32(env), status::INVALID_ARG, "no thread has entered the runtime");
        assert_eq!(create_int32(0), status::INVALID_ARG, "a null env");
        {
            let _entered = Runtime::enter(&rt);
            let handles = rt.handles_mut().open(false);
            assert_eq!(create_int32(env), status::OK);
            let elsewhere = std::thread::spawn(move || create_int32(env)).join().unwrap();
            assert_eq!(elsewhere, status::INVALID_ARG, "a thread that has not entered it");
            rt.handles_mut().close(handles).unwrap();
        }
        assert_eq!(create_int32(env), status::INVALID_ARG, "left");
        drop(rt);
        assert_eq!(create_int32(env), status::INVALID_ARG, "after the runtime's end");
    }

    /// What a subscriber saw of spans, in order.
    #[derive(Clone, Default)]
    struct SpanLog(Arc<Mutex<Vec<String>>>);

    impl SpanLog {
        fn push(&self, line: String) {
            self.0.lock().unwrap().push(line);
        }
    }

    /// The `call` field of a span, as `Debug` shows it.
    struct CallField(String);

    impl tracing::field::Visit for CallField {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            if field.name() == "call" {
                self.0 = format!("{value:?}");
            }
        }
    }

    impl tracing::Subscriber for SpanLog {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            let mut call = CallField(String::new());
            span.record(&mut call);
            let mut lines = self.0.lock().unwrap();
            lines.push(format!("new {} {}", span.metadata().name(), call.0));
            tracing::span::Id::from_u64(lines.len() as u64)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, span: &tracing::span::Id) {
            self.push(format!("enter {}", span.into_u64()));
        }
        fn exit(&self, span: &tracing::span::Id) {
            self.push(format!("exit {}", span.into_u64()));
        }
    }

    /// While tracing at `TRACE`, each call is a `napi` span naming the function, entered for the
    /// call and left at its end, failed calls too; and the call still sees its arguments (the
    /// span starts out of line, before the body reads them, which a small body passes through)
    /// and records its status; a getter still converts as it should.
    #[test]
    fn a_traced_call_is_a_span_around_it_and_keeps_its_arguments() {
        let rt = super::super::layer::new_runtime();
        let id = rt.add_env(8, CString::new("file:///test.node").unwrap());
        let env = env_handle(&rt, id);
        let _entered = Runtime::enter(&rt);
        let handles = rt.handles_mut().open(false);
        let log = SpanLog::default();
        let value = std::hint::black_box(2.5);
        let mut recorded = status::OK;
        let (made, failed, handle, read, int) = tracing::subscriber::with_default(log.clone(), || {
            let mut handle: napi_value = std::ptr::null_mut();
            let mut int = 0;
            // SAFETY: `env` is this thread's runtime's env; the out-pointers are live locals, or
            // null, which the call refuses.
            unsafe {
                let made = napi_create_double(env, value, Out::from_raw(&mut handle));
                let failed = napi_create_double(env, value, Out::from_raw(std::ptr::null_mut()));
                recorded = rt.env(id).unwrap().last_status.get();
                let read = napi_get_value_int32(env, handle, Out::from_raw(&mut int));
                (made, failed, handle, read, int)
            }
        });
        assert_eq!((made, failed, read), (status::OK, status::INVALID_ARG, status::OK));
        assert!(matches!(rt.handles().get(handle as usize), Some(Value::Number(n)) if *n == value));
        assert_eq!(recorded, status::INVALID_ARG, "the failure recorded");
        assert_eq!(int, value as i32, "the int32 getter's conversion, as untraced");
        let call = "\"napi_create_double\"";
        let read = "\"napi_get_value_int32\"";
        let expected = [
            format!("new napi {call}"),
            "enter 1".into(),
            "exit 1".into(),
            format!("new napi {call}"),
            "enter 4".into(),
            "exit 4".into(),
            format!("new napi {read}"),
            "enter 7".into(),
            "exit 7".into(),
        ];
        assert_eq!(*log.0.lock().unwrap(), expected);
        rt.handles_mut().close(handles).unwrap();
    }
}
