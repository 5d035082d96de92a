//! The value heap and JavaScript semantics, in safe Rust.
//!
//! One [`Runtime`] lives on the JS thread. Node-API functions (in `crate::napi`) reach it through
//! [`Runtime::current`]; the dispatcher reaches it when it serves a client request. Nothing here
//! holds a `RefCell` borrow across a call into native code, a built-in or Python, so those may
//! re-enter the runtime freely.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod access;
pub mod arrays;
pub mod bigint;
pub mod builtins;
pub mod call;
pub mod collections;
pub mod convert;
pub mod descriptor;
pub mod env;
pub mod events;
pub mod gc;
pub mod handles;
pub mod heap;
pub mod missing;
pub mod native;
pub mod number;
pub mod object;
pub mod promise;
pub mod property;
pub mod proxy;
pub mod realm;
pub mod recent;
pub mod references;
pub mod regexp;
pub mod shm;
pub mod string;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timers;
pub mod typed_elements;
pub mod value;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use env::{Env, EnvId};
pub use heap::{Heap, ObjectId};
pub use native::NativeFn;
pub use string::JsString;
pub use value::{Type, Value};

use handles::HandleStack;
use native::{Callback, Finalize};
use realm::Realm;
use references::RefTable;

/// A JS exception on its way up: the thrown value.
#[derive(Clone, Debug)]
pub struct Thrown(pub Value);

pub type JsResult<T> = Result<T, Thrown>;

impl Runtime {
    /// "Name: message" for an error, the string form for anything else; never runs JS.
    pub fn describe_thrown(&self, v: &Value) -> String {
        if self.is_error(v) {
            let part = |k: &str| match self.get_named(v, k) {
                Ok(Value::String(s)) => s.to_rust_string(),
                _ => String::new(),
            };
            format!("{}: {}", part("name"), part("message"))
        } else {
            v.to_display(self)
        }
    }
}

/// What the runtime needs from the Node-API layer above it: running an addon's native code.
/// That layer (`napi_functions`) hands one to [`Runtime::new`] and keeps its own per-runtime
/// state in it, which it finds again through [`Runtime::native`].
pub trait Native: std::any::Any {
    /// Calls the native callback `cb` of env `env`, with the frame [`Runtime`] just pushed (its
    /// receiver, arguments and data).
    fn invoke(&self, rt: &Runtime, env: EnvId, cb: NativeFn<Callback>) -> JsResult<Value>;

    /// Calls the finalizer `cb` of env `env` for `data` with `hint`.
    fn finalize(&self, rt: &Runtime, env: EnvId, cb: NativeFn<Finalize>, data: usize, hint: usize);
}

/// A runtime that runs no native code (the runtime's own tests).
pub struct NoNative;

impl Native for NoNative {
    fn invoke(&self, rt: &Runtime, _: EnvId, _: NativeFn<Callback>) -> JsResult<Value> {
        Err(rt.error(convert::ErrorKind::Error, "this runtime runs no native code".into()))
    }

    fn finalize(&self, _: &Runtime, _: EnvId, _: NativeFn<Finalize>, _: usize, _: usize) {}
}

/// What the runtime needs from the world outside it: calls into Python objects.
pub trait Outside {
    /// Calls the Python object `func` with `this` and `args`; a Python exception comes back as a
    /// thrown JS value.
    fn call_python(&self, rt: &Runtime, func: u64, this: Value, args: Vec<Value>) -> JsResult<Value>;

    /// An exception nothing caught: thrown by an async-work `complete` or a threadsafe
    /// function's `call_js_cb` (Node's `uncaughtException`). The host passes it to Python.
    fn uncaught(&self, rt: &Runtime, value: Value) {
        tracing::warn!("uncaught exception: {}", rt.describe_thrown(&value));
    }

    /// A promise the client subscribed to (`subscription`) settled.
    fn promise_settled(&self, rt: &Runtime, subscription: u64, fulfilled: bool, value: Value) {
        let _ = (rt, subscription, fulfilled, value);
    }
}

/// The arguments of the native callback being run, for `napi_get_cb_info`.
pub struct CallFrame {
    pub this: Value,
    pub args: Vec<Value>,
    pub new_target: Option<ObjectId>,
    pub data: usize,
}

