//! The value heap and JavaScript semantics, in safe Rust.
//!
//! One [`Runtime`] lives on the JS thread. Node-API functions (in `crate::napi`) reach it through
//! the env they are given ([`env::EnvSlot`]); the dispatcher reaches it when it serves a client request. Nothing here
//! holds a `RefCell` borrow across a call into native code, a built-in or Python, so those may
//! re-enter the runtime freely.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod access;
pub mod arrays;
pub mod bigint;
pub mod builtins;
pub mod call;
pub mod collections;
pub mod compare;
pub mod convert;
pub mod current;
pub mod descriptor;
pub mod env;
pub mod events;
pub mod float16;
pub mod gc;
pub mod handle_reads;
pub mod handles;
pub mod heap;
pub mod make;
pub mod microtasks;
pub mod missing;
pub mod native;
pub mod number;
pub mod object;
pub mod object_id;
pub mod pending;
pub mod promise;
pub mod property;
pub mod props;
pub mod proxy;
pub mod realm;
pub mod references;
pub mod regexp;
pub mod shm;
pub mod stack;
pub mod string;
pub mod symbol;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timers;
pub mod typed_elements;
pub mod value;

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::collections::HashMap;
use std::ffi::CString;
use std::rc::Rc;
use std::sync::Arc;

pub use env::{Env, EnvId};
pub use heap::Heap;
pub use native::{CallScope, NativeCall, NativeFn};
pub use object_id::ObjectId;
pub use string::JsString;
pub use value::{Type, Value};

use handles::HandleStack;
use native::Finalize;
use property::PropertyKey;
use realm::Realm;
use references::RefTable;

/// A JS exception on its way up: the thrown value.
#[derive(Clone, Debug)]
pub struct Thrown(pub Value);

/// What may throw: a value, or the JS exception thrown instead.
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
    /// Makes `call`: calls its native callback with the frame [`Runtime`] just pushed (its
    /// receiver, arguments and data), which this pops when the callback returns
    /// ([`Runtime::pop_frame`]).
    fn invoke(&self, rt: &Runtime, call: NativeCall) -> JsResult<Value>;

    /// Calls the finalizer `cb` of env `env` for `data` with `hint`.
    fn finalize(&self, rt: &Runtime, env: EnvId, cb: NativeFn<Finalize>, data: usize, hint: usize);
}

/// A runtime that runs no native code (the runtime's own tests).
pub struct NoNative;

