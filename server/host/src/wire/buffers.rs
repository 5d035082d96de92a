//! Buffers both ways: the kind a view crosses as, its bytes copied, and the host objects made
//! over what the client sent (copied bytes, shared memory, in-process memory lent).

use napi_protocol as proto;
use proto::{BufferKind, Failure, FailureKind};

use napi_runtime::object::{ArrayBufferData, Backing, ObjectClass, TypedArrayKind, View};
use napi_runtime::{JsResult, ObjectId, Runtime};

pub(super) fn buffer_kind(view: &View) -> BufferKind {
    if view.is_buffer {
        return BufferKind::Buffer;
    }
    match view.kind {
        None => BufferKind::DataView,
        Some(k) => match k {
            TypedArrayKind::Int8 => BufferKind::Int8,
            TypedArrayKind::Uint8 => BufferKind::Uint8,
            TypedArrayKind::Uint8Clamped => BufferKind::Uint8Clamped,
            TypedArrayKind::Int16 => BufferKind::Int16,
            TypedArrayKind::Uint16 => BufferKind::Uint16,
            TypedArrayKind::Int32 => BufferKind::Int32,
            TypedArrayKind::Uint32 => BufferKind::Uint32,
            TypedArrayKind::Float32 => BufferKind::Float32,
            TypedArrayKind::Float64 => BufferKind::Float64,
            TypedArrayKind::BigInt64 => BufferKind::BigInt64,
            TypedArrayKind::BigUint64 => BufferKind::BigUint64,
            TypedArrayKind::Float16 => BufferKind::Float16,
        },
    }
}

pub(super) fn typed_kind(kind: BufferKind) -> Option<TypedArrayKind> {
    Some(match kind {
        BufferKind::Int8 => TypedArrayKind::Int8,
        BufferKind::Uint8 | BufferKind::Buffer => TypedArrayKind::Uint8,
        BufferKind::Uint8Clamped => TypedArrayKind::Uint8Clamped,
        BufferKind::Int16 => TypedArrayKind::Int16,
        BufferKind::Uint16 => TypedArrayKind::Uint16,
        BufferKind::Int32 => TypedArrayKind::Int32,
        BufferKind::Uint32 => TypedArrayKind::Uint32,
        BufferKind::Float32 => TypedArrayKind::Float32,
        BufferKind::Float64 => TypedArrayKind::Float64,
        BufferKind::BigInt64 => TypedArrayKind::BigInt64,
        BufferKind::BigUint64 => TypedArrayKind::BigUint64,
        BufferKind::Float16 => TypedArrayKind::Float16,
        _ => return None,
    })
}

