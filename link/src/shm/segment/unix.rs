//! Mapping and unmapping a segment's descriptor, the same on every Unix.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;

use super::Mapping;

impl Mapping {
    /// Maps all `len` bytes of `fd` read-write, shared.
    pub(super) fn map(fd: BorrowedFd<'_>, len: usize) -> io::Result<Mapping> {
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty segment"));
        }
        // SAFETY: a fresh mapping chosen by the kernel; nothing else refers to that range.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, fd.as_raw_fd(), 0) };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping { ptr: NonNull::new(p.cast()).expect("mmap never answers null on success"), len })
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the range `map` mapped; no reference into it outlives `self`
        // (users hold the mapping itself, through an `Arc`, for as long as they use the memory).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// The size `fstat` gives `fd`.
pub(super) fn file_size(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
    // SAFETY: fstat on a descriptor we hold, with a valid out-pointer.
    if unsafe { libc::fstat(fd.as_raw_fd(), st.as_mut_ptr()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fstat succeeded, so it filled the struct.
    let size = unsafe { st.assume_init() }.st_size;
    u64::try_from(size).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a negative file size"))
}
