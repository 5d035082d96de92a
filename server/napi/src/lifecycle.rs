//! Loading modules (both registration styles), versions, and the module's declared Node-API
//! version.

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{c_char, CString};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Mutex;

use super::callback::{call_into_module, native_cleanup_hook, CleanupHookFn};
use super::entry::{self, Cx, NapiResult};
use super::pointers::Out;
use super::types::*;
use napi_runtime::env::{DEFAULT_MODULE_VERSION, EXPERIMENTAL_VERSION};
use napi_runtime::{Env, EnvId, Runtime, Value};

/// The Node-API version this host implements (what `napi_get_version` reports).
pub const HOST_NAPI_VERSION: u32 = 10;

/// The Node.js release whose Node-API behaviour the host follows (Node 26 LTS, the tests'
/// oracle); `process.versions.node` answers the same (builtins/node_globals.rs of the runtime).
/// napi-rs picks code paths by it: `node_api_create_property_key_utf8` when the minor is 18 or
/// more (its test is `major >= 20 && minor >= 18`, so 26.10 does not qualify, under node too).
pub const NODE_VERSION: (u32, u32, u32) = (26, 10, 0);

thread_local! {
    /// The module a legacy addon registered from its constructor while it was being `dlopen`ed
    /// (constructors run on the thread that calls `dlopen`).
    static LEGACY_MODULE: Cell<*const napi_module> = const { Cell::new(std::ptr::null()) };
}

/// Legacy modules of the libraries loaded so far, by canonical path: loading one again (another
/// addon of a shared host, or another in-process host) gets the same library from
/// `dlopen`, whose constructor does not run twice, so its registration is remembered here, as
/// Node remembers it per library handle. Process-wide, as the library is. Those libraries are
/// never unloaded, so the pointers (kept as addresses) stay valid.
static LEGACY_BY_PATH: Mutex<Option<HashMap<PathBuf, usize>>> = Mutex::new(None);

fn remembered_legacy(path: &Path) -> *const napi_module {
    let known = LEGACY_BY_PATH.lock().unwrap_or_else(|p| p.into_inner());
    known.as_ref().and_then(|m| m.get(path)).map_or(std::ptr::null(), |&a| a as *const napi_module)
}

/// A loaded module: its library (kept loaded), env and exports, and how it registered.
pub struct LoadedModule {
    pub library: Library,
    pub env: EnvId,
    pub exports: Value,
    /// The Node-API version it runs as: what `node_api_module_get_api_version_v1` declared, or 8.
    pub version: i32,
    /// `"napi_register_module_v1"` (exported) or `"napi_module_register"` (legacy constructor).
    pub registration: &'static str,
}

/// Why a module did not load.
pub enum LoadError {
    /// Nothing of the module is left running: no such file, not a library, no entry point, an
    /// unsupported version.
    Refused(String),
    /// The init function ran and threw `thrown`. Its env lives on, as in Node (where
    /// `require()` throws but the env is only torn down at exit): the addon may have created
    /// objects, finalizers and cleanup hooks that point into the library, so `module` must stay
    /// loaded and be torn down with the others.
    Threw { module: LoadedModule, thrown: Value },
}

/// Loads the addon at `path` into `rt`: `dlopen`, find the entry point (exported
/// `napi_register_module_v1`, else a module registered with `napi_module_register` during
/// `dlopen`), create its env with the declared version, and run its init.
pub fn load_module(rt: &Rc<Runtime>, path: &Path) -> Result<LoadedModule, LoadError> {
    open_module(rt, path).map_err(LoadError::Refused)?.run_init(rt)
}

/// A library whose entry point was found and whose env exists, before its init has run.
struct OpenedModule {
    library: Library,
    init: unsafe extern "C" fn(napi_env, napi_value) -> napi_value,
    env: EnvId,
    version: i32,
    registration: &'static str,
}

/// An addon's library, kept loaded.
#[cfg(unix)]
pub type Library = libloading::os::unix::Library;
/// An addon's DLL, kept loaded.
#[cfg(windows)]
pub type Library = libloading::os::windows::Library;

/// Loads `path`. RTLD_LAZY, as node opens addons: a function the addon imports is
/// resolved at its first call, so an addon that never calls what the host lacks still loads (a
/// missing one ends the host at that call, with the dynamic linker's message naming it). Data
/// symbols, and every symbol of a library linked with `-z now`, still fail here.
#[cfg(unix)]
fn open_library(path: &Path) -> Result<Library, libloading::Error> {
    // SAFETY: loading a library runs its constructors; running the addon's code is the point.
    unsafe { Library::open(Some(path), libc::RTLD_LAZY | libc::RTLD_LOCAL) }
}

