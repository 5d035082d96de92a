//! The Node-API ABI types, as plain as the C headers: integers with constants, opaque handle
//! pointers, `#[repr(C)]` structs with their sizes asserted.

#![allow(non_camel_case_types, reason = "names mirror js_native_api_types.h")]

use std::ffi::{c_char, c_void};

pub type napi_status = i32;

/// `napi_status` values, in the order of `js_native_api_types.h`.
pub mod status {
    pub const OK: i32 = 0;
    pub const INVALID_ARG: i32 = 1;
    pub const OBJECT_EXPECTED: i32 = 2;
    pub const STRING_EXPECTED: i32 = 3;
    pub const NAME_EXPECTED: i32 = 4;
    pub const FUNCTION_EXPECTED: i32 = 5;
    pub const NUMBER_EXPECTED: i32 = 6;
    pub const BOOLEAN_EXPECTED: i32 = 7;
    pub const ARRAY_EXPECTED: i32 = 8;
    pub const GENERIC_FAILURE: i32 = 9;
    pub const PENDING_EXCEPTION: i32 = 10;
    pub const CANCELLED: i32 = 11;
    pub const ESCAPE_CALLED_TWICE: i32 = 12;
    pub const HANDLE_SCOPE_MISMATCH: i32 = 13;
    pub const CALLBACK_SCOPE_MISMATCH: i32 = 14;
    pub const QUEUE_FULL: i32 = 15;
    pub const CLOSING: i32 = 16;
    pub const BIGINT_EXPECTED: i32 = 17;
    pub const DATE_EXPECTED: i32 = 18;
    pub const ARRAYBUFFER_EXPECTED: i32 = 19;
    pub const DETACHABLE_ARRAYBUFFER_EXPECTED: i32 = 20;
    pub const WOULD_DEADLOCK: i32 = 21;
    pub const NO_EXTERNAL_BUFFERS_ALLOWED: i32 = 22;
    pub const CANNOT_RUN_JS: i32 = 23;

    /// The messages Node reports for each status through `napi_get_last_error_info`.
    pub const MESSAGES: [&std::ffi::CStr; 24] = [
        c"",
        c"Invalid argument",
        c"An object was expected",
        c"A string was expected",
        c"A string or symbol was expected",
        c"A function was expected",
        c"A number was expected",
        c"A boolean was expected",
        c"An array was expected",
        c"Unknown failure",
        c"An exception is pending",
        c"The async work item was cancelled",
        c"napi_escape_handle already called on scope",
        c"Invalid handle scope usage",
        c"Invalid callback scope usage",
        c"Thread-safe function queue is full",
        c"Thread-safe function handle is closing",
        c"A bigint was expected",
        c"A date was expected",
        c"An arraybuffer was expected",
        c"A detachable arraybuffer was expected",
        c"Main thread would deadlock",
        c"External buffers are not allowed",
        c"Cannot run JavaScript",
    ];
}

/// `napi_valuetype`.
pub mod valuetype {
    pub const UNDEFINED: i32 = 0;
    pub const NULL: i32 = 1;
    pub const BOOLEAN: i32 = 2;
    pub const NUMBER: i32 = 3;
    pub const STRING: i32 = 4;
    pub const SYMBOL: i32 = 5;
    pub const OBJECT: i32 = 6;
    pub const FUNCTION: i32 = 7;
    pub const EXTERNAL: i32 = 8;
    pub const BIGINT: i32 = 9;
}

/// `napi_property_attributes`.
pub mod attr {
    pub const WRITABLE: i32 = 1 << 0;
    pub const ENUMERABLE: i32 = 1 << 1;
    pub const CONFIGURABLE: i32 = 1 << 2;
    pub const STATIC: i32 = 1 << 10;
}

/// `napi_key_collection_mode`, `napi_key_filter`, `napi_key_conversion`.
pub mod keys {
    pub const INCLUDE_PROTOTYPES: i32 = 0;
    pub const OWN_ONLY: i32 = 1;
    pub const WRITABLE: i32 = 1;
    pub const ENUMERABLE: i32 = 1 << 1;
    pub const CONFIGURABLE: i32 = 1 << 2;
    pub const SKIP_STRINGS: i32 = 1 << 3;
    pub const SKIP_SYMBOLS: i32 = 1 << 4;
    pub const KEEP_NUMBERS: i32 = 0;
    pub const NUMBERS_TO_STRINGS: i32 = 1;
}

macro_rules! opaque {
    ($($name:ident => $ptr:ident),* $(,)?) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
        }
        pub type $ptr = *mut $name;
    )*};
}

opaque! {
    napi_env__ => napi_env,
    napi_value__ => napi_value,
    napi_ref__ => napi_ref,
    napi_handle_scope__ => napi_handle_scope,
    napi_escapable_handle_scope__ => napi_escapable_handle_scope,
    napi_callback_info__ => napi_callback_info,
    napi_deferred__ => napi_deferred,
    napi_callback_scope__ => napi_callback_scope,
    napi_async_context__ => napi_async_context,
    napi_async_work__ => napi_async_work,
    napi_threadsafe_function__ => napi_threadsafe_function,
    napi_async_cleanup_hook_handle__ => napi_async_cleanup_hook_handle,
}

pub type napi_callback = Option<unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value>;
pub type napi_finalize = Option<unsafe extern "C" fn(napi_env, *mut c_void, *mut c_void)>;
pub type napi_addon_register_func = Option<unsafe extern "C" fn(napi_env, napi_value) -> napi_value>;
pub type napi_addon_get_api_version_func = Option<unsafe extern "C" fn() -> i32>;
pub type napi_async_execute_callback = Option<unsafe extern "C" fn(napi_env, *mut c_void)>;
pub type napi_async_complete_callback = Option<unsafe extern "C" fn(napi_env, napi_status, *mut c_void)>;
pub type napi_async_cleanup_hook = Option<unsafe extern "C" fn(napi_async_cleanup_hook_handle, *mut c_void)>;

#[repr(C)]
pub struct napi_property_descriptor {
    pub utf8name: *const c_char,
    pub name: napi_value,
    pub method: napi_callback,
    pub getter: napi_callback,
    pub setter: napi_callback,
    pub value: napi_value,
    pub attributes: i32,
    pub data: *mut c_void,
}

#[repr(C)]
pub struct napi_type_tag {
    pub lower: u64,
    pub upper: u64,
}

#[repr(C)]
pub struct napi_module {
    pub nm_version: i32,
    pub nm_flags: u32,
    pub nm_filename: *const c_char,
    pub nm_register_func: napi_addon_register_func,
    pub nm_modname: *const c_char,
    pub nm_priv: *mut c_void,
    pub reserved: [*mut c_void; 4],
}

#[repr(C)]
pub struct napi_node_version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub release: *const c_char,
}

pub use napi_runtime::env::ExtendedErrorInfo as napi_extended_error_info;

const _: () = {
    use std::mem::size_of;
    assert!(size_of::<napi_property_descriptor>() == 64);
    assert!(size_of::<napi_type_tag>() == 16);
    assert!(size_of::<napi_module>() == 72);
    assert!(size_of::<napi_node_version>() == 24);
    assert!(size_of::<napi_extended_error_info>() == 24);
    assert!(size_of::<napi_callback>() == size_of::<usize>());
};
