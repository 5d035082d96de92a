//! SharedArrayBuffers (experimental Node-API, from Node 24): created zero-filled or over the
//! addon's memory, recognised, and read with `napi_get_arraybuffer_info`. Like ArrayBuffers
//! they live in memory shared with the client and cross to Python without a copy.

use std::ffi::c_void;

use super::buffers::MAX_BUFFER_LENGTH;
use super::entry::{self, fail, NapiResult};
use super::pointers::Out;
use super::types::*;
use napi_runtime::object::ArrayBufferData;
use napi_runtime::Value;

/// `node_api_noenv_finalize`: a finalizer that gets no env, since a SharedArrayBuffer may
/// outlive the env that made it.
pub type NoEnvFinalize = Option<unsafe extern "C" fn(*mut c_void, *mut c_void)>;

/// The addon's finalizer and hint, carried as the hint of an ordinary finalizer.
struct NoEnv {
    cb: unsafe extern "C" fn(*mut c_void, *mut c_void),
    hint: *mut c_void,
}

/// Runs a `NoEnv` finalizer with the memory it was registered for.
unsafe extern "C" fn run_noenv(_env: napi_env, data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the box made in node_api_create_external_sharedarraybuffer, and the
    // finalizer runs exactly once (the runtime takes it out before running it).
    let f = unsafe { Box::from_raw(hint as *mut NoEnv) };
    // SAFETY: the addon's own callback with its own arguments.
    unsafe { (f.cb)(data, f.hint) };
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_sharedarraybuffer(
    env: napi_env,
    byte_length: usize,
    data: Out<*mut c_void>,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "node_api_create_sharedarraybuffer", move |cx| {
        let slot = result.required()?;
        if byte_length > MAX_BUFFER_LENGTH {
            return Err(cx.rt.range_error("Array buffer allocation failed".into()).into());
        }
        let memory = cx.rt.new_backing(byte_length, None)?;
        let sab = cx.rt.new_arraybuffer(ArrayBufferData { shared: true, ..memory });
        if let Some(data) = data.optional() {
            data.write(cx.arraybuffer_memory(sab).expect("just made").0 as *mut c_void);
        }
        slot.write(cx.handle(Value::Object(sab)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_create_external_sharedarraybuffer(
    env: napi_env,
    external_data: *mut c_void,
    byte_length: usize,
    finalize_cb: NoEnvFinalize,
    finalize_hint: *mut c_void,
    result: Out<napi_value>,
) -> napi_status {
    entry::js(env, "node_api_create_external_sharedarraybuffer", move |cx| -> NapiResult<()> {
        // Checked before adopting anything: on failure the finalizer must not run.
        let slot = result.required()?;
        if external_data.is_null() && byte_length > 0 {
            return fail(status::INVALID_ARG);
        }
        let (finalize, hint): (napi_finalize, *mut c_void) = match finalize_cb {
            Some(cb) => (Some(run_noenv), Box::into_raw(Box::new(NoEnv { cb, hint: finalize_hint })) as *mut c_void),
            None => (None, std::ptr::null_mut()),
        };
        let sab = cx.external_arraybuffer(external_data, byte_length, finalize, hint, true);
        slot.write(cx.handle(Value::Object(sab)));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_is_sharedarraybuffer(env: napi_env, value: napi_value, result: Out<bool>) -> napi_status {
    entry::plain(env, "node_api_is_sharedarraybuffer", move |cx| {
        let v = cx.value(value)?;
        result.write(cx.is_arraybuffer(&v, true))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static mut SEEN: (usize, usize) = (0, 0);

    unsafe extern "C" fn record(data: *mut c_void, hint: *mut c_void) {
        // SAFETY: single-threaded test.
        unsafe { SEEN = (data as usize, hint as usize) };
    }

    #[test]
    fn the_trampoline_calls_the_addons_finalizer_with_its_data_and_hint() {
        let boxed = Box::into_raw(Box::new(NoEnv { cb: record, hint: 0x22 as *mut c_void })) as *mut c_void;
        // SAFETY: the box was made just above, as the real caller makes it.
        unsafe { run_noenv(std::ptr::null_mut(), 0x11 as *mut c_void, boxed) };
        // SAFETY: read after the only write.
        assert_eq!(unsafe { SEEN }, (0x11, 0x22));
    }
}
