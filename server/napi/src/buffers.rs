//! ArrayBuffers, typed arrays, DataViews and Node Buffers. Their memory is shared with the
//! client where it can be (`runtime::shm`); external memory stays the addon's.

use std::ffi::c_void;

use super::callback::native_finalizer;
use super::entry::{self, fail, Cx, NapiResult, OrStatus};
use super::pointers::{self, Out};
use super::types::*;
use napi_runtime::convert::ErrorKind;
use napi_runtime::handle_reads::{ViewAt, ViewKind};
use napi_runtime::object::{ArrayBufferData, Backing, Finalization, ObjectClass, TypedArrayKind, View};
use napi_runtime::{ObjectId, Value};

/// Node's `buffer.constants.MAX_LENGTH` on 64-bit targets (2^32).
pub const MAX_BUFFER_LENGTH: usize = 1 << 32;

impl Cx<'_> {
    /// A new ArrayBuffer of `len` zero bytes, or a copy of `init`, in shared memory when it
    /// can be had.
    fn new_arraybuffer(&self, len: usize, init: Option<&[u8]>) -> NapiResult<ObjectId> {
        Ok(self.rt.new_arraybuffer(self.rt.new_backing(len, init)?))
    }

    /// An ArrayBuffer (or SharedArrayBuffer) over the addon's memory, finalized with `finalize`
    /// when it dies.
    pub(super) fn external_arraybuffer(
        &self,
        data: *mut c_void,
        len: usize,
        finalize: napi_finalize,
        hint: *mut c_void,
        shared: bool,
    ) -> ObjectId {
        // V8 reports an ArrayBuffer without memory as detached (node 20:
        // napi_is_detached_arraybuffer of napi_create_external_arraybuffer(NULL) is true).
        let backing = if data.is_null() && !shared { Backing::Detached(None) } else { Backing::External { ptr: data as usize, len } };
        let id = self.rt.new_arraybuffer(ArrayBufferData { shared, ..ArrayBufferData::new(backing) });
        if let Some(cb) = finalize {
            // A finalizer of its own, not a wrap: the buffer can still be wrapped, as in node.
            let seq = self.rt.next_seq();
            // It frees the buffer's memory, which node does at teardown before the cleanup hooks.
            let f =
                Finalization { memory: !shared, ..Finalization::new(self.env.id, native_finalizer(cb), data as usize, hint as usize, seq) };
            self.rt.heap_mut().obj_mut(id).finalizers.push(f);
        }
        id
    }

    /// The memory the info functions report: as `arraybuffer_memory`, with no address for an
    /// empty buffer (V8 gives an empty backing store no memory: node's `data` is NULL there).
    pub(super) fn reported_memory(&self, id: ObjectId) -> Option<(*mut u8, usize)> {
        self.arraybuffer_memory(id).map(|(ptr, len)| (if len == 0 { std::ptr::null_mut() } else { ptr }, len))
    }

    /// Base address and length of an ArrayBuffer or SharedArrayBuffer (null and 0 once
    /// detached).
    pub(super) fn arraybuffer_memory(&self, id: ObjectId) -> Option<(*mut u8, usize)> {
        let mut heap = self.rt.heap_mut();
        match &mut heap.get_mut(id)?.class {
            ObjectClass::ArrayBuffer(data) => Some(data.memory()),
            _ => None,
        }
    }

    /// What kind of view the value behind a `napi_value` is; null or a handle outside the live
    /// scopes is `napi_invalid_arg`.
    #[inline(always)]
    fn view_kind(&self, v: napi_value) -> NapiResult<ViewKind> {
        self.rt.view_kind_at(v as usize).or_status(status::INVALID_ARG)
    }

    /// The view behind a `napi_value`, with its buffer's memory, read where they lie (`None`
    /// for a value that is no view); null or a handle outside the live scopes is
    /// `napi_invalid_arg`.
    #[inline(always)]
    fn view(&self, v: napi_value) -> NapiResult<Option<ViewAt>> {
        self.rt.view_at(v as usize).or_status(status::INVALID_ARG)
    }

    /// Whether `v` is an ArrayBuffer (`shared` false) or a SharedArrayBuffer (`shared` true).
    pub(super) fn is_arraybuffer(&self, v: &Value, shared: bool) -> bool {
        let Value::Object(id) = v else { return false };
        matches!(self.rt.heap().get(*id).map(|o| &o.class), Some(ObjectClass::ArrayBuffer(d)) if d.shared == shared)
    }

    /// An ArrayBuffer or SharedArrayBuffer argument for a view (node 24 takes both; node 20
    /// refused a SharedArrayBuffer).
    fn arraybuffer_arg(&self, v: napi_value) -> NapiResult<ObjectId> {
        match self.value(v)? {
            Value::Object(id) if self.is_arraybuffer(&Value::Object(id), false) || self.is_arraybuffer(&Value::Object(id), true) => Ok(id),
            _ => fail(status::INVALID_ARG),
        }
    }

    /// A new Buffer over fresh memory; `init` fills it.
    fn new_buffer(&self, len: usize, init: Option<&[u8]>) -> NapiResult<(ObjectId, *mut u8)> {
        if len > MAX_BUFFER_LENGTH {
            return Err(self
                .rt
                .range_error(format!("The value of \"size\" is out of range. It must be >= 0 && <= {MAX_BUFFER_LENGTH}. Received {len}"))
                .into());
        }
        let ab = self.new_arraybuffer(len, init)?;
        let (ptr, _) = self.arraybuffer_memory(ab).expect("just made");
        let view = View { buffer: ab, kind: Some(TypedArrayKind::Uint8), is_buffer: true, byte_offset: 0, length: len };
        Ok((self.rt.new_view(view), ptr))
    }
}