pub struct Runtime {
    pub heap: RefCell<Heap>,
    pub realm: Realm,
    pub handles: RefCell<HandleStack>,
    pub pending_exception: RefCell<Option<Value>>,
    /// Only ever added to: the Node-API entry borrows an env for as long as its runtime
    /// (`napi::entry::env_of`).
    pub envs: RefCell<Vec<Rc<Env>>>,
    pub refs: RefCell<RefTable>,
    pub frames: RefCell<Vec<CallFrame>>,
    /// The argument vector of the last native call, emptied, for the next: an allocation and
    /// a free were a tenth of an in-process call (`args_vec`).
    spare_args: RefCell<Vec<Value>>,
    pub outside: RefCell<Option<Rc<dyn Outside>>>,
    /// `Symbol.for` registry.
    pub symbol_registry: RefCell<HashMap<JsString, ObjectId>>,
    /// Python objects the client sent, by client id, so one Python object is one JS object.
    pub remote_objects: RefCell<FxHashMap<u64, ObjectId>>,
    /// JS errors standing for Python exceptions raised in callbacks, with the exception's id
    /// (each also in `remote_objects`, so one exception is one error): the very exception goes
    /// back to Python when its error does, thrown or returned.
    pub python_errors: RefCell<FxHashMap<ObjectId, u64>>,
    /// How many times each Python object id was received, until the client says it forgot it:
    /// a drop notice carries the count so a send still in flight keeps the object alive.
    pub remote_sends: RefCell<FxHashMap<u64, u64>>,
    /// `setTimeout`/`setInterval`/`setImmediate` (see timers.rs).
    pub timers: timers::Timers,
    /// `process.nextTick` callbacks with their arguments, run before promise jobs.
    pub ticks: RefCell<std::collections::VecDeque<(Value, Vec<Value>)>>,
    /// Where reads of missing built-ins are recorded, when asked for (missing.rs).
    pub missing: Option<missing::MissingRecorder>,
    /// `Math.random`'s xorshift128+ state (0, 0 until first used).
    pub random_state: Cell<(u64, u64)>,
    /// The arrays `join` is inside, so that an array containing itself joins as "" there.
    pub join_stack: RefCell<Vec<ObjectId>>,
    /// How deep native calls are nested, to refuse runaway recursion with a RangeError as V8 does
    /// instead of overflowing the stack.
    pub depth: Cell<usize>,
    /// Promise jobs waiting for the JS stack to empty.
    pub microtasks: RefCell<promise::JobQueue>,
    /// `node_api_post_finalizer` callbacks waiting for the current collection to finish.
    pub post_finalizers: RefCell<Vec<object::Finalization>>,
    pub finalizer_seq: Cell<u64>,
    /// Objects alive after the last collection (paces automatic collections).
    pub last_live: Cell<usize>,
    /// Finalizers of dead objects are running: for experimental-version modules these are
    /// "basic" finalizers, which may only call the GC-safe functions.
    pub in_gc_finalizer: Cell<bool>,
    /// False once the environment is being torn down: Node-API calls that would run JS are
    /// refused then, without an exception (Node's `can_call_into_js`).
    pub can_call_js: Cell<bool>,
    /// The address of the host's libuv loop (`uv_loop_t*`), 0 without one: what
    /// `napi_get_uv_event_loop` answers (issue 29).
    pub uv_loop: Cell<usize>,
    /// Tasks other threads post for this (the JS) thread: async-work completions, threadsafe
    /// function calls.
    pub events: Arc<events::EventQueue>,
    /// The Node-API layer: runs native code, and holds that layer's own state.
    pub native: Box<dyn Native>,
    /// ArrayBuffer memory shared with the client.
    pub shm: shm::SharedMemory,
    /// Shared-memory bytes in use after the last collection (paces automatic collections).
    pub last_shm_live: Cell<u64>,
    /// Where this runtime's `napi_env` handles start: runtimes of one process (in-process hosts,
    /// D32) hand out distinct envs, as Node's worker threads do, so an addon library shared by
    /// two of them can tell its instances apart, and an env of one is refused by another.
    pub env_base: usize,
}

/// `napi_env` handles each runtime may hand out.
pub const ENVS_PER_RUNTIME: usize = 1 << 20;

/// Deeper nesting than this throws `RangeError: Maximum call stack size exceeded`.
pub const MAX_DEPTH: usize = 2000;

