//! Per-module state: what Node keeps in each addon's `napi_env`.

use std::cell::{Cell, RefCell};
use std::ffi::CString;

use super::current::{kept_for_good, Presence};
use super::native::{CleanupHook, Finalizer, NativeFn};
use super::Runtime;

/// Index of an env in the runtime's env table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnvId(pub u32);

/// `napi_extended_error_info`, laid out as in `js_native_api_types.h`; the env owns one so the
/// pointer `napi_get_last_error_info` hands out stays valid until the next call.
#[repr(C)]
#[derive(Debug)]
pub struct ExtendedErrorInfo {
    pub error_message: *const std::ffi::c_char,
    pub engine_reserved: *mut std::ffi::c_void,
    pub engine_error_code: u32,
    pub error_code: i32,
}

const _: () = assert!(std::mem::size_of::<ExtendedErrorInfo>() == 24);

/// Module versions Node treats as "no declaration": `NAPI_VERSION` 8 for modules without
/// `node_api_module_get_api_version_v1`.
pub const DEFAULT_MODULE_VERSION: i32 = 8;

/// `NAPI_VERSION_EXPERIMENTAL`.
pub const EXPERIMENTAL_VERSION: i32 = i32::MAX;

/// A loaded module's environment: what Node keeps per `napi_env`.
pub struct Env {
    /// Its index in the runtime's env table.
    pub id: EnvId,
    /// The Node-API version the module declared; several behaviours depend on it.
    pub module_version: i32,
    /// `file://` URL of the module, for `node_api_get_module_file_name`.
    pub filename: CString,
    /// The status and, for host-specific failures, the message of the last call.
    pub last_status: Cell<i32>,
    /// The last host-specific message. It outlives the call that set it (an addon may pass the
    /// pointer `napi_get_last_error_info` gave it straight into its next call), and is only
    /// replaced by the next host-specific message; `last_message_current` says whether it
    /// belongs to the last call.
    pub last_message: RefCell<Option<CString>>,
    /// Whether `last_message` belongs to the last call; meaningful only while `last_status`
    /// is a failure (`clear_last_error` leaves it after a success).
    pub last_message_current: Cell<bool>,
    /// What `napi_get_last_error_info` hands out, boxed so its address holds.
    pub error_info: RefCell<Box<ExtendedErrorInfo>>,
    /// `napi_set_instance_data`'s pointer and its finalizer, run at teardown.
    pub instance_data: Cell<Option<(usize, Option<Finalizer>)>>,
    /// When `instance_data` was set, in the order of finalizer registrations (`next_seq`): node
    /// finalizes it at teardown among the objects' finalizers, newest first.
    pub instance_data_seq: Cell<u64>,
    /// `napi_add_env_cleanup_hook` registrations, in order: the hook and its argument's address.
    /// Each with its registration number (`next_seq`): node runs them and the async cleanup
    /// hooks in one queue, newest registration first.
    pub cleanup_hooks: RefCell<Vec<(NativeFn<CleanupHook>, usize, u64)>>,
    /// Running total of `napi_adjust_external_memory`.
    pub external_memory: Cell<i64>,
    /// The `napi_env` handle the addon is given: where it leads (`Runtime::add_env` sets it).
    handle: Cell<*const EnvSlot>,
}

impl Env {
    /// A fresh env, no error recorded (`Runtime::add_env` makes them).
    pub fn new(id: EnvId, module_version: i32, filename: CString) -> Env {
        Env {
            id,
            module_version,
            filename,
            last_status: Cell::new(0),
            last_message: RefCell::new(None),
            last_message_current: Cell::new(false),
            error_info: RefCell::new(Box::new(ExtendedErrorInfo {
                error_message: std::ptr::null(),
                engine_reserved: std::ptr::null_mut(),
                engine_error_code: 0,
                error_code: 0,
            })),
            instance_data: Cell::new(None),
            instance_data_seq: Cell::new(0),
            external_memory: Cell::new(0),
            cleanup_hooks: RefCell::new(Vec::new()),
            handle: Cell::new(std::ptr::null()),
        }
    }

