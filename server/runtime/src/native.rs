//! The addresses of an addon's functions, as the runtime keeps them for the [`Native`] layer to
//! call: function callbacks, finalizers, cleanup hooks.
//!
//! The runtime never calls them and does not know their C signatures; the layer above it
//! does, and calls the address it is handed as a function of that signature. That is sound only
//! if the address is one: so only `unsafe` code makes a [`NativeFn`] ([`NativeFn::new`]), and
//! the kind it is made for is part of its type, so that safe code can neither pass the layer an
//! arbitrary number nor a finalizer where a callback is due.
//!
//! [`Native`]: crate::Native

use std::fmt;
use std::marker::PhantomData;

/// The address of an addon's function of kind `K` ([`Callback`], [`Finalize`], [`CleanupHook`]).
pub struct NativeFn<K>(usize, PhantomData<K>);

/// `napi_callback`: `napi_value (*)(napi_env, napi_callback_info)`, a function's native side.
pub enum Callback {}

/// A native function's call, as the runtime hands it to the [`Native`] layer: the callback, and
/// the frame the runtime just pushed for it (its receiver and arguments), which the layer pops
/// when the callback returns ([`Runtime::pop_frame`](crate::Runtime::pop_frame)).
///
/// [`Native`]: crate::Native
#[derive(Clone, Copy)]
pub struct NativeCall {
    pub env: crate::EnvId,
    pub cb: NativeFn<Callback>,
    /// The call's frame in the runtime's frames, counted from 1.
    pub frame: usize,
    /// The frame's receiver (always an object: a native function's receiver is boxed).
    pub this: crate::ObjectId,
    pub scope: CallScope,
}

/// Which handle scope a native call's handles (its receiver's, and those the callback makes) go
/// in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CallScope {
    /// A scope of its own, opened for the call and closed after it: a call from JS, or from
    /// another native function.
    Own,
    /// The innermost one, which the caller opened for this call alone and closes after it
    /// ([`Runtime::call_in_scope`](crate::Runtime::call_in_scope)): one scope opened and
    /// closed for a call from the host instead of two.
    Callers,
}

/// `napi_finalize`: `void (*)(napi_env, void* data, void* hint)`.
pub enum Finalize {}

/// An addon's finalizer with its hint, called as `cb(env, data, hint)`: what `napi_wrap`,
/// external values and buffers, and instance data register.
#[derive(Clone, Copy, Debug)]
pub struct Finalizer {
    /// The finalizer.
    pub cb: NativeFn<Finalize>,
    /// The hint it was registered with, passed back to it.
    pub hint: usize,
}

/// An env cleanup hook (`napi_add_env_cleanup_hook`): `void (*)(void* arg)`.
pub enum CleanupHook {}

impl<K> NativeFn<K> {
    /// # Safety
    /// `addr` is the address of a function of the signature kind `K` names, which stays
    /// callable for as long as the runtime may call it (its library stays loaded until the
    /// env that registered it is torn down).
    pub unsafe fn new(addr: usize) -> Self {
        NativeFn(addr, PhantomData)
    }

    /// The address, for the layer that calls it.
    pub fn addr(self) -> usize {
        self.0
    }
}

// By hand: derived, each would demand the same of the kind, which is only a name.
impl<K> Clone for NativeFn<K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K> Copy for NativeFn<K> {}

impl<K> PartialEq for NativeFn<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K> Eq for NativeFn<K> {}

impl<K> fmt::Debug for NativeFn<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NativeFn({:#x})", self.0)
    }
}