/// A copy of `len` bytes at `offset` of ArrayBuffer `buffer` (checked by the caller).
pub(super) fn view_bytes(rt: &Runtime, buffer: ObjectId, offset: usize, len: usize) -> Vec<u8> {
    match rt.heap().get(buffer).map(|o| &o.class) {
        Some(ObjectClass::ArrayBuffer(data)) => data.bytes().get(offset..offset + len).map(<[u8]>::to_vec).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The ArrayBuffer under a new value of `kind`: a SharedArrayBuffer for that kind.
pub(super) fn new_arraybuffer(rt: &Runtime, kind: BufferKind, data: ArrayBufferData) -> ObjectId {
    rt.new_arraybuffer(ArrayBufferData { shared: kind == BufferKind::SharedArrayBuffer, ..data })
}

/// `kind`'s object over `len` bytes at `offset` of ArrayBuffer `ab`: `ab` itself for the
/// ArrayBuffer kinds (the caller passes all of it), else a new view.
pub(super) fn view_over(rt: &Runtime, ab: ObjectId, kind: BufferKind, offset: usize, len: usize) -> ObjectId {
    if matches!(kind, BufferKind::ArrayBuffer | BufferKind::SharedArrayBuffer) {
        return ab;
    }
    let view = match typed_kind(kind) {
        Some(k) => {
            View { buffer: ab, kind: Some(k), is_buffer: kind == BufferKind::Buffer, byte_offset: offset, length: len / k.element_size() }
        }
        None => View { buffer: ab, kind: None, is_buffer: false, byte_offset: offset, length: len },
    };
    rt.new_view(view)
}

pub(super) fn bad_request(message: impl Into<String>) -> Failure {
    Failure { kind: FailureKind::BadRequest, message: message.into() }
}

/// The buffer Python sent in shared memory: over its upload block, or sharing the host
/// ArrayBuffer whose memory it is.
pub(super) fn shared_to_object(rt: &Runtime, kind: BufferKind, region: proto::Region, upload: bool) -> Result<ObjectId, Failure> {
    // An upload's block is taken first, so that a refused one still goes back to the client.
    let block = if upload { Some(rt.shm().peer_block(region).map_err(bad_request)?) } else { None };
    let len = usize::try_from(region.len).map_err(|_| bad_request("buffer too large"))?;
    if len % kind.element_size() != 0 {
        return Err(bad_request(format!("{len} bytes do not make whole elements of {} bytes", kind.element_size())));
    }
    if let Some(block) = block {
        let ab = new_arraybuffer(rt, kind, ArrayBufferData::new(Backing::Shared(block)));
        return Ok(view_over(rt, ab, kind, 0, len));
    }
    let (ab, offset) = rt.shm().owner_of(region).ok_or_else(|| bad_request("the memory passed is not a live buffer of this host"))?;
    let (whole, shared) = match rt.heap().get(ab).map(|o| &o.class) {
        Some(ObjectClass::ArrayBuffer(data)) if !data.is_detached() => (data.len(), data.shared),
        _ => return Err(bad_request("the memory passed belongs to a detached ArrayBuffer")),
    };
    let whole_kind = if shared { BufferKind::SharedArrayBuffer } else { BufferKind::ArrayBuffer };
    if matches!(kind, BufferKind::ArrayBuffer | BufferKind::SharedArrayBuffer) && (kind, offset, len) != (whole_kind, 0, whole) {
        return Err(bad_request("an ArrayBuffer must be passed whole, as the kind it is"));
    }
    if offset % kind.element_size() != 0 {
        return Err(bad_request(format!("offset {offset} is not a multiple of the element size {}", kind.element_size())));
    }
    Ok(view_over(rt, ab, kind, offset, len))
}

/// The buffer an in-process client lent its memory for (`Value::Lent`): over that memory, in
/// place. The request that took it lets go of it when it ends, unless something reaches it then
/// (`Host::end_lends`).
pub(super) fn lent_to_object(rt: &Runtime, kind: BufferKind, address: u64, region: proto::Region) -> Result<ObjectId, Failure> {
    let block = rt.shm().lent_block(address, region).map_err(bad_request)?;
    let len = block.len();
    if len % kind.element_size() != 0 {
        return Err(bad_request(format!("{len} bytes do not make whole elements of {} bytes", kind.element_size())));
    }
    let ab = new_arraybuffer(rt, kind, ArrayBufferData::new(Backing::Shared(block)));
    rt.shm().note_lent(ab);
    Ok(view_over(rt, ab, kind, 0, len))
}

/// A new zero-filled buffer of `kind` and `len` bytes.
pub fn new_buffer(rt: &Runtime, kind: BufferKind, len: usize) -> JsResult<ObjectId> {
    let ab = new_arraybuffer(rt, kind, rt.new_backing(len, None)?);
    Ok(view_over(rt, ab, kind, 0, len))
}

/// A new buffer of `kind` holding a copy of `data`.
pub(crate) fn bytes_to_object(rt: &Runtime, kind: BufferKind, data: &[u8]) -> Result<ObjectId, Failure> {
    let memory =
        rt.new_backing(data.len(), Some(data)).map_err(|_| bad_request(format!("no memory for a buffer of {} bytes", data.len())))?;
    Ok(view_over(rt, new_arraybuffer(rt, kind, memory), kind, 0, data.len()))
}
