//! The pointers an addon hands a Node-API function for one value, as that function's parameter
//! types: [`Out`] for results (`napi_value* result`, `bool* result`...), [`In`] for inputs
//! (`const napi_type_tag* type_tag`).
//!
//! Node-API's contract is that such a pointer is null or points at a value of its type that the
//! function may read (`In`), or read and write (`Out`), while the call lasts. The wrappers are `#[repr(transparent)]` over the raw
//! pointer, so in the C ABI they are that pointer and the `unsafe extern "C"` functions take them
//! directly: the caller of those functions (an addon through C, or Rust code that must then keep
//! the same contract) establishes the invariant. Their field is private and their only
//! constructor is `unsafe`, so safe Rust cannot make one from an arbitrary pointer; their lifetime
//! is elided in the signatures, so it is the call's and a wrapper cannot outlive it. Their methods
//! are then safe: they check for null (`napi_invalid_arg`, Node's `CHECK_ARG`) and read or write.
//!
//! Why wrappers and not `unsafe fn` helpers: over a hundred call sites would each need an `unsafe`
//! block whose `SAFETY:` comment says the same thing, which is said once here instead, and the
//! bodies keep reading like the Node-API docs. A body cannot write through an input or keep a
//! pointer past the call by mistake either.
//!
//! Writes go through `ptr::write` and never make a `&mut T`: an out-pointer usually points at
//! uninitialised memory, and an addon may pass one variable for two results, which two `&mut`
//! would make undefined behaviour.
//!
//! A pointer paired with a length (an argument array, a string with its length, a buffer with its
//! size) stays a raw pointer read by an `unsafe fn`: the pairing is between two parameters, which
//! the type of one of them cannot carry, so the caller names the length in its `SAFETY:` comment.

use std::marker::PhantomData;
use std::ptr::NonNull;

use super::result::{Fail, NapiResult, OrStatus};
use super::types::status;

/// An out-pointer parameter: null, or valid for reads and writes of a `T` (which need not be
/// initialised) for the lifetime `'a` of the call. Why a parameter type: see the [module](self).
#[repr(transparent)]
pub struct Out<'a, T>(*mut T, PhantomData<&'a mut T>);

/// An out-pointer checked to be non-null: where the result goes.
#[repr(transparent)]
pub struct OutSlot<'a, T>(NonNull<T>, PhantomData<&'a mut T>);

/// An in-pointer parameter: null, or valid for reads of an initialised `T` that does not change
/// for the lifetime `'a` of the call.
#[repr(transparent)]
pub struct In<'a, T>(*const T, PhantomData<&'a T>);

// Copies cannot outlive the call either, and writes make no references, so copies may be used
// one after the other: to check the pointer first (Node's order of checks) and write later.
impl<T> Clone for Out<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Out<'_, T> {}
impl<T> Clone for OutSlot<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for OutSlot<'_, T> {}
impl<T> Clone for In<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for In<'_, T> {}

impl<'a, T> Out<'a, T> {
    /// # Safety
    /// `ptr` is null, or valid for reads and writes of a `T` for all of `'a`.
    pub unsafe fn from_raw(ptr: *mut T) -> Self {
        Out(ptr, PhantomData)
    }

    pub fn is_null(self) -> bool {
        self.0.is_null()
    }

    /// Where the result goes; null is `napi_invalid_arg`.
    #[inline(always)]
    pub fn required(self) -> NapiResult<OutSlot<'a, T>> {
        self.optional().or_status(status::INVALID_ARG)
    }

    /// Where the result goes, if the addon wants it (a null pointer says it does not).
    #[inline(always)]
    pub fn optional(self) -> Option<OutSlot<'a, T>> {
        NonNull::new(self.0).map(|p| OutSlot(p, PhantomData))
    }

    /// Writes `value`; null is `napi_invalid_arg`.
    #[inline(always)]
    pub fn write(self, value: T) -> NapiResult {
        self.required()?.write(value);
        Ok(())
    }

    /// The value an in-out parameter holds on entry; null is `napi_invalid_arg`.
    ///
    /// # Safety
    /// The function's contract makes this pointer an in-out one for this call, so that the
    /// caller initialised the `T` (`argc` of `napi_get_cb_info` is, only when `argv` is given).
    pub unsafe fn read(self) -> NapiResult<T> {
        let slot = self.required()?;
        // SAFETY: non-null, so valid for reads of a `T` (`Out`'s invariant), which the caller
        // says is initialised.
        Ok(unsafe { slot.0.as_ptr().read() })
    }
}

impl<T> OutSlot<'_, T> {
    #[inline(always)]
    pub fn write(self, value: T) {
        // SAFETY: non-null (checked when made), so valid for a write of a `T` while the call
        // lasts (`Out`'s invariant), which `'_` does; no reference to it exists.
        unsafe { self.0.as_ptr().write(value) }
    }
}

impl<'a, T> In<'a, T> {
    /// # Safety
    /// `ptr` is null, or valid for reads of a `T` that does not change for all of `'a`.
    pub unsafe fn from_raw(ptr: *const T) -> Self {
        In(ptr, PhantomData)
    }

    /// The value; null is `napi_invalid_arg`.
    pub fn get(self) -> NapiResult<&'a T> {
        // SAFETY: null or valid for reads of a `T` unchanged during `'a` (`In`'s invariant).
        unsafe { self.0.as_ref() }.or_status(status::INVALID_ARG)
    }
}

/// The `len` values of an array parameter the addon paired with a length (`argc` and `argv`,
/// `property_count` and `properties`); null is `napi_invalid_arg`, except that nothing is read
/// (and any pointer goes) when `len` is 0, as in Node.
///
/// # Safety
/// Unless `len` is 0, `ptr` is null or valid for reads of `len` values of `T` that do not change
/// for all of `'a`.
pub unsafe fn array<'a, T>(ptr: *const T, len: usize) -> NapiResult<&'a [T]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Fail::Status(status::INVALID_ARG));
    }
    // SAFETY: non-null and `len` > 0, so valid for reads of `len` values for `'a` (the caller's
    // promise).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

// Each wrapper is its raw pointer in the C ABI.
const _: () = {
    use std::mem::{align_of, size_of};
    assert!(size_of::<Out<'static, u8>>() == size_of::<*mut u8>() && align_of::<Out<'static, u8>>() == align_of::<*mut u8>());
    assert!(size_of::<In<'static, u8>>() == size_of::<*const u8>() && align_of::<In<'static, u8>>() == align_of::<*const u8>());
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_pointers_are_invalid_arguments() {
        // SAFETY: null pointers.
        let (out, input) = unsafe { (Out::<u32>::from_raw(std::ptr::null_mut()), In::<u32>::from_raw(std::ptr::null())) };
        assert!(out.is_null() && out.optional().is_none());
        assert!(matches!(out.write(1), Err(super::super::entry::Fail::Status(status::INVALID_ARG))));
        assert!(input.get().is_err());
    }

    #[test]
    fn writes_reach_the_callers_memory_and_reads_see_it() {
        let mut result = 0u32;
        let tag = 7u64;
        // SAFETY: locals that outlive the wrappers.
        let (out, input) = unsafe { (Out::from_raw(&mut result), In::from_raw(&tag)) };
        out.write(5).ok().unwrap();
        // SAFETY: initialised just above.
        assert_eq!(unsafe { out.read() }.ok(), Some(5));
        assert_eq!(input.get().ok(), Some(&7));
        assert_eq!(result, 5);
    }
}