/// Loads `path` with `LoadLibraryExW`, with node's flag (libuv's `uv_dlopen`):
/// LOAD_WITH_ALTERED_SEARCH_PATH, so that the DLLs an addon ships beside its `.node` file are
/// found first (Windows' default looks in the program's folder, napi-hostd.exe's or python.exe's,
/// instead). A napi-rs addon then looks each `napi_*` up in the main module (`GetProcAddress`), a
/// node-gyp one imports them from `node.exe` through its delay-load hook, which answers the main
/// module: napi-hostd.exe exports them all (server/hostd/build.rs).
#[cfg(windows)]
fn open_library(path: &Path) -> Result<Library, libloading::Error> {
    // SAFETY: loading a DLL runs its DllMain and static constructors; running the addon's code
    // is the point.
    unsafe { Library::load_with_flags(path, libloading::os::windows::LOAD_WITH_ALTERED_SEARCH_PATH) }
}

fn open_module(rt: &Rc<Runtime>, path: &Path) -> Result<OpenedModule, String> {
    if !path.exists() {
        return Err(format!("no such file: {}", path.display()));
    }
    LEGACY_MODULE.with(|m| m.set(std::ptr::null()));
    let library = open_library(path)
        .map_err(|e| format!("cannot load {} as a shared library: {}", path.display(), super::load_error::describe(&e)))?;
    let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let legacy = match LEGACY_MODULE.with(|m| m.replace(std::ptr::null())) {
        fresh if !fresh.is_null() => fresh,
        _ => remembered_legacy(&abs),
    };

    // SAFETY: the symbol has the type Node-API's headers give it.
    let register: Option<unsafe extern "C" fn(napi_env, napi_value) -> napi_value> =
        unsafe { library.get::<unsafe extern "C" fn(napi_env, napi_value) -> napi_value>(b"napi_register_module_v1\0") }.ok().map(|s| *s);
    // SAFETY: as above.
    let get_version: Option<unsafe extern "C" fn() -> i32> =
        unsafe { library.get::<unsafe extern "C" fn() -> i32>(b"node_api_module_get_api_version_v1\0") }.ok().map(|s| *s);

    let (init, registration) = match (register, legacy.is_null()) {
        (Some(f), _) => (f, "napi_register_module_v1"),
        (None, false) => {
            // SAFETY: the pointer came from napi_module_register, which the addon calls with a
            // module struct of static lifetime.
            let module = unsafe { &*legacy };
            // Node's words for a module registered without a register function.
            let init = module.nm_register_func.ok_or_else(|| "Module has no declared entry point.".to_string())?;
            (init, "napi_module_register")
        }
        (None, true) => {
            return Err(format!(
                "{} is not a Node-API module: it exports no napi_register_module_v1 and registers no module",
                path.display()
            ))
        }
    };
    let version = match get_version {
        // SAFETY: a function taking nothing and returning the version, per node_api.h.
        Some(f) => unsafe { f() },
        None => DEFAULT_MODULE_VERSION,
    };
    if !(1..=HOST_NAPI_VERSION as i32).contains(&version) && version != EXPERIMENTAL_VERSION {
        return Err(format!(
            "{} requires Node-API version {version}, but this host supports versions 1 to {HOST_NAPI_VERSION}",
            path.display()
        ));
    }

    let url = CString::new(file_url(&abs)).map_err(|_| "path holds a NUL byte".to_string())?;
    let id = rt.add_env(version, url);
    if !legacy.is_null() {
        // Kept from here on: the library stays loaded (see LoadedModule).
        LEGACY_BY_PATH.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert_with(HashMap::new).insert(abs, legacy as usize);
    }
    Ok(OpenedModule { library, init, env: id, version, registration })
}

impl OpenedModule {
    /// Runs the module's init with a fresh exports object.
    fn run_init(self, rt: &Runtime) -> Result<LoadedModule, LoadError> {
        let OpenedModule { library, init, env, version, registration } = self;
        let exports_value = Value::Object(rt.new_plain_object());
        let result = call_into_module(rt, env, |napi_env| {
            let exports = rt.handles_mut().push(exports_value.clone()) as napi_value;
            // SAFETY: calling the addon's init with a live env and exports handle.
            unsafe { init(napi_env, exports) }
        });
        let exports = match result {
            Err(thrown) => {
                let module = LoadedModule { library, env, exports: Value::Undefined, version, registration };
                return Err(LoadError::Threw { module, thrown: thrown.0 });
            }
            // An init that returns nothing (or undefined) keeps the exports object it was given.
            Ok(Value::Undefined) | Ok(Value::Null) => exports_value,
            Ok(v) => v,
        };
        Ok(LoadedModule { library, env, exports, version, registration })
    }
}

/// The `file://` URL of an absolute path, percent-encoded as Node's `url.pathToFileURL` does
/// (what `node_api_get_module_file_name` reports).
#[cfg(unix)]
fn file_url(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    percent_encoded("file://", path.as_os_str().as_bytes())
}

