//! Heap objects and what distinguishes their kinds.

use std::rc::Rc;

use super::collections::{CollectionIterator, OrderedTable, WeakTable};
use super::env::EnvId;
use super::native::{Callback, Finalize, Finalizer, NativeFn};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey};
pub use super::props::Props;
use super::shm::Block;
use super::string::JsString;
use super::value::Value;
use super::Runtime;

/// What a host built-in does when called: `(runtime, this, args, new_target)`.
pub type BuiltinFn = fn(&Runtime, Value, &[Value], Option<ObjectId>) -> super::JsResult<Value>;

/// The built-in that does nothing: `Function.prototype` itself (realm.rs), and node's `Timeout`
/// and `Immediate` constructors.
pub fn noop(_: &Runtime, _: Value, _: &[Value], _: Option<ObjectId>) -> super::JsResult<Value> {
    Ok(Value::Undefined)
}

/// The native side of a function.
#[derive(Clone, Debug)]
pub enum Callable {
    /// An addon's callback with its data pointer, run in the env that created it. The pointers
    /// are the addon's; the host only passes them back.
    /// `receiver`: for class members, the class prototype `this` must inherit from (V8's
    /// signature check; anything else is an "Illegal invocation").
    Native { env: EnvId, cb: NativeFn<Callback>, data: usize, receiver: Option<ObjectId> },
    /// Implemented by the host itself (`Object`, `Error`, `Symbol.for`, ...).
    Builtin(BuiltinFn),
    /// A Python callable held by the client.
    Python(u64),
    /// A callable Proxy (this object): its `apply` and `construct` traps (proxy.rs).
    Proxy(ObjectId),
    /// A promise's resolve (or reject) function.
    Resolver { promise: ObjectId, reject: bool },
    /// The handler `finally` installs: calls `on_finally`, then passes the value (or the
    /// rejection) through.
    Finally { on_finally: ObjectId, reject: bool },
    /// A function `Function.prototype.bind` made.
    Bound(Rc<BoundFunction>),
    /// A built-in that carries a value of its own: the element functions of `Promise.all` and
    /// its kin, which must remember their index and shared state.
    BuiltinWith(BuiltinWithFn, Rc<Vec<Value>>),
}

/// A built-in that gets its own captured values first: `(runtime, captured, this, args)`.
pub type BuiltinWithFn = fn(&Runtime, &[Value], Value, &[Value]) -> super::JsResult<Value>;

/// What `bind` captured: the target, the `this` it fixes and the leading arguments.
#[derive(Debug)]
pub struct BoundFunction {
    pub target: ObjectId,
    pub this: Value,
    pub args: Vec<Value>,
}

#[derive(Clone, Debug)]
pub struct Function {
    pub callable: Callable,
    /// Made by `napi_define_class`: Python calls of it construct.
    pub is_class: bool,
}

/// A native pointer attached with `napi_wrap`, and how to finalize it.
#[derive(Clone, Debug)]
pub struct Wrap {
    pub env: EnvId,
    pub data: usize,
    pub finalize: Option<Finalizer>,
    /// Registration order, for teardown (newest first).
    pub seq: u64,
}

/// The memory behind an ArrayBuffer.
#[derive(Clone, Debug)]
pub enum Backing {
    /// Host memory, boxed so the address handed to the addon never moves (empty buffers, and
    /// all buffers when shared memory cannot be had).
    Owned(Box<[u8]>),
    /// Shared memory (a host block, or a client block Python filled): crosses without a copy.
    Shared(Rc<Block>),
    /// The addon's memory (`napi_create_external_arraybuffer`/`_buffer`): valid until the
    /// object's finalizer runs, which is when the host lets go of it.
    External { ptr: usize, len: usize },
    /// After `napi_detach_arraybuffer`: no memory, length 0. A shared block stays reserved
    /// until the object dies, since Python may still hold a view of it.
    Detached(Option<Rc<Block>>),
}

#[derive(Clone, Debug)]
pub struct ArrayBufferData {
    pub backing: Backing,
    /// A SharedArrayBuffer: not an ArrayBuffer to `napi_is_arraybuffer`, never detached, not
    /// viewed by `napi_create_typedarray` (V8's `IsArrayBuffer` is false for it).
    pub shared: bool,
}

impl ArrayBufferData {
    pub fn new(backing: Backing) -> ArrayBufferData {
        ArrayBufferData { backing, shared: false }
    }

    pub fn owned(bytes: Box<[u8]>) -> ArrayBufferData {
        ArrayBufferData::new(Backing::Owned(bytes))
    }

    /// Base address and length (null and 0 once detached).
    pub fn memory(&mut self) -> (*mut u8, usize) {
        match &mut self.backing {
            Backing::Owned(b) => (b.as_mut_ptr(), b.len()),
            Backing::Shared(b) => (b.ptr(), b.len()),
            Backing::External { ptr, len } => (*ptr as *mut u8, *len),
            Backing::Detached(_) => (std::ptr::null_mut(), 0),
        }
    }