impl Native for NoNative {
    fn invoke(&self, rt: &Runtime, _: NativeCall) -> JsResult<Value> {
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
    /// The receiver (an object: native functions are sloppy-mode, so a primitive one is boxed):
    /// kept as its id, so that a frame owns nothing but its arguments.
    pub this: ObjectId,
    /// The arguments, as many as the caller passed.
    pub args: Vec<Value>,
    /// `new.target`: the constructor `new` was applied to, `None` for a plain call.
    pub new_target: Option<ObjectId>,
    /// The data pointer the function was made with (`napi_create_function`), the addon's.
    pub data: usize,
    /// Whether an argument owns memory (a string, a BigInt), looked at once as the frame is
    /// pushed: otherwise the arguments are forgotten when it pops, and their handles when
    /// their scope closes, where a drop of each was looked at twice a call.
    args_own_memory: bool,
}

impl CallFrame {
    /// Whether an argument may own memory (a string, a BigInt).
    #[inline(always)]
    pub fn args_own_memory(&self) -> bool {
        self.args_own_memory
    }
}

/// What `Runtime::frame_args` made and read of a native call's frame.
#[derive(Clone, Copy, Debug)]
pub struct FrameArgs {
    /// The handle of the first argument made (the others follow it), 0 when none was.
    pub first: usize,
    /// How many argument handles were made: the arguments that fit the room.
    pub given: usize,
    /// How many arguments the caller passed.
    pub argc: usize,
    /// The frame's data pointer (`CallFrame::data`).
    pub data: usize,
}

/// The JS runtime of one JS thread: the heap and the realm's intrinsics, the handles, references
/// and frames Node-API works with, the queues that run JS later (microtasks, ticks, timers,
/// other threads' tasks), and the memory it shares with the client.
///
/// Its fields are its own. The layers above use its methods: the JS semantics (access.rs,
/// call.rs, convert.rs, compare.rs, proxy.rs...), the makers of objects (make.rs), and the parts
/// it hands out below, each a type with an API of its own.
pub struct Runtime {
    /// Every object, by id.
    heap: RefCell<Heap>,
    /// The intrinsic objects, made once with the heap.
    realm: Realm,
    /// The handle scopes every `napi_value` lives in.
    handles: RefCell<HandleStack>,
    /// The exception thrown and not yet caught (`napi_throw`, a JS throw inside a callback).
    pending_exception: RefCell<Option<Value>>,
    /// Only ever added to (`add_env`), each in an allocation of its own: `env` lends one for
    /// as long as the runtime.
    envs: RefCell<Vec<Rc<Env>>>,
    /// `napi_ref`s.
    refs: RefCell<RefTable>,
    /// The native calls in progress, innermost last (`napi_get_cb_info` reads them).
    frames: RefCell<Vec<CallFrame>>,
    /// The argument vector of the last native call, emptied, for the next: an allocation and
    /// a free were a tenth of an in-process call (`args_vec`).
    spare_args: RefCell<Vec<Value>>,
    /// The key `length` with its hash, made once: every array is made with it (`new_array`), and
    /// its length read and grown by it (access.rs).
    length_key: (u64, PropertyKey),
    /// The world outside (Python), set once the host is made (`set_outside`).
    outside: RefCell<Option<Rc<dyn Outside>>>,
    /// `Symbol.for` registry (symbol.rs).
    symbol_registry: RefCell<HashMap<JsString, ObjectId>>,
    /// `setTimeout`/`setInterval`/`setImmediate` (see timers.rs).
    timers: timers::Timers,
    /// `process.nextTick` callbacks with their arguments, run before promise jobs.
    ticks: RefCell<std::collections::VecDeque<(Value, Vec<Value>)>>,
    /// Where reads of missing built-ins are recorded, when asked for (missing.rs).
    missing: Option<missing::MissingRecorder>,
    /// `Math.random`'s xorshift128+ state (0, 0 until first used).
    random_state: Cell<(u64, u64)>,
    /// The arrays `join` is inside, so that an array containing itself joins as "" there.
    join_stack: RefCell<Vec<ObjectId>>,
    /// How deep native calls are nested, to refuse runaway recursion with a RangeError as V8 does
    /// instead of overflowing the stack.
    depth: Cell<usize>,
    /// The end of the stack of the thread running this runtime now (set where a thread installs
    /// or enters it), where recursion stops however few calls deep it is.
    stack: Cell<stack::StackReserve>,
    /// The stack of the thread its presence names `regular` (`Runtime::enter`).
    regular_stack: Cell<stack::StackReserve>,
    /// Promise jobs waiting for the JS stack to empty.
    microtasks: RefCell<microtasks::JobQueue>,
    /// Finalizers of dead objects (or, at teardown, of an env's objects) due to run, in order.
    pending_finalizers: RefCell<std::collections::VecDeque<object::Finalization>>,
    /// `node_api_post_finalizer` callbacks (and the finalizers of detached external buffers)
    /// waiting for the loop's next turn, or for the current collection to finish.
    post_finalizers: RefCell<Vec<object::Finalization>>,
    /// The last registration number `next_seq` gave, ordering finalizers for teardown.
    finalizer_seq: Cell<u64>,
    /// Live objects past which the next collection is due: twice those the last one left, at
    /// least `FEWEST_BETWEEN_COLLECTIONS` (`wants_collection`, set as each collection ends).
    collect_past_objects: Cell<usize>,
    /// Finalizers of dead objects are running: for experimental-version modules these are
    /// "basic" finalizers, which may only call the GC-safe functions.
    in_gc_finalizer: Cell<bool>,
    /// False once the environment is being torn down: Node-API calls that would run JS are
    /// refused then, without an exception (Node's `can_call_into_js`).
    can_call_js: Cell<bool>,
    /// The address of the host's libuv loop (`uv_loop_t*`), 0 without one: what
    /// `napi_get_uv_event_loop` answers.
    uv_loop: Cell<usize>,
    /// Tasks other threads post for this (the JS) thread: async-work completions, threadsafe
    /// function calls.
    events: Arc<events::EventQueue>,
    /// The Node-API layer: runs native code, and holds that layer's own state.
    native: Box<dyn Native>,
    /// ArrayBuffer memory shared with the client.
    shm: shm::SharedMemory,
    /// Shared-memory bytes in use past which the next collection is due: half again what the
    /// last one left, at least 32 MiB more (`wants_collection`, set as each collection ends).
    collect_past_shm_bytes: Cell<u64>,
    /// The "anything pending" word (`pending`): what waits between calls, looked at once.
    pending: Arc<pending::PendingWork>,
    /// The threads that may use it now, where its envs' handles lead (`current.rs`).
    presence: &'static current::Presence,
}

/// Deeper nesting than this throws `RangeError: Maximum call stack size exceeded`, and so does
/// any nesting that reaches the end of the thread's stack first (`Runtime::out_of_stack`).
pub const MAX_DEPTH: usize = 2000;

/// `values.push(make())`, with the value made where it goes: `push` makes it in a local before
/// it makes room and copies it over, and a value written piece by piece then read back whole
/// waits for the pieces to reach the cache (a store-forwarding stall). Inlined with
/// `make`, the value is written straight into its slot.
#[inline(always)]
pub fn push_made<T>(values: &mut Vec<T>, make: impl FnOnce() -> T) {
    // Room made only when full, and the value made after it, so that neither it nor what
    // `make` captures is kept across the rare call (in callee-saved registers every caller
    // then saves and restores, or through the stack).
    if values.len() == values.capacity() {
        values.reserve(1);
    }
    // Read after the room is made, not kept across that call.
    let slot = values.len();
    let v = make();
    // SAFETY: `slot` is the length, below the capacity (made so just above): the slot is
    // allocated and holds no value, and the length covers it only once it is written.
    unsafe {
        values.as_mut_ptr().add(slot).write(v);
        values.set_len(slot + 1);
    }
}

impl Runtime {
    /// A new runtime with its realm, running native code through `native`.
    pub fn new(native: Box<dyn Native>) -> Rc<Runtime> {
        let events = Arc::new(events::EventQueue::new().expect("an eventfd for the JS thread's event queue"));
        Runtime::flagging(native, pending::PendingWork::new(), events)
    }