    /// The `napi_env` handle the addon is given for this env (null for one no runtime added).
    #[inline(always)]
    pub fn handle(&self) -> *const EnvSlot {
        self.handle.get()
    }

    pub(crate) fn set_handle(&self, slot: &'static EnvSlot) {
        self.handle.set(slot);
    }

    /// Node-API 10 behaviours (references to any value, `napi_cannot_run_js`) apply.
    pub fn at_least(&self, version: i32) -> bool {
        self.module_version >= version
    }

    /// Records `napi_ok` as the last call's status, as every Node-API call does first.
    #[inline(always)]
    pub fn clear_last_error(&self) {
        // After a call that succeeded there is nothing to clear: every change of the status
        // goes through `show_status`, so the record says `napi_ok` already, and
        // `last_message_current` is read only beside a failure's status, which only
        // `set_last_error` sets, writing it too. One compare on every Node-API call.
        if self.last_status.get() != 0 {
            self.clear_failure();
        }
    }

    // Inlined, though rare: a few stores in a branch of their own. A call here was one that
    // every Node-API function had to keep its arguments across, in callee-saved registers
    // saved and restored on each call.
    #[inline(always)]
    fn clear_failure(&self) {
        self.last_status.set(0);
        self.show_status(0);
        self.last_message_current.set(false);
    }

    /// Keeps the struct `napi_get_last_error_info` handed out current, as node's is (it points
    /// at the env's own record): node-addon-api reads the pointer's `error_code` after further
    /// calls and, finding `napi_ok` there, makes a plain `Error` rather than a `TypeError`.
    fn show_status(&self, status: i32) {
        if let Ok(mut info) = self.error_info.try_borrow_mut() {
            info.error_code = status;
            if status == 0 {
                info.error_message = std::ptr::null();
            }
        }
    }

    /// Records the last call's status, and for host-specific failures its message.
    pub fn set_last_error(&self, status: i32, message: Option<String>) {
        self.last_status.set(status);
        self.last_message_current.set(message.is_some());
        self.show_status(status);
        if let Some(m) = message {
            *self.last_message.borrow_mut() = Some(CString::new(m.replace('\0', " ")).expect("NULs replaced"));
        }
    }
}

/// What a `napi_env` handle points to: the env, its runtime and that runtime's `Presence`.
/// Made once for each env (`Runtime::add_env`) and never freed (24 bytes), so that a handle an
/// addon kept after its runtime's end is still readable, and refused: its presence names no
/// thread any more.
#[repr(C)]
pub struct EnvSlot {
    pub(crate) presence: &'static Presence,
    rt: *const Runtime,
    env: *const Env,
}

impl EnvSlot {
    /// The slot for `env` of `rt`, kept for the process's life.
    pub(crate) fn leaked(rt: &Runtime, env: &Env) -> &'static EnvSlot {
        kept_for_good(EnvSlot { presence: rt.presence, rt, env })
    }

    /// Runs `f` with the runtime and env behind `slot` if this thread may use that runtime now
    /// (`None` for a null slot, a call from a thread that has not entered it, or one after its
    /// end), borrowed.
    ///
    /// # Safety
    /// `slot` is null or a handle [`Env::handle`] gave (Node-API's contract: an addon passes
    /// the env it was given; any other pointer is undefined behaviour there too).
    #[inline(always)]
    pub unsafe fn with_entered<R>(slot: *const EnvSlot, f: impl FnOnce(Option<(&Runtime, &Env)>) -> R) -> R {
        // SAFETY: null or a slot, never freed (the caller's promise).
        let Some(slot) = (unsafe { slot.as_ref() }) else { return f(None) };
        if !slot.presence.is_here() {
            return f(None);
        }
        // SAFETY: this thread installed or entered the runtime, whose `Rc` the `Installed` or
        // the `Entered` keeps alive while `f` runs (a runtime dropped while named in its
        // presence ends the process, `current.rs`); its envs live as long as it (`Runtime::env`). Nothing
        // `f` does can end them: a runtime entered inside it is left again before it goes on.
        f(Some(unsafe { (&*slot.rt, &*slot.env) }))
    }
}