    /// The bytes, for copying out (empty once detached).
    pub fn bytes(&self) -> &[u8] {
        match &self.backing {
            Backing::Owned(b) => b,
            Backing::Shared(b) => b.bytes(),
            // SAFETY: the addon promised `len` readable bytes at `ptr` for as long as the
            // buffer lives (until its finalizer runs), and this object is alive.
            Backing::External { ptr, len } if *len > 0 => unsafe { std::slice::from_raw_parts(*ptr as *const u8, *len) },
            _ => &[],
        }
    }

    /// Copies `src` into the memory at `offset`; false (nothing written) when it does not fit,
    /// as once detached.
    pub fn write(&mut self, offset: usize, src: &[u8]) -> bool {
        let (base, len) = self.memory();
        if offset.checked_add(src.len()).is_none_or(|end| end > len) {
            return false;
        }
        // SAFETY: `memory` answers the live memory of the buffer, `len` writable bytes at `base`
        // (the host's, a shared block, or the addon's own, all valid while the object lives),
        // and the range was checked against `len`. Python may write a shared block at the same
        // time, as another thread may in Node; the bytes stay plain bytes.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), base.add(offset), src.len()) };
        true
    }

    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_detached(&self) -> bool {
        matches!(self.backing, Backing::Detached(_))
    }

    /// Detaches: the memory is no longer reachable from JS.
    pub fn detach(&mut self) {
        let keep = match &self.backing {
            Backing::Shared(b) => Some(b.clone()),
            _ => None,
        };
        self.backing = Backing::Detached(keep);
    }
}

/// The element types of `napi_typedarray_type`, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypedArrayKind {
    Int8,
    Uint8,
    Uint8Clamped,
    Int16,
    Uint16,
    Int32,
    Uint32,
    Float32,
    Float64,
    BigInt64,
    BigUint64,
    Float16,
}

impl TypedArrayKind {
    pub const ALL: [TypedArrayKind; 12] = [
        TypedArrayKind::Int8,
        TypedArrayKind::Uint8,
        TypedArrayKind::Uint8Clamped,
        TypedArrayKind::Int16,
        TypedArrayKind::Uint16,
        TypedArrayKind::Int32,
        TypedArrayKind::Uint32,
        TypedArrayKind::Float32,
        TypedArrayKind::Float64,
        TypedArrayKind::BigInt64,
        TypedArrayKind::BigUint64,
        TypedArrayKind::Float16,
    ];

    pub fn element_size(self) -> usize {
        use TypedArrayKind::*;
        match self {
            Int8 | Uint8 | Uint8Clamped => 1,
            Int16 | Uint16 | Float16 => 2,
            Int32 | Uint32 | Float32 => 4,
            Float64 | BigInt64 | BigUint64 => 8,
        }
    }

    pub fn name(self) -> &'static str {
        use TypedArrayKind::*;
        match self {
            Int8 => "Int8Array",
            Uint8 => "Uint8Array",
            Uint8Clamped => "Uint8ClampedArray",
            Int16 => "Int16Array",
            Uint16 => "Uint16Array",
            Int32 => "Int32Array",
            Uint32 => "Uint32Array",
            Float32 => "Float32Array",
            Float64 => "Float64Array",
            BigInt64 => "BigInt64Array",
            BigUint64 => "BigUint64Array",
            Float16 => "Float16Array",
        }
    }
}

/// A view on an ArrayBuffer: a typed array, a Node Buffer (a Uint8Array with `is_buffer`) or a
/// DataView (`kind` None).
#[derive(Clone, Debug)]
pub struct View {
    pub buffer: ObjectId,
    pub kind: Option<TypedArrayKind>,
    pub is_buffer: bool,
    pub byte_offset: usize,
    /// Elements for typed arrays, bytes for DataViews.
    pub length: usize,
}

/// The internal kind of an object: what `napi_is_*`, `typeof` and the conversions look at.
#[derive(Clone, Debug, Default)]
pub enum ObjectClass {
    #[default]
    Plain,
    Array,
    Function(Function),
    Error,
    Symbol {
        description: Option<JsString>,
    },
    External {
        env: EnvId,
        data: usize,
    },
    Date(f64),
    /// `Object(true)`, `Object(1)`, `Object("s")`, `Object(1n)`, `Object(sym)`.
    Primitive(Value),
    ArrayBuffer(ArrayBufferData),
    View(View),
    /// A Python object the client keeps alive while this host object lives.
    Remote(u64),
    /// `/source/flags`: the compiled pattern (see builtins/regexp.rs).
    RegExp(Rc<super::regexp::RegExpData>),
    /// `new WeakRef(target)`: the target, not kept alive by the reference.
    WeakRef(Option<ObjectId>),
    /// `new FinalizationRegistry(cleanup)`: its cells (see builtins/weak_ref.rs).
    FinalizationRegistry(Rc<std::cell::RefCell<super::collections::RegistryCells>>),
    /// `new Set()` / `new Map()`: their entries (a Set's entries map each value to itself).
    Set(OrderedTable),
    Map(OrderedTable),
    /// `new WeakSet()` / `new WeakMap()`: entries keyed by identity, dropped with their keys.
    WeakSet(WeakTable),
    WeakMap(WeakTable),
    /// An iterator `values()`, `keys()` or `entries()` returned, over an array, Set or Map.
    Iterator(CollectionIterator),
    Promise(super::promise::PromiseData),
    /// `new Proxy(target, handler)`: its internal methods are the handler's traps (proxy.rs).
    Proxy(ProxyData),
}

