//! The view functions an addon calls on every call, read where the view lies: what each reports
//! of a typed array of each kind, a DataView, a detached buffer, memory of each backing, and of
//! values that are no views.

use std::ffi::{c_void, CString};
use std::ptr::null_mut;

use super::*;
use crate::entry::env_handle;
use crate::values::napi_typeof;
use napi_runtime::Runtime;

/// What `napi_get_typedarray_info` answers: the status, type, length, data, the buffer's
/// handle and byte offset, each out-pointer primed with a marker it must overwrite.
struct Info {
    status: napi_status,
    kind: i32,
    length: usize,
    data: *mut c_void,
    buffer: napi_value,
    offset: usize,
}

fn typedarray_info(env: napi_env, value: napi_value) -> Info {
    let mut i = Info { status: -1, kind: -1, length: 99, data: std::ptr::dangling_mut(), buffer: null_mut(), offset: 99 };
    // SAFETY: `env` is this thread's runtime's env; the out-pointers are live locals.
    i.status = unsafe {
        napi_get_typedarray_info(
            env,
            value,
            Out::from_raw(&mut i.kind),
            Out::from_raw(&mut i.length),
            Out::from_raw(&mut i.data),
            Out::from_raw(&mut i.buffer),
            Out::from_raw(&mut i.offset),
        )
    };
    i
}

/// The answers of the three tests for a view: typed array, DataView, Buffer (any view).
fn kind_tests(env: napi_env, value: napi_value) -> [(napi_status, bool); 3] {
    let tests: [unsafe extern "C" fn(napi_env, napi_value, Out<bool>) -> napi_status; 3] =
        [napi_is_typedarray, napi_is_dataview, napi_is_buffer];
    tests.map(|test| {
        let mut answer = false;
        // SAFETY: as above.
        (unsafe { test(env, value, Out::from_raw(&mut answer)) }, answer)
    })
}

/// A runtime with one env, entered, a scope open: `f` runs there.
fn with_runtime(f: impl FnOnce(&Runtime, napi_env)) {
    let rt = crate::layer::new_runtime();
    let id = rt.add_env(8, CString::new("file:///test.node").unwrap());
    let env = env_handle(&rt, id);
    let _entered = Runtime::enter(&rt);
    let scope = rt.handles_mut().open(false);
    f(&rt, env);
    rt.handles_mut().close(scope).unwrap();
}

/// A new ArrayBuffer of `len` bytes: its handle and memory.
fn arraybuffer(env: napi_env, len: usize) -> (napi_value, *mut u8) {
    let (mut ab, mut data) = (null_mut(), null_mut());
    // SAFETY: as above.
    let s = unsafe { napi_create_arraybuffer(env, len, Out::from_raw(&mut data), Out::from_raw(&mut ab)) };
    assert_eq!(s, status::OK);
    (ab, data.cast())
}

fn same_object(rt: &Runtime, a: napi_value, b: napi_value) -> bool {
    let handles = rt.handles();
    matches!((handles.get(a as usize), handles.get(b as usize)), (Some(Value::Object(x)), Some(Value::Object(y))) if x == y)
}

#[test]
fn a_typed_array_of_each_kind_reports_its_kind_length_memory_and_buffer_and_none_once_detached() {
    with_runtime(|rt, env| {
        for (kind, element) in TypedArrayKind::ALL.iter().enumerate() {
            let (ab, base) = arraybuffer(env, 64);
            let mut view = null_mut();
            // SAFETY: as above.
            let made = unsafe { napi_create_typedarray(env, kind as i32, 3, ab, 16, Out::from_raw(&mut view)) };
            assert_eq!(made, status::OK, "{element:?}");
            assert_eq!(kind_tests(env, view), [(status::OK, true), (status::OK, false), (status::OK, true)], "{element:?}");
            let i = typedarray_info(env, view);
            assert_eq!((i.status, i.kind, i.length, i.offset), (status::OK, kind as i32, 3, 16), "{element:?}");
            assert_eq!(i.data, base.wrapping_add(16).cast(), "{element:?}: the view's first byte");
            assert!(same_object(rt, i.buffer, ab), "{element:?}: its buffer");
            let (mut data, mut bytes) = (null_mut(), 0);
            // SAFETY: as above.
            let s = unsafe { napi_get_buffer_info(env, view, Out::from_raw(&mut data), Out::from_raw(&mut bytes)) };
            assert_eq!((s, data, bytes), (status::OK, base.wrapping_add(16).cast(), 3 * element.element_size()), "{element:?}");
            // SAFETY: as above.
            assert_eq!(unsafe { napi_detach_arraybuffer(env, ab) }, status::OK);
            let i = typedarray_info(env, view);
            assert_eq!((i.status, i.kind, i.length, i.data, i.offset), (status::OK, kind as i32, 0, null_mut(), 0), "{element:?} detached");
            assert!(same_object(rt, i.buffer, ab), "{element:?}: its buffer, detached");
        }
    });
}

