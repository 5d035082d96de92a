//! `export_napi_symbols` on Linux and macOS: the extension's symbols made global with
//! `dlopen(RTLD_NOLOAD | RTLD_GLOBAL)`. The twin of `windows.rs`.

use std::ffi::c_void;
use std::sync::OnceLock;

/// Makes the symbols of the object this crate is linked into global, once, before the first
/// in-process host loads an addon: Python loads extensions with `RTLD_LOCAL`, and an addon's
/// `napi_*` imports resolve only against the global scope. Loading the extension again with `RTLD_NOLOAD | RTLD_GLOBAL`
/// promotes the copy already loaded instead of mapping another.
pub fn export_napi_symbols() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        // SAFETY: dladdr fills `info` for an address inside a loaded object (this function).
        let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        if unsafe { libc::dladdr(export_napi_symbols as *const c_void, &mut info) } == 0 || info.dli_fname.is_null() {
            return Err("cannot find the path of the object napi-client is linked into".into());
        }
        // SAFETY: a NUL-terminated path from dladdr; RTLD_NOLOAD maps nothing new, and the
        // handle is kept (never closed), so the extension stays loaded as before.
        let handle = unsafe { libc::dlopen(info.dli_fname, libc::RTLD_NOW | libc::RTLD_NOLOAD | libc::RTLD_GLOBAL) };
        // The main program (a Rust program linking this crate) is not found by its name, and
        // its dynamic symbols are global already: enough if they hold the Node-API functions.
        // SAFETY: a lookup by a NUL-terminated name in the global scope.
        if handle.is_null() && unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"napi_create_object".as_ptr()) }.is_null() {
            return Err("cannot make this program's Node-API functions global (dlopen RTLD_NOLOAD|RTLD_GLOBAL failed, and the program exports none)".into());
        }
        Ok(())
    })
    .clone()
}