fn throw_range(cx: &Cx, code: &str, message: &str) {
    let e = cx.rt.new_error(ErrorKind::RangeError, message.into(), Some(Value::str(code)));
    cx.rt.throw(Value::Object(e));
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_arraybuffer(
    env: napi_env,
    byte_length: usize,
    data: Out<*mut c_void>,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_create_arraybuffer", move |cx| {
        let slot = result.required()?;
        if byte_length > MAX_BUFFER_LENGTH {
            return Err(cx.rt.range_error("Array buffer allocation failed".into()).into());
        }
        let ab = cx.new_arraybuffer(byte_length, None)?;
        if let Some(data) = data.optional() {
            data.write(cx.arraybuffer_memory(ab).expect("just made").0 as *mut c_void);
        }
        slot.write(cx.handle(Value::Object(ab)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_arraybuffer_info(
    env: napi_env,
    arraybuffer: napi_value,
    data: Out<*mut c_void>,
    byte_length: Out<usize>,
) -> napi_status {
    entry::plain(env, "napi_get_arraybuffer_info", move |cx| {
        // Either kind: Node-API's SharedArrayBuffer functions read its memory through this.
        let Value::Object(ab) = cx.value(arraybuffer)? else { return fail(status::INVALID_ARG) };
        let Some((ptr, len)) = cx.reported_memory(ab) else { return fail(status::INVALID_ARG) };
        if let Some(data) = data.optional() {
            data.write(ptr as *mut c_void);
        }
        if let Some(byte_length) = byte_length.optional() {
            byte_length.write(len);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_arraybuffer(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_arraybuffer", move |cx| {
        let v = cx.value(value)?;
        result.write(cx.is_arraybuffer(&v, false))?;
        Ok(())
    })
}

fn typed_array_kind(t: i32) -> Option<TypedArrayKind> {
    TypedArrayKind::ALL.get(usize::try_from(t).ok()?).copied()
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_typedarray(
    env: napi_env,
    type_: i32,
    length: usize,
    arraybuffer: napi_value,
    byte_offset: usize,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_create_typedarray", move |cx| {
        cx.value(arraybuffer)?;
        let slot = result.required()?;
        let ab = cx.arraybuffer_arg(arraybuffer)?;
        let kind = typed_array_kind(type_).or_status(status::INVALID_ARG)?;
        let size = kind.element_size();
        if size > 1 && !byte_offset.is_multiple_of(size) {
            let msg = format!("start offset of {} should be a multiple of {size}", kind.name());
            throw_range(cx, "ERR_NAPI_INVALID_TYPEDARRAY_ALIGNMENT", &msg);
            return fail(status::GENERIC_FAILURE);
        }
        let (_, ab_len) = cx.arraybuffer_memory(ab).expect("checked");
        if length.checked_mul(size).and_then(|n| n.checked_add(byte_offset)).is_none_or(|end| end > ab_len) {
            throw_range(cx, "ERR_NAPI_INVALID_TYPEDARRAY_LENGTH", "Invalid typed array length");
            return fail(status::GENERIC_FAILURE);
        }
        let view = View { buffer: ab, kind: Some(kind), is_buffer: false, byte_offset, length };
        slot.write(cx.handle(Value::Object(cx.rt.new_view(view))));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_typedarray(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_typedarray", move |cx| {
        result.write(matches!(cx.view_kind(value)?, ViewKind::Typed(_)))?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_typedarray_info(
    env: napi_env,
    typedarray: napi_value,
    type_: Out<i32>,
    length: Out<usize>,
    data: Out<*mut c_void>,
    arraybuffer: Out<napi_value>,
    byte_offset: Out<usize>,
) -> napi_status {
    entry::plain(env, "napi_get_typedarray_info", move |cx| {
        let Some(view @ ViewAt { kind: Some(kind), .. }) = cx.view(typedarray)? else {
            // node writes nothing here; addons that read the length without checking the status
            // (quickbit-native's libjs glue, given a plain array) then find whatever their stack
            // held, which under node happens to be 0. An empty view is the answer that holds.
            empty_view(length, data, Some(byte_offset));
            return fail(status::INVALID_ARG);
        };
        if let Some(type_) = type_.optional() {
            type_.write(kind as i32);
        }
        // A view on a detached buffer has no elements left (V8 reports 0 and no data).
        let live = !view.base.is_null();
        if let Some(length) = length.optional() {
            length.write(if live { view.length } else { 0 });
        }
        if let Some(data) = data.optional() {
            data.write(view.data() as *mut c_void);
        }
        if let Some(arraybuffer) = arraybuffer.optional() {
            // Made in its slot: napi-rs asks for it on every call (and lets it go).
            let buffer = view.buffer;
            arraybuffer.write(cx.rt.handles_mut().push_with(move || Value::Object(buffer)) as napi_value);
        }
        if let Some(byte_offset) = byte_offset.optional() {
            byte_offset.write(if live { view.byte_offset } else { 0 });
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_dataview(
    env: napi_env,
    byte_length: usize,
    arraybuffer: napi_value,
    byte_offset: usize,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_create_dataview", move |cx| {
        cx.value(arraybuffer)?;
        let slot = result.required()?;
        let ab = cx.arraybuffer_arg(arraybuffer)?;
        let (_, ab_len) = cx.arraybuffer_memory(ab).expect("checked");
        if byte_length.checked_add(byte_offset).is_none_or(|end| end > ab_len) {
            throw_range(
                cx,
                "ERR_NAPI_INVALID_DATAVIEW_ARGS",
                "byte_offset + byte_length should be less than or equal to the size in bytes of the array passed in",
            );
            return fail(status::PENDING_EXCEPTION);
        }
        let view = View { buffer: ab, kind: None, is_buffer: false, byte_offset, length: byte_length };
        slot.write(cx.handle(Value::Object(cx.rt.new_view(view))));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_dataview(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_dataview", move |cx| {
        result.write(cx.view_kind(value)? == ViewKind::DataView)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_dataview_info(
    env: napi_env,
    dataview: napi_value,
    bytelength: Out<usize>,
    data: Out<*mut c_void>,
    arraybuffer: Out<napi_value>,
    byte_offset: Out<usize>,
) -> napi_status {
    entry::plain(env, "napi_get_dataview_info", move |cx| {
        let view = cx.view(dataview)?.filter(|view| view.kind.is_none()).or_status(status::INVALID_ARG)?;
        if let Some(bytelength) = bytelength.optional() {
            bytelength.write(view.length);
        }
        if let Some(data) = data.optional() {
            data.write(view.data() as *mut c_void);
        }
        if let Some(arraybuffer) = arraybuffer.optional() {
            arraybuffer.write(cx.handle(Value::Object(view.buffer)));
        }
        if let Some(byte_offset) = byte_offset.optional() {
            byte_offset.write(view.byte_offset);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_buffer(env: napi_env, size: usize, data: Out<*mut c_void>, result: Out<napi_value>) -> napi_status {
    entry::js(env, "napi_create_buffer", move |cx| {
        let slot = result.required()?;
        let (buf, ptr) = cx.new_buffer(size, None)?;
        if let Some(data) = data.optional() {
            data.write(ptr as *mut c_void);
        }
        slot.write(cx.handle(Value::Object(buf)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_buffer_copy(
    env: napi_env,
    length: usize,
    data: *const c_void,
    result_data: Out<*mut c_void>,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_create_buffer_copy", move |cx| {
        let slot = result.required()?;
        // SAFETY: Node-API: `data` holds `length` bytes.
        let src = unsafe { pointers::array(data as *const u8, length) }?;
        let (buf, ptr) = cx.new_buffer(length, Some(src))?;
        if let Some(result_data) = result_data.optional() {
            result_data.write(ptr as *mut c_void);
        }
        slot.write(cx.handle(Value::Object(buf)));
        Ok(())
    })
}

/// Node treats every ArrayBufferView as a Buffer here (`Buffer::HasInstance`).
#[no_mangle]
pub unsafe extern "C" fn napi_is_buffer(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_buffer", move |cx| {
        result.write(cx.view_kind(value)? != ViewKind::None)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_buffer_info(env: napi_env, value: napi_value, data: Out<*mut c_void>, length: Out<usize>) -> napi_status {
    entry::plain(env, "napi_get_buffer_info", move |cx| {
        let Some(view) = cx.view(value)? else {
            // As napi_get_typedarray_info: no view, an empty one for those who read it anyway.
            empty_view(length, data, None);
            return fail(status::INVALID_ARG);
        };
        if let Some(data) = data.optional() {
            data.write(view.data() as *mut c_void);
        }
        if let Some(length) = length.optional() {
            length.write(view.length * view.kind.map_or(1, TypedArrayKind::element_size));
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_external_arraybuffer(
    env: napi_env,
    external_data: *mut c_void,
    byte_length: usize,
    finalize_cb: napi_finalize,
    finalize_hint: *mut c_void,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_create_external_arraybuffer", move |cx| {
        // Checked before adopting anything: on failure the finalizer must not run.
        let slot = result.required()?;
        let ab = cx.external_arraybuffer(external_data, byte_length, finalize_cb, finalize_hint, false);
        slot.write(cx.handle(Value::Object(ab)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_create_external_buffer(
    env: napi_env,
    length: usize,
    data: *mut c_void,
    finalize_cb: napi_finalize,
    finalize_hint: *mut c_void,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "napi_create_external_buffer", move |cx| {
        let slot = result.required()?;
        if length > MAX_BUFFER_LENGTH {
            return Err(cx
                .rt
                .range_error(format!("The value of \"size\" is out of range. It must be >= 0 && <= {MAX_BUFFER_LENGTH}. Received {length}"))
                .into());
        }
        let ab = cx.external_arraybuffer(data, length, finalize_cb, finalize_hint, false);
        let view = View { buffer: ab, kind: Some(TypedArrayKind::Uint8), is_buffer: true, byte_offset: 0, length };
        slot.write(cx.handle(Value::Object(cx.rt.new_view(view))));
        Ok(())
    })
}

/// A Buffer over part of an existing ArrayBuffer (sharing its memory).
#[no_mangle]
pub unsafe extern "C" fn node_api_create_buffer_from_arraybuffer(
    env: napi_env,
    arraybuffer: napi_value,
    byte_offset: usize,
    byte_length: usize,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "node_api_create_buffer_from_arraybuffer", move |cx| {
        let v = cx.value(arraybuffer)?;
        let slot = result.required()?;
        let ab = match v {
            Value::Object(id) if cx.is_arraybuffer(&v, false) => id,
            _ => return fail(status::ARRAYBUFFER_EXPECTED),
        };
        let (_, len) = cx.arraybuffer_memory(ab).expect("checked");
        if byte_offset.checked_add(byte_length).is_none_or(|end| end > len) {
            throw_range(cx, "ERR_OUT_OF_RANGE", "The byte offset + length is out of range");
            return fail(status::PENDING_EXCEPTION);
        }
        let view = View { buffer: ab, kind: Some(TypedArrayKind::Uint8), is_buffer: true, byte_offset, length: byte_length };
        slot.write(cx.handle(Value::Object(cx.rt.new_view(view))));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_detach_arraybuffer(env: napi_env, arraybuffer: napi_value) -> napi_status {
    entry::plain(env, "napi_detach_arraybuffer", move |cx| {
        let Value::Object(id) = cx.value(arraybuffer)? else { return fail(status::ARRAYBUFFER_EXPECTED) };
        let memory = {
            let mut heap = cx.rt.heap_mut();
            match heap.get_mut(id) {
                Some(object) => match &mut object.class {
                    ObjectClass::ArrayBuffer(data) if !data.shared => {
                        data.detach();
                        // Node frees a detached buffer's memory: an external one's finalizer
                        // runs on the loop's next turn, not when the object dies.
                        let (memory, kept): (Vec<_>, Vec<_>) = object.finalizers.drain(..).partition(|f| f.memory);
                        object.finalizers = kept;
                        memory
                    }
                    _ => return fail(status::ARRAYBUFFER_EXPECTED),
                },
                None => return fail(status::ARRAYBUFFER_EXPECTED),
            }
        };
        for f in memory {
            cx.rt.post_finalizer(f);
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_is_detached_arraybuffer(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "napi_is_detached_arraybuffer", move |cx| {
        let v = cx.value(value)?;
        let slot = result.required()?;
        slot.write(match v {
            Value::Object(id) => {
                matches!(cx.rt.heap().get(id).map(|o| &o.class), Some(ObjectClass::ArrayBuffer(d)) if d.is_detached())
            }
            _ => false,
        });
        Ok(())
    })
}

/// Writes an empty view (no elements, no data, at offset 0) into the outputs given.
fn empty_view(length: Out<usize>, data: Out<*mut c_void>, byte_offset: Option<Out<usize>>) {
    if let Some(length) = length.optional() {
        length.write(0);
    }
    if let Some(data) = data.optional() {
        data.write(std::ptr::null_mut());
    }
    if let Some(byte_offset) = byte_offset.and_then(Out::optional) {
        byte_offset.write(0);
    }
}

#[cfg(test)]
mod tests;