#[test]
fn a_dataview_is_no_typed_array_and_reports_its_own_info() {
    with_runtime(|rt, env| {
        let (ab, base) = arraybuffer(env, 32);
        let mut view = null_mut();
        // SAFETY: as above.
        assert_eq!(unsafe { napi_create_dataview(env, 8, ab, 4, Out::from_raw(&mut view)) }, status::OK);
        assert_eq!(kind_tests(env, view), [(status::OK, false), (status::OK, true), (status::OK, true)]);
        let i = typedarray_info(env, view);
        assert_eq!((i.status, i.length, i.data, i.offset), (status::INVALID_ARG, 0, null_mut(), 0), "an empty view written");
        let (mut length, mut data, mut buffer, mut offset) = (0, null_mut(), null_mut(), 0);
        let info = |length: &mut usize, data: &mut *mut c_void, buffer: &mut napi_value, offset: &mut usize| {
            // SAFETY: as above.
            unsafe {
                napi_get_dataview_info(env, view, Out::from_raw(length), Out::from_raw(data), Out::from_raw(buffer), Out::from_raw(offset))
            }
        };
        assert_eq!(info(&mut length, &mut data, &mut buffer, &mut offset), status::OK);
        assert_eq!((length, data, offset), (8, base.wrapping_add(4).cast(), 4));
        assert!(same_object(rt, buffer, ab));
        // SAFETY: as above.
        assert_eq!(unsafe { napi_detach_arraybuffer(env, ab) }, status::OK);
        assert_eq!(info(&mut length, &mut data, &mut buffer, &mut offset), status::OK);
        assert_eq!(data, null_mut(), "no memory once detached");
    });
}

#[test]
fn a_view_on_the_addons_memory_reports_that_memory_and_an_empty_buffer_none() {
    with_runtime(|_, env| {
        let mut memory = [0u8; 16];
        let mut ab = null_mut();
        // SAFETY: `memory` outlives the runtime's use of it (no finalizer; the buffer is never
        // read after this test).
        let s = unsafe { napi_create_external_arraybuffer(env, memory.as_mut_ptr().cast(), 16, None, null_mut(), Out::from_raw(&mut ab)) };
        assert_eq!(s, status::OK);
        let (empty, _) = arraybuffer(env, 0);
        for (buffer, offset, length, data) in [(ab, 4, 2, memory.as_mut_ptr().wrapping_add(4)), (empty, 0, 0, null_mut())] {
            let mut view = null_mut();
            // SAFETY: as above (1 is napi_uint8_array).
            assert_eq!(unsafe { napi_create_typedarray(env, 1, length, buffer, offset, Out::from_raw(&mut view)) }, status::OK);
            let i = typedarray_info(env, view);
            assert_eq!((i.status, i.length, i.data, i.offset), (status::OK, length, data.cast(), offset));
        }
    });
}

#[test]
fn values_that_are_no_views_and_handles_that_are_none_are_told_apart() {
    with_runtime(|rt, env| {
        let (ab, _) = arraybuffer(env, 8);
        let number = rt.handles_mut().push(Value::Number(1.0));
        for value in [ab, number as napi_value] {
            assert_eq!(kind_tests(env, value), [(status::OK, false); 3]);
            let i = typedarray_info(env, value);
            assert_eq!((i.status, i.length, i.data, i.offset), (status::INVALID_ARG, 0, null_mut(), 0));
        }
        for none in [null_mut(), usize::MAX as napi_value] {
            assert!(kind_tests(env, none).iter().all(|(s, _)| *s == status::INVALID_ARG));
            assert_eq!(typedarray_info(env, none).status, status::INVALID_ARG);
            let mut kind = -1;
            // SAFETY: as above.
            assert_eq!(unsafe { napi_typeof(env, none, Out::from_raw(&mut kind)) }, status::INVALID_ARG);
        }
    });
}