thread_local! {
    /// The runtime of this thread, as a bare pointer into its `Rc`: the lookup at the start of
    /// every Node-API call (`with_current`) pays no borrow flag, reference count or destructor
    /// registration. Whoever sets it keeps the runtime alive while it is set: `INSTALLED` for
    /// the JS thread, an `Entered` (borrowing the caller's `Rc`) for a direct call, and an
    /// `Entered` (owning a count) for the runtime it puts back. A runtime dropped while it is set
    /// (its `Entered` leaked) ends the process, and so do guards dropped out of order: it is null
    /// or points to a live runtime.
    static CURRENT_PTR: Cell<*const Runtime> = const { Cell::new(std::ptr::null()) };
    /// The JS thread's own runtime (`install`), kept alive for the thread's life.
    static INSTALLED: Installed = const { Installed(RefCell::new(None)) };
}

/// The JS thread's runtime. When the thread ends, the pointer is cleared before the runtime is
/// let go, so nothing later on the thread finds a freed runtime.
struct Installed(RefCell<Option<Rc<Runtime>>>);

impl Drop for Installed {
    fn drop(&mut self) {
        CURRENT_PTR.with(|p| p.set(std::ptr::null()));
    }
}

/// `values.push(make())`, with the value made where it goes: `push` makes it in a local before
/// it makes room and copies it over, and a value written piece by piece then read back whole
/// waits for the pieces to reach the cache (a store-forwarding stall, D49, D51). Inlined with
/// `make`, the value is written straight into its slot.
#[inline(always)]
pub fn push_made<T>(values: &mut Vec<T>, make: impl FnOnce() -> T) {
    values.reserve(1);
    let len = values.len();
    values.spare_capacity_mut()[0].write(make());
    // SAFETY: the slot at `len` was just initialised.
    unsafe { values.set_len(len + 1) };
}

/// Makes `rt` this thread's runtime, answering the one it replaces.
fn set_current(rt: *const Runtime) -> *const Runtime {
    CURRENT_PTR.with(|p| p.replace(rt))
}

/// A runtime entered on a thread (`Runtime::enter`) for as long as the `Rc` it borrows, with
/// the one it replaced. It owns no count of the one entered: a direct call's clone of the
/// runtime and the drop of the clone, and the second thread-local they were kept in, were about
/// 60 instructions of an in-process `add` (D52). It owns one of the runtime it replaced, if any
/// (a direct call nested in another host's, which is rare), so that what it puts back is alive
/// even when that runtime's own guard leaked.
pub struct Entered<'a> {
    entered: *const Runtime,
    before: Option<Rc<Runtime>>,
    _runtime: std::marker::PhantomData<&'a Rc<Runtime>>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        // One only this guard still keeps (its own guard leaked and its owner let it go) is not
        // put back: it dies with the guard.
        let back = match &self.before {
            Some(rt) if Rc::strong_count(rt) > 1 => Rc::as_ptr(rt),
            _ => std::ptr::null(),
        };
        // Guards nest as the scopes that hold them: one dropped before a guard made after it
        // would put back a runtime that nothing keeps alive any more.
        if !std::ptr::eq(set_current(back), self.entered) {
            fatal("Runtime::enter's guards were dropped out of order");
        }
    }
}

impl Drop for Runtime {
    /// A runtime dies while it is its thread's current one only when its `Entered` leaked, and
    /// `with_current` may have lent it out: nothing can go on.
    fn drop(&mut self) {
        if std::ptr::eq(CURRENT_PTR.with(Cell::get), self) {
            fatal("a runtime was dropped while it was its thread's current runtime (Runtime::enter's guard leaked)");
        }
    }
}

/// Ends the process: what `CURRENT_PTR` promises no longer holds.
#[cold]
fn fatal(why: &str) -> ! {
    eprintln!("napi-runtime: {why}");
    std::process::abort()
}