/// A Proxy's target and handler, both `None` once `revoke` ran. Whether it can be called or
/// constructed is fixed when it is made, from its target, and outlives revocation (`typeof`).
#[derive(Clone, Debug)]
pub struct ProxyData {
    pub target: Option<ObjectId>,
    pub handler: Option<ObjectId>,
    pub callable: bool,
    pub constructor: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Object {
    pub class: ObjectClass,
    pub proto: Option<ObjectId>,
    /// Own properties in insertion order; `keys()` sorts indices first as JS requires.
    pub props: Props,
    pub extensible: bool,
    pub wrap: Option<Wrap>,
    pub type_tag: Option<(u64, u64)>,
    /// Made at the client's request (`js.object`, `js.array`): it always crosses by reference,
    /// so the client and the addon share it.
    pub by_reference: bool,
    /// `napi_add_finalizer` registrations, run when the object is collected.
    pub finalizers: Vec<Finalization>,
}

/// A finalizer due when its object dies (or at teardown): `cb(env, data, hint)`. `seq` orders
/// registrations, so teardown can run them newest first. `memory`: it frees an external
/// ArrayBuffer's or Buffer's memory, which node does at teardown before any cleanup hook runs.
#[derive(Clone, Copy, Debug)]
pub struct Finalization {
    pub env: EnvId,
    pub cb: NativeFn<Finalize>,
    pub data: usize,
    pub hint: usize,
    pub seq: u64,
    pub memory: bool,
}

impl Finalization {
    /// A finalizer that frees no external buffer's memory (`memory` false): all but those of
    /// external buffers.
    pub fn new(env: EnvId, cb: NativeFn<Finalize>, data: usize, hint: usize, seq: u64) -> Finalization {
        Finalization { env, cb, data, hint, seq, memory: false }
    }
}

impl Object {
    /// Whether dropping the object would free nothing: no property ever set, no finalizer or
    /// wrap, and a class that holds no memory (a view; an ArrayBuffer whose block was taken,
    /// `take_block`; a plain object). Most objects a collection frees are such (a call's
    /// Buffer and its ArrayBuffer), and the drop's walk of every field cost about 55
    /// instructions an object (`Heap::free`).
    #[inline]
    pub fn owns_no_memory(&self) -> bool {
        let class = match &self.class {
            ObjectClass::View(_) | ObjectClass::Plain | ObjectClass::Array => true,
            ObjectClass::ArrayBuffer(data) => matches!(data.backing, Backing::Detached(None) | Backing::External { .. }),
            _ => false,
        };
        class && self.wrap.is_none() && self.finalizers.capacity() == 0 && self.props.owns_no_memory()
    }

    /// The shared block of an ArrayBuffer that dies, taken out of it (see `SharedMemory::recycle`).
    pub fn take_block(&mut self) -> Option<Rc<Block>> {
        let ObjectClass::ArrayBuffer(data) = &mut self.class else { return None };
        match std::mem::replace(&mut data.backing, Backing::Detached(None)) {
            Backing::Shared(block) | Backing::Detached(Some(block)) => Some(block),
            other => {
                data.backing = other;
                None
            }
        }
    }

    pub fn function(&self) -> Option<&Function> {
        match &self.class {
            ObjectClass::Function(f) => Some(f),
            _ => None,
        }
    }

    pub fn is_callable(&self) -> bool {
        match &self.class {
            ObjectClass::Function(_) => true,
            ObjectClass::Proxy(p) => p.callable,
            _ => false,
        }
    }

    pub fn is_proxy(&self) -> bool {
        matches!(self.class, ObjectClass::Proxy(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self.class, ObjectClass::Array)
    }

    /// Own keys in JS order: integer indices ascending, then strings and symbols in insertion
    /// order (strings before symbols).
    pub fn own_keys(&self) -> Vec<PropertyKey> {
        self.own_properties().map(|(k, _)| k.clone()).collect()
    }

    /// The own properties in `own_keys`' order: integer indices ascending, then names, then
    /// symbols, each as inserted.
    pub fn own_properties(&self) -> impl Iterator<Item = (&PropertyKey, &Property)> {
        let mut indices: Vec<(u32, (&PropertyKey, &Property))> = self
            .props
            .iter()
            .filter_map(|kp| match kp.0 {
                PropertyKey::Index(i) => Some((*i, kp)),
                _ => None,
            })
            .collect();
        indices.sort_unstable_by_key(|&(i, _)| i);
        let of_kind = |kind: fn(&PropertyKey) -> bool| self.props.iter().filter(move |(k, _)| kind(k));
        let names = of_kind(|k| matches!(k, PropertyKey::String(_)));
        let symbols = of_kind(|k| matches!(k, PropertyKey::Symbol(_)));
        indices.into_iter().map(|(_, kp)| kp).chain(names).chain(symbols)
    }
}
