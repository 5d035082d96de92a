//! Values as they travel between the host and the client.
//!
//! JavaScript values are sent by value when Python gets a copy of them anyway (primitives, arrays,
//! plain data objects, sets, dates, buffer bytes) and by reference otherwise: a [`JsRef`] names an
//! object that stays in the host's heap, a [`PyRef`] names a Python object that stays in the client.

use bincode::{Decode, Encode};

/// Identifies an object in the host's heap for as long as the client holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct ObjectId(pub u64);

/// Identifies a Python object held by the client's table of exported objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct PyRef(pub u64);

/// What kind of host object a [`JsRef`] names, so the client can pick a proxy type without asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
#[non_exhaustive]
pub enum RefKind {
    Object,
    Array,
    /// A function created by `napi_create_function` or a host built-in: calling it calls it.
    Function,
    /// A constructor created by `napi_define_class`: calling it from Python constructs it.
    Class,
    Error,
    Symbol,
    External,
    Promise,
    /// A Python object the host holds on the client's behalf (round-tripped back as itself).
    Remote,
}

/// A reference to an object that lives in the host.
#[derive(Clone, Debug, PartialEq, Encode, Decode)]
pub struct JsRef {
    pub id: ObjectId,
    pub kind: RefKind,
    /// The object's prototype when it is a class prototype (has a `constructor` made by
    /// `napi_define_class`), so the client can cache that class's method table once.
    pub class_proto: Option<ObjectId>,
    /// A short human-readable tag for `repr` (function or class name, constructor name).
    pub label: String,
}

/// The element type of a buffer-like value; mirrors `napi_typedarray_type` plus the
/// non-typed-array kinds, with `Float16` (`napi_float16_array`, newer than those) last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode)]
#[non_exhaustive]
pub enum BufferKind {
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
    Buffer,
    DataView,
    ArrayBuffer,
    SharedArrayBuffer,
    Float16,
}

impl BufferKind {
    /// Every kind.
    pub const ALL: [BufferKind; 16] = [
        BufferKind::Int8,
        BufferKind::Uint8,
        BufferKind::Uint8Clamped,
        BufferKind::Int16,
        BufferKind::Uint16,
        BufferKind::Int32,
        BufferKind::Uint32,
        BufferKind::Float32,
        BufferKind::Float64,
        BufferKind::BigInt64,
        BufferKind::BigUint64,
        BufferKind::Buffer,
        BufferKind::DataView,
        BufferKind::ArrayBuffer,
        BufferKind::SharedArrayBuffer,
        BufferKind::Float16,
    ];

    /// Bytes per element (1 for byte-oriented kinds).
    pub fn element_size(self) -> usize {
        match self {
            BufferKind::Int16 | BufferKind::Uint16 | BufferKind::Float16 => 2,
            BufferKind::Int32 | BufferKind::Uint32 | BufferKind::Float32 => 4,
            BufferKind::Float64 | BufferKind::BigInt64 | BufferKind::BigUint64 => 8,
            _ => 1,
        }
    }
}

/// Which process made a shared-memory segment (each numbers its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub enum SegmentOwner {
    Host,
    Client,
}

/// The segment number of a [`Value::Lent`]'s region: no segment, the client's own memory,
/// and the region's `offset` is the lend's token.
pub const LENT_SEGMENT: u32 = u32::MAX;

/// A range of bytes in a shared-memory segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Encode, Decode)]
pub struct Region {
    pub owner: SegmentOwner,
    pub segment: u32,
    pub offset: u64,
    pub len: u64,
}

/// A BigInt as sign and magnitude in little-endian 64-bit words (the layout of
/// `napi_get_value_bigint_words`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct BigIntValue {
    pub negative: bool,
    pub words: Vec<u64>,
}

/// A value crossing the boundary in either direction. Nested as deep as its maker nested it:
/// `value_tree` walks it (drops, clones, compares and prints it too) without recursion.
#[non_exhaustive]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    BigInt(BigIntValue),
    /// A JS array, copied element by element.
    Array(Vec<Value>),
    /// A plain data object (prototype `Object.prototype` or null, data properties only), copied.
    Object(Vec<(String, Value)>),
    /// Milliseconds since the epoch, as `Date.prototype.valueOf`.
    Date(f64),
    /// Bytes of a buffer-like value, copied (when shared memory is unavailable; and small
    /// values the client builds itself).
    Bytes {
        kind: BufferKind,
        data: Vec<u8>,
    },
    /// Host to client: a buffer-like host object whose bytes lie at `region` (of `kind`'s
    /// elements). The client holds `object` as it holds a [`JsRef`] and maps the memory itself.
    Shared {
        object: ObjectId,
        kind: BufferKind,
        region: Region,
    },
    /// Client to host: bytes the client copied into a block of one of its own segments. The
    /// host makes a new buffer over the block and owns it until it sends it back
    /// ([`crate::ServerMessage::Returned`]).
    Upload {
        kind: BufferKind,
        region: Region,
    },
    /// Client to host: memory already inside a host segment (a view of a buffer the host sent):
    /// the host makes a new view sharing the ArrayBuffer that owns it, with no copy.
    InPlace {
        kind: BufferKind,
        region: Region,
    },
    /// An object that stays in the host.
    Js(JsRef),
    /// A Python object that stays in the client. `callable` says whether the host should make it
    /// a function; the first time the host sees an id it creates the JS object for it.
    Py {
        id: PyRef,
        callable: bool,
    },
    /// Client to an in-process host only (one address space): `region.len` bytes of the
    /// client's own memory at `address` (a writable Python buffer), lent for as long as the host
    /// uses them. The host makes a buffer over them in place; when nothing reaches it after the
    /// request, or later when it dies, the host gives the lend back as a block
    /// ([`crate::ServerMessage::Returned`]) whose region is `region`: owner `Client`, segment
    /// [`LENT_SEGMENT`], `offset` the client's token. A host in a process of its own refuses it.
    Lent {
        kind: BufferKind,
        address: u64,
        region: Region,
    },
    /// In a direct request to an in-process host only (one address space, no bytes): in place of
    /// a container among the operands, the `n`th of the values the caller walks straight from
    /// its objects into the heap when the host asks. Never encoded: a request that goes
    /// by message carries the values themselves.
    Walked(u32),
}