    /// A new runtime whose "anything pending" word is `pending`, which others (an in-process
    /// client's side) set too, and whose event queue is `events` (hushed by the in-process
    /// host's JS lock, which the host made it under).
    pub fn flagging(native: Box<dyn Native>, pending: Arc<pending::PendingWork>, events: Arc<events::EventQueue>) -> Rc<Runtime> {
        let mut heap = Heap::default();
        let realm = Realm::create(&mut heap, builtins::install);
        Rc::new(Runtime {
            heap: RefCell::new(heap),
            realm,
            handles: RefCell::new(HandleStack::default()),
            pending_exception: RefCell::new(None),
            envs: RefCell::new(Vec::new()),
            refs: RefCell::new(RefTable::default()),
            frames: RefCell::new(Vec::new()),
            spare_args: RefCell::new(Vec::new()),
            length_key: {
                let key = PropertyKey::name("length");
                (props::hash_of(&key), key)
            },
            outside: RefCell::new(None),
            symbol_registry: RefCell::new(HashMap::new()),
            depth: Cell::new(0),
            stack: Cell::new(stack::StackReserve::of_this_thread()),
            regular_stack: Cell::new(stack::StackReserve::default()),
            join_stack: RefCell::new(Vec::new()),
            random_state: Cell::new((0, 0)),
            timers: timers::Timers::default(),
            missing: missing::MissingRecorder::from_env(),
            ticks: RefCell::new(std::collections::VecDeque::new()),
            pending_finalizers: RefCell::new(std::collections::VecDeque::new()),
            post_finalizers: RefCell::new(Vec::new()),
            microtasks: RefCell::new(microtasks::JobQueue::new()),
            finalizer_seq: Cell::new(0),
            collect_past_objects: Cell::new(gc::objects_due_past(0)),
            in_gc_finalizer: Cell::new(false),
            can_call_js: Cell::new(true),
            uv_loop: Cell::new(0),
            events,
            native,
            shm: shm::SharedMemory::flagging(pending.clone()),
            collect_past_shm_bytes: Cell::new(gc::shm_bytes_due_past(0)),
            pending,
            presence: current::Presence::leaked(),
        })
    }
}

/// The parts the runtime hands out, each a type with its own API. One kept in a `RefCell` is
/// lent for as long as the caller holds the answer: read with `heap()`, change with
/// `heap_mut()`, and let go before anything that may run JS or native code, which borrows it
/// again.
impl Runtime {
    /// The heap, to read objects.
    #[inline(always)]
    pub fn heap(&self) -> Ref<'_, Heap> {
        self.heap.borrow()
    }