/// The same on Windows, where node writes `file:///C:/dir/addon.node`.
#[cfg(windows)]
fn file_url(path: &Path) -> String {
    let path = path.to_string_lossy();
    let path = path.strip_prefix(r"\\?\").unwrap_or(&path).replace('\\', "/");
    percent_encoded("file:///", path.as_bytes())
}

/// `prefix` followed by `bytes`, percent-encoded as `url.pathToFileURL` does.
fn percent_encoded(prefix: &str, bytes: &[u8]) -> String {
    let mut url = String::from(prefix);
    for &b in bytes {
        let plain = b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=:@[]|^".contains(&b);
        if plain {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// Legacy registration: called from the addon's constructor while `dlopen` runs.
#[no_mangle]
pub unsafe extern "C" fn napi_module_register(module: *mut napi_module) {
    LEGACY_MODULE.with(|m| m.set(module));
}

#[no_mangle]
pub unsafe extern "C" fn napi_get_version(env: napi_env, result: Out<u32>) -> napi_status {
    entry::plain(env, "napi_get_version", move |_| {
        result.write(HOST_NAPI_VERSION)?;
        Ok(())
    })
}

struct StaticVersion(napi_node_version);
// SAFETY: the struct is immutable and its `release` points at a static C string.
unsafe impl Sync for StaticVersion {}

static NODE_VERSION_INFO: StaticVersion =
    StaticVersion(napi_node_version { major: NODE_VERSION.0, minor: NODE_VERSION.1, patch: NODE_VERSION.2, release: c"node".as_ptr() });

#[no_mangle]
pub unsafe extern "C" fn napi_get_node_version(env: napi_env, result: Out<*const napi_node_version>) -> napi_status {
    entry::plain(env, "napi_get_node_version", move |_| {
        result.write(&NODE_VERSION_INFO.0)?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn node_api_get_module_file_name(env: napi_env, result: Out<*const c_char>) -> napi_status {
    entry::plain(env, "node_api_get_module_file_name", move |cx: &Cx| -> NapiResult {
        result.write(cx.env.filename.as_ptr())?;
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_add_env_cleanup_hook(env: napi_env, fun: Option<CleanupHookFn>, arg: *mut std::ffi::c_void) -> napi_status {
    entry::plain(env, "napi_add_env_cleanup_hook", move |cx| {
        let Some(f) = fun else { return entry::fail(status::INVALID_ARG) };
        cx.env.cleanup_hooks.borrow_mut().push((native_cleanup_hook(f), arg as usize, cx.rt.next_seq()));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn napi_remove_env_cleanup_hook(
    env: napi_env,
    fun: Option<CleanupHookFn>,
    arg: *mut std::ffi::c_void,
) -> napi_status {
    entry::plain(env, "napi_remove_env_cleanup_hook", move |cx| {
        let Some(f) = fun else { return entry::fail(status::INVALID_ARG) };
        let mut hooks = cx.env.cleanup_hooks.borrow_mut();
        if let Some(i) = hooks.iter().rposition(|h| (h.0, h.1) == (native_cleanup_hook(f), arg as usize)) {
            hooks.remove(i);
        }
        Ok(())
    })
}

/// Tears an env down as Node does when the environment exits: the finalizers that free external
/// buffers' memory (newest first: node's cleanables), the cleanup hooks, synchronous and async
/// in one order, newest registration first (async ones waited for until removed, the event
/// queue and the loop driven meanwhile, but not past `until`), then its threadsafe functions
/// close and pending async work completes, then the finalizers its live objects still hold and
/// the instance data's, newest first.
pub fn teardown_env(rt: &Runtime, env: &Env, driven: &dyn super::async_cleanup::TeardownLoop, until: std::time::Instant) {
    // What was posted for the loop's next turn (node's loop turns once more before its env ends).
    rt.run_post_finalizers();
    run_finalizers(rt, rt.take_env_finalizers(env.id, true));
    super::async_cleanup::run_cleanup_hooks(rt, env, driven, until);
    // What Node's cleanup hooks and the loop turns after them do: threadsafe functions close
    // (finalizer once, leftovers to call_js_cb with a NULL env; closed first, so a producer that
    // keeps feeding one cannot keep teardown busy), and pending async work completes.
    super::tsfn::close_env(rt, env.id);
    super::async_work::drain_env(rt, env.id);
    // Nothing runs after teardown, so what was posted runs now, and what a finalizer posts runs
    // right after it.
    rt.run_post_finalizers();
    let due = rt.take_env_finalizers(env.id, false);
    let (newer, older): (Vec<_>, Vec<_>) = due.into_iter().partition(|f| f.seq > env.instance_data_seq.get());
    run_finalizers(rt, newer);
    if let Some((data, Some(fin))) = env.instance_data.take() {
        super::callback::finalize(rt, env.id, fin.cb, data, fin.hint);
    }
    run_finalizers(rt, older);
}

/// Runs `due` in its order, and what each posts right after it.
fn run_finalizers(rt: &Runtime, due: Vec<napi_runtime::object::Finalization>) {
    rt.queue_finalizers(due);
    while rt.run_next_finalizer() {
        rt.run_post_finalizers();
    }
}