/// Runtimes made in this process so far (numbers their `env_base`).
static RUNTIMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Runtime {
    pub fn new(native: Box<dyn Native>) -> Rc<Runtime> {
        let mut heap = Heap::default();
        let realm = Realm::create(&mut heap);
        Rc::new(Runtime {
            heap: RefCell::new(heap),
            realm,
            handles: RefCell::new(HandleStack::default()),
            pending_exception: RefCell::new(None),
            envs: RefCell::new(Vec::new()),
            refs: RefCell::new(RefTable::default()),
            frames: RefCell::new(Vec::new()),
            spare_args: RefCell::new(Vec::new()),
            outside: RefCell::new(None),
            symbol_registry: RefCell::new(HashMap::new()),
            remote_objects: RefCell::new(FxHashMap::default()),
            python_errors: RefCell::new(FxHashMap::default()),
            remote_sends: RefCell::new(FxHashMap::default()),
            depth: Cell::new(0),
            join_stack: RefCell::new(Vec::new()),
            random_state: Cell::new((0, 0)),
            timers: timers::Timers::default(),
            missing: missing::MissingRecorder::from_env(),
            ticks: RefCell::new(std::collections::VecDeque::new()),
            post_finalizers: RefCell::new(Vec::new()),
            microtasks: RefCell::new(promise::JobQueue::new()),
            finalizer_seq: Cell::new(0),
            last_live: Cell::new(0),
            in_gc_finalizer: Cell::new(false),
            can_call_js: Cell::new(true),
            uv_loop: Cell::new(0),
            events: Arc::new(events::EventQueue::new().expect("an eventfd for the JS thread's event queue")),
            native,
            shm: shm::SharedMemory::default(),
            last_shm_live: Cell::new(0),
            env_base: RUNTIMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * ENVS_PER_RUNTIME,
        })
    }

    /// Makes `rt` the runtime of this thread (the JS thread), once: replacing it would free a
    /// runtime `with_current` may have lent out.
    pub fn install(rt: Rc<Runtime>) {
        INSTALLED.with(|i| {
            let mut installed = i.0.borrow_mut();
            assert!(installed.is_none(), "a thread is the JS thread of one runtime");
            set_current(Rc::as_ptr(&rt));
            *installed = Some(rt);
        });
    }

    /// Makes `rt` this thread's runtime until the answer is dropped, which restores the one
    /// before: a caller's thread running a direct call (D37).
    pub fn enter(rt: &Rc<Runtime>) -> Entered<'_> {
        let before = set_current(Rc::as_ptr(rt));
        // SAFETY: the pointer was this thread's current runtime, so it is null or a live
        // runtime's `Rc::as_ptr` (see `CURRENT_PTR`); the count raised is the one the `Rc`
        // made here owns.
        let before = (!before.is_null()).then(|| unsafe {
            Rc::increment_strong_count(before);
            Rc::from_raw(before)
        });
        Entered { entered: Rc::as_ptr(rt), before, _runtime: std::marker::PhantomData }
    }

    /// The runtime of this thread, if this is the JS thread.
    pub fn current() -> Option<Rc<Runtime>> {
        let rt = CURRENT_PTR.with(Cell::get);
        if rt.is_null() {
            return None;
        }
        // SAFETY: a set pointer is `Rc::as_ptr` of a runtime's `Rc` that its setter keeps alive
        // (see `CURRENT_PTR`); the count is raised for the `Rc` made here, which owns it.
        unsafe {
            Rc::increment_strong_count(rt);
            Some(Rc::from_raw(rt))
        }
    }

    /// Runs `f` with the runtime of this thread, if this is the JS thread, borrowed.
    pub fn with_current<R>(f: impl FnOnce(Option<&Runtime>) -> R) -> R {
        let rt = CURRENT_PTR.with(Cell::get);
        // SAFETY: a set pointer's runtime is alive (see `CURRENT_PTR`) and stays so while `f`
        // runs: `install` never replaces it, and the `Rc` an `Entered` borrows cannot be given up
        // inside `f` (a leaked guard's runtime ends the process when dropped instead). A runtime
        // entered while `f` runs (a Python callback calling another in-process host directly)
        // is left again, putting this one back, before `f` goes on.
        f(unsafe { rt.as_ref() })
    }

    pub fn set_outside(&self, outside: Rc<dyn Outside>) {
        *self.outside.borrow_mut() = Some(outside);
    }

    pub fn env(&self, id: EnvId) -> Option<Rc<Env>> {
        self.envs.borrow().get(id.0 as usize).cloned()
    }

    pub fn is_exception_pending(&self) -> bool {
        self.pending_exception.borrow().is_some()
    }

    pub fn throw(&self, v: Value) {
        *self.pending_exception.borrow_mut() = Some(v);
    }

    /// An empty vector for `n` arguments, the last call's when there is one.
    pub fn args_vec(&self, n: usize) -> Vec<Value> {
        let mut v = std::mem::take(&mut *self.spare_args.borrow_mut());
        v.reserve(n);
        v
    }

    /// Takes back a call's argument vector for `args_vec` (a small one: a call with a
    /// thousand arguments does not pin their room).
    pub fn recycle_args(&self, mut args: Vec<Value>) {
        if args.capacity() <= 16 {
            args.clear();
            *self.spare_args.borrow_mut() = args;
        }
    }

    pub fn take_exception(&self) -> Option<Value> {
        self.pending_exception.borrow_mut().take()
    }

    /// Memory for a new ArrayBuffer of `len` zero bytes (`init` copied in when given): shared
    /// memory when it can be had, host memory otherwise (and for empty buffers). Memory that
    /// cannot be had at all is V8's `RangeError: Array buffer allocation failed`, not an abort.
    pub fn new_backing(&self, len: usize, init: Option<&[u8]>) -> JsResult<object::ArrayBufferData> {
        let block = if len > 0 { self.shm.alloc(len, init) } else { None };
        let backing = match block {
            Some(block) => object::Backing::Shared(block),
            None => {
                let mut bytes = Vec::new();
                bytes.try_reserve_exact(len).map_err(|_| self.range_error("Array buffer allocation failed".into()))?;
                match init {
                    Some(src) => bytes.extend_from_slice(src),
                    None => bytes.resize(len, 0),
                }
                object::Backing::Owned(bytes.into_boxed_slice())
            }
        };
        Ok(object::ArrayBufferData::new(backing))
    }

    /// A new ArrayBuffer (or SharedArrayBuffer) over `data`, findable by its shared memory (`shm.owner_of`).
    pub fn new_arraybuffer(&self, data: object::ArrayBufferData) -> ObjectId {
        let block = match &data.backing {
            object::Backing::Shared(b) => Some(b.clone()),
            _ => None,
        };
        let proto = if data.shared { self.realm.sharedarraybuffer_prototype } else { self.realm.arraybuffer_prototype };
        let id = self.heap.borrow_mut().new_object(object::ObjectClass::ArrayBuffer(data), Some(proto));
        if let Some(b) = block {
            self.shm.set_owner(&b, id);
        }
        id
    }

    /// A new plain object with `Object.prototype` as prototype.
    pub fn new_plain_object(&self) -> ObjectId {
        let proto = self.realm.object_prototype;
        self.heap.borrow_mut().new_object(object::ObjectClass::Plain, Some(proto))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entered_runtime_is_current_until_left_and_holds_no_count_of_its_own() {
        let installed = Runtime::new(Box::new(NoNative));
        Runtime::install(installed.clone());
        let same = |a: &Option<Rc<Runtime>>, b: &Rc<Runtime>| a.as_ref().is_some_and(|a| Rc::ptr_eq(a, b));
        assert!(same(&Runtime::current(), &installed));
        let other = Runtime::new(Box::new(NoNative));
        let count = Rc::strong_count(&other);
        {
            let _entered = Runtime::enter(&other);
            assert_eq!(Rc::strong_count(&other), count, "entering borrows the caller's Rc");
            let current = Runtime::current();
            assert!(same(&current, &other));
            assert_eq!(Rc::strong_count(&other), count + 1, "`current` answers an Rc of its own");
            drop(current);
            {
                let _nested = Runtime::enter(&installed);
                assert!(same(&Runtime::current(), &installed));
            }
            assert!(same(&Runtime::current(), &other), "a nested enter puts the outer runtime back");
            Runtime::with_current(|rt| assert!(rt.is_some_and(|rt| std::ptr::eq(rt, &*other))));
        }
        assert_eq!(Rc::strong_count(&other), count);
        assert!(same(&Runtime::current(), &installed), "leaving puts the installed runtime back");
    }

    #[test]
    fn a_runtime_put_back_is_kept_alive_by_the_guard_even_when_its_own_guard_leaked() {
        let (first, second) = (Runtime::new(Box::new(NoNative)), Runtime::new(Box::new(NoNative)));
        std::mem::forget(Runtime::enter(&first));
        let entered = Runtime::enter(&second);
        let weak = Rc::downgrade(&first);
        drop(first);
        assert!(weak.upgrade().is_some(), "the guard that replaced it keeps it");
        drop(entered);
        assert!(weak.upgrade().is_none(), "only that guard kept it: it dies instead of becoming current again");
        assert!(Runtime::current().is_none());
    }

    #[test]
    fn a_second_install_on_one_thread_is_refused() {
        std::thread::spawn(|| {
            Runtime::install(Runtime::new(Box::new(NoNative)));
            let again = std::panic::catch_unwind(|| Runtime::install(Runtime::new(Box::new(NoNative))));
            assert!(again.is_err());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_without_a_runtime_has_none() {
        std::thread::spawn(|| {
            assert!(Runtime::current().is_none());
            Runtime::with_current(|rt| assert!(rt.is_none()));
        })
        .join()
        .unwrap();
    }
}