    /// The heap, to make and change objects.
    #[inline(always)]
    pub fn heap_mut(&self) -> RefMut<'_, Heap> {
        self.heap.borrow_mut()
    }

    /// The intrinsic objects (`Object.prototype`, the global object...), fixed for the
    /// runtime's life.
    #[inline(always)]
    pub fn realm(&self) -> &Realm {
        &self.realm
    }

    /// The handle scopes, to read a handle's value.
    #[inline(always)]
    pub fn handles(&self) -> Ref<'_, HandleStack> {
        self.handles.borrow()
    }

    /// The number a handle holds, live or stale: `None` for no such handle, `Some(None)` for
    /// one holding something else. For the number getters, on every call: read with no borrow
    /// flag counted up and down (`Runtime::env`'s way).
    #[inline(always)]
    pub fn number_at(&self, handle: usize) -> Option<Option<f64>> {
        // SAFETY: the reference is dropped before this function returns, and nothing is called
        // while it lives; a mutable borrow in force answers an error instead, which panics as
        // `handles()` would.
        let handles = unsafe { self.handles.try_borrow_unguarded() }.expect("the handles are not being changed");
        handles.get(handle).map(|v| match v {
            Value::Number(n) => Some(*n),
            _ => None,
        })
    }

    /// The handle scopes, to make handles and open and close scopes.
    #[inline(always)]
    pub fn handles_mut(&self) -> RefMut<'_, HandleStack> {
        self.handles.borrow_mut()
    }

    /// The `napi_ref`s, to read one.
    pub fn references(&self) -> Ref<'_, RefTable> {
        self.refs.borrow()
    }

    /// The `napi_ref`s, to make, count and delete them.
    pub fn references_mut(&self) -> RefMut<'_, RefTable> {
        self.refs.borrow_mut()
    }

    /// The queue other threads post the JS thread's work to: shared with them (an `Arc` to
    /// clone), and polled by the host's loop through its descriptor.
    #[inline(always)]
    pub fn events(&self) -> &Arc<events::EventQueue> {
        &self.events
    }

    /// The ArrayBuffer memory shared with the client.
    #[inline(always)]
    pub fn shm(&self) -> &shm::SharedMemory {
        &self.shm
    }

    /// The Node-API layer this runtime was made with, which keeps its own per-runtime state in
    /// it (found again by downcasting).
    pub fn native(&self) -> &dyn Native {
        self.native.as_ref()
    }
}

/// The Node-API environments: one per loaded module.
impl Runtime {
    /// A new env for a module of Node-API version `module_version` loaded from `filename`
    /// (its `file://` URL).
    pub fn add_env(&self, module_version: i32, filename: CString) -> EnvId {
        let mut envs = self.envs.borrow_mut();
        let id = EnvId(u32::try_from(envs.len()).expect("fewer than 2^32 envs"));
        let env = Rc::new(Env::new(id, module_version, filename));
        env.set_handle(env::EnvSlot::leaked(self, &env));
        envs.push(env);
        id
    }

    /// The env `id`, lent for as long as the runtime: no `Rc` is counted up and down, which on
    /// every Node-API call was a tenth of a simple one's work.
    #[inline(always)]
    pub fn env(&self, id: EnvId) -> Option<&Env> {
        // Unguarded, and its flag not even looked at: the vector is read for one pointer on
        // every native call and Node-API call. Nothing runs while it is read, so nothing can
        // push.
        // SAFETY: the reference is dropped before this function returns or calls anything. The
        // one mutable borrow of `envs` is `add_env`'s, which calls nothing that could come
        // here while it holds it (an `Env` made, its slot kept, the vector pushed to): no
        // mutable borrow is in force now.
        let envs = unsafe { &*self.envs.as_ptr() };
        let env: *const Env = Rc::as_ptr(envs.get(id.0 as usize)?);
        // SAFETY: envs are only ever added to (`add_env`), each in an allocation of its own that
        // never moves, and dropped only with the runtime: the env outlives the borrow of `self`,
        // whatever is added meanwhile.
        Some(unsafe { &*env })
    }
}

