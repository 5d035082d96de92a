//! The value heap and JavaScript semantics, in safe Rust.
//!
//! One [`Runtime`] lives on the JS thread. Node-API functions (in `crate::napi`) reach it through
//! [`Runtime::current`]; the dispatcher reaches it when it serves a client request. Nothing here
//! holds a `RefCell` borrow across a call into native code, a built-in or Python, so those may
//! re-enter the runtime freely.

pub mod access;
pub mod bigint;
pub mod builtins;
pub mod call;
pub mod convert;
pub mod env;
pub mod events;
pub mod gc;
pub mod handles;
pub mod heap;
pub mod number;
pub mod object;
pub mod promise;
pub mod property;
pub mod realm;
pub mod references;
pub mod shm;
pub mod string;
pub mod typed_elements;
pub mod value;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use env::{Env, EnvId};
pub use heap::{Heap, ObjectId};
pub use string::JsString;
pub use value::{Type, Value};

use handles::HandleStack;
use realm::Realm;
use references::RefTable;

/// A JS exception on its way up: the thrown value.
#[derive(Clone, Debug)]
pub struct Thrown(pub Value);

pub type JsResult<T> = Result<T, Thrown>;

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
    /// Tasks other threads post for this (the JS) thread: async-work completions, threadsafe
    /// function calls.
    pub events: Arc<events::EventQueue>,
    /// Async work items, async contexts and callback scopes by handle.
    pub async_tables: RefCell<crate::napi::async_work::AsyncTables>,
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
    static CURRENT: RefCell<Option<Rc<Runtime>>> = const { RefCell::new(None) };
    /// `CURRENT`'s runtime as a bare pointer, for the lookup at the start of every Node-API
    /// call (`with_current`): no borrow flag, no reference count, no destructor to register.
    static CURRENT_PTR: Cell<*const Runtime> = const { Cell::new(std::ptr::null()) };
}

/// Makes `rt` this thread's runtime, answering the one it replaces.
fn set_current(rt: Option<Rc<Runtime>>) -> Option<Rc<Runtime>> {
    CURRENT_PTR.with(|p| p.set(rt.as_ref().map_or(std::ptr::null(), Rc::as_ptr)));
    CURRENT.with(|c| c.replace(rt))
}

/// A runtime entered on a thread (`Runtime::enter`), with the one it replaced.
pub struct Entered(Option<Rc<Runtime>>);

impl Drop for Entered {
    fn drop(&mut self) {
        set_current(self.0.take());
    }
}

/// Runtimes made in this process so far (numbers their `env_base`).
static RUNTIMES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Runtime {
    pub fn new() -> Rc<Runtime> {
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
            post_finalizers: RefCell::new(Vec::new()),
            microtasks: RefCell::new(promise::JobQueue::new()),
            finalizer_seq: Cell::new(0),
            last_live: Cell::new(0),
            in_gc_finalizer: Cell::new(false),
            can_call_js: Cell::new(true),
            events: Arc::new(events::EventQueue::new().expect("an eventfd for the JS thread's event queue")),
            async_tables: RefCell::default(),
            shm: shm::SharedMemory::default(),
            last_shm_live: Cell::new(0),
            env_base: RUNTIMES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) * ENVS_PER_RUNTIME,
        })
    }

    /// Makes `rt` the runtime of this thread (the JS thread).
    pub fn install(rt: Rc<Runtime>) {
        set_current(Some(rt));
    }

    /// Makes `rt` this thread's runtime until the answer is dropped, which restores the one
    /// before: a caller's thread running a direct call (D37).
    pub fn enter(rt: Rc<Runtime>) -> Entered {
        Entered(set_current(Some(rt)))
    }

    /// The runtime of this thread, if this is the JS thread.
    pub fn current() -> Option<Rc<Runtime>> {
        CURRENT.with(|c| c.borrow().clone())
    }

    /// Runs `f` with the runtime of this thread, if this is the JS thread, borrowed.
    pub fn with_current<R>(f: impl FnOnce(Option<&Runtime>) -> R) -> R {
        let rt = CURRENT_PTR.with(Cell::get);
        // SAFETY: the pointer is `CURRENT`'s runtime, which `CURRENT` keeps alive. A runtime
        // entered while `f` runs (a Python callback calling another in-process host directly)
        // keeps this one in its `Entered` and puts it back before `f` goes on; `install` runs
        // once per thread, before any call.
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