/// The exception on its way up, between a throw and whoever catches it.
impl Runtime {
    /// Whether an exception was thrown and not yet taken.
    #[inline(always)]
    pub fn is_exception_pending(&self) -> bool {
        self.pending_exception.borrow().is_some()
    }

    /// Makes `v` the pending exception (`napi_throw`), replacing any before it.
    pub fn throw(&self, v: Value) {
        *self.pending_exception.borrow_mut() = Some(v);
    }

    /// Takes the pending exception, if any: it is caught.
    #[inline(always)]
    pub fn take_exception(&self) -> Option<Value> {
        self.pending_exception.borrow_mut().take()
    }
}

/// The most arguments a call's vector kept for the next call has room for.
const SPARE_ARGS_ROOM: usize = 16;

/// The native calls in progress: `Runtime::call` pushes a frame for each before the `Native`
/// layer's `invoke`, which pops it.
impl Runtime {
    /// An empty vector for `n` arguments, the last call's when there is one.
    pub fn args_vec(&self, n: usize) -> Vec<Value> {
        let mut v = std::mem::take(&mut *self.spare_args.borrow_mut());
        v.reserve(n);
        v
    }

    /// Pops the innermost native call's frame, once its callback returned: the `Native` layer's
    /// to do at the end of `invoke`, for the frame the runtime pushed for it. Its argument
    /// vector is kept for the next call.
    #[inline(always)]
    pub fn pop_frame(&self) {
        // Neither cell is borrowed now (looked at, as a borrow would), and none of what follows
        // calls anything until both are let go (the rare case's call comes after): no guard is
        // held, whose flag was written and put back on every call.
        if self.frames.try_borrow_mut().is_err() || self.spare_args.try_borrow_mut().is_err() {
            already_borrowed();
        }
        // SAFETY: no borrow of either cell is in force (checked just above), and none is taken
        // while these two live: they are used only in this function, which calls nothing
        // before it is done with them.
        let (frames, spare) = unsafe { (&mut *self.frames.as_ptr(), &mut *self.spare_args.as_ptr()) };
        let Some(last) = frames.len().checked_sub(1) else { return };
        // SAFETY: `last` is below the length: `frame` is the last, initialised frame. `set_len`
        // leaves it out of the vector, which nothing moves or writes while it is read here; its
        // arguments are moved out of it once, on one branch or the other, and never dropped
        // there. Its other fields are ids, a number and a flag, with no drop to skip.
        unsafe {
            frames.set_len(last);
            let frame: *const CallFrame = frames.as_ptr().add(last);
            let args = std::ptr::addr_of!((*frame).args);
            // The commonest case: arguments that own nothing, in a small vector, and no spare
            // one (`args_vec` took it). Its words are moved where the frame holds them: read
            // out first (`pop` moved the whole frame out to look at two of its fields), the
            // vector went through the stack, for the call on the other branch.
            if !(*frame).args_own_memory && (*args).capacity() <= SPARE_ARGS_ROOM && spare.capacity() == 0 {
                // The spare vector has no allocation: written over, with no call of its drop
                // glue to find that out. Emptying the frame's only forgets its values, which
                // own no memory (`CallFrame::args_own_memory`, looked at when they came in).
                std::ptr::write(spare, std::ptr::read(args));
                spare.set_len(0);
            } else {
                self.recycle_args(std::ptr::read(args));
            }
        }
    }

    /// Takes back a call's argument vector for `args_vec`, its values dropped (a small one: a
    /// call with a thousand arguments does not pin their room).
    #[cold]
    #[inline(never)]
    fn recycle_args(&self, mut args: Vec<Value>) {
        if args.capacity() <= SPARE_ARGS_ROOM {
            args.clear();
            *self.spare_args.borrow_mut() = args;
        }
    }

    /// Handles for the first `room` arguments of native call `n` (counted from 1, outermost
    /// first), made in one go (`HandleStack::push_cloned`), with what else `napi_get_cb_info`
    /// reads of its frame: `None` for no such call. On every callback's call: the frame read
    /// with no borrow flag counted up and down, where a `Ref` of it was held across the push.
    #[inline(always)]
    pub fn frame_args(&self, n: usize, room: usize) -> Option<FrameArgs> {
        // SAFETY: the reference is dropped before this function returns, and what runs while it
        // lives (the handles borrowed, values cloned into them, their vector grown) borrows no
        // frame; a mutable borrow in force answers an error instead, which panics as `frame()`
        // would.
        let frames = unsafe { self.frames.try_borrow_unguarded() }.expect("the frames are not being changed");
        // Frame 0 wraps to an index past any end.
        let frame = frames.get(n.wrapping_sub(1))?;
        let args = frame.args.get(..room).unwrap_or(&frame.args);
        let first = if args.is_empty() { 0 } else { self.handles_mut().push_cloned(args, frame.args_own_memory) };
        Some(FrameArgs { first, given: args.len(), argc: frame.args.len(), data: frame.data })
    }

    /// The frame of native call `n`, counted from 1, outermost first.
    #[inline(always)]
    pub fn frame(&self, n: usize) -> Option<Ref<'_, CallFrame>> {
        let frames = self.frames.borrow();
        // Frame 0 wraps to an index past any end.
        let i = n.wrapping_sub(1);
        (i < frames.len()).then(|| Ref::map(frames, |frames| &frames[i]))
    }
}

/// The host's loop and the runtime's life: what runs when, and what may run at all.
impl Runtime {
    /// Gives the runtime its way out to Python (`Outside`).
    pub fn set_outside(&self, outside: Rc<dyn Outside>) {
        *self.outside.borrow_mut() = Some(outside);
    }

    /// Whether Node-API calls may still run JS: false once the environment is torn down.
    #[inline(always)]
    pub fn can_call_js(&self) -> bool {
        self.can_call_js.get()
    }

    /// From now on nothing may run JS, as in Node's environment teardown: Node-API calls that
    /// would are refused, without an exception.
    pub fn forbid_calling_js(&self) {
        self.can_call_js.set(false);
    }

    /// Whether the finalizers of objects just collected are running (only GC-safe Node-API
    /// functions may be called from "basic" finalizers then).
    #[inline(always)]
    pub fn in_gc_finalizer(&self) -> bool {
        self.in_gc_finalizer.get()
    }

    /// Queues a finalizer (`node_api_post_finalizer`, one a basic finalizer may not run in the
    /// collection, a detached external buffer's) to run once the current collection is over, or
    /// else on the loop's next turn: after the call that posted it returned and the promise jobs
    /// it queued ran, as node's `SetImmediate` runs it. (The order among those posted together
    /// is node's hash set's, no order to follow: these run in the order they were posted.)
    pub fn post_finalizer(&self, f: object::Finalization) {
        let mut queued = self.post_finalizers.borrow_mut();
        if queued.is_empty() {
            self.events.post(Box::new(|rt| rt.run_post_finalizers()));
        }
        queued.push(f);
    }

    /// Whether promise jobs or `process.nextTick` callbacks are waiting for the JS stack to
    /// empty: nothing to look at while the word's `MICROTASKS` is clear.
    #[inline(always)]
    pub fn has_microtasks(&self) -> bool {
        self.pending.any(pending::MICROTASKS) && self.microtasks_queued()
    }

    #[inline(never)]
    fn microtasks_queued(&self) -> bool {
        let queued = !self.microtasks.borrow().is_empty() || !self.ticks.borrow().is_empty();
        if !queued {
            self.pending.take(pending::MICROTASKS);
        }
        queued
    }

    /// The "anything pending" word (`pending`).
    #[inline(always)]
    pub fn pending(&self) -> &Arc<pending::PendingWork> {
        &self.pending
    }

    /// A promise job or tick callback was queued.
    #[inline(always)]
    pub(crate) fn microtask_queued(&self) {
        self.pending.set(pending::MICROTASKS);
    }

    /// The address of the host's libuv loop (`uv_loop_t*`), 0 without one: what
    /// `napi_get_uv_event_loop` answers.
    pub fn uv_loop(&self) -> usize {
        self.uv_loop.get()
    }

    /// Sets the libuv loop's address (0: the loop is gone).
    pub fn set_uv_loop(&self, address: usize) {
        self.uv_loop.set(address);
    }

    /// Whether reads of missing built-ins are being recorded (missing.rs): a read that found
    /// nothing is worth a `note_missing` then.
    pub fn records_missing(&self) -> bool {
        self.missing.is_some()
    }
}

/// A cell's borrow refused, as `RefCell::borrow_mut` panics (`pop_frame`'s look).
#[cold]
#[inline(never)]
fn already_borrowed() -> ! {
    panic!("already borrowed");
}
