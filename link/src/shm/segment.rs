//! Shared-memory segments: anonymous memory files (`memfd`) mapped by both processes.
//!
//! The creator seals each file against shrinking before it passes the descriptor on, and the
//! receiver checks the seal and the size before mapping it: a page of a mapping whose file
//! shrank raises SIGBUS on access, and no peer, even a crashed or hostile one, may cause that
//! in the other process. Growing is sealed too, since nothing grows a segment in place.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::ptr::NonNull;

/// One mapping of a segment, unmapped when dropped. The memory stays valid for as long as the
/// mapping lives, whatever the peer does (it cannot shrink the sealed file).
#[derive(Debug)]
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: a mapping is a plain range of shared memory, reached only through raw pointers; who
// writes it when is the users' concern, as with any memory shared between processes.
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`: `&Mapping` gives out nothing but the address and the length.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps all `len` bytes of `fd` read-write, shared.
    fn map(fd: BorrowedFd<'_>, len: usize) -> io::Result<Mapping> {
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

    /// Maps a segment a peer sent, after checking that it cannot shrink under the mapping and
    /// holds at least `len` bytes.
    pub fn of_peer(fd: BorrowedFd<'_>, len: u64) -> io::Result<Mapping> {
        let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
        let len = usize::try_from(len).map_err(|_| invalid("segment too large"))?;
        // SAFETY: fcntl/fstat on a descriptor we own, with a valid out-pointer.
        let seals = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
        if seals < 0 || seals & libc::F_SEAL_SHRINK == 0 {
            return Err(invalid("the segment is not sealed against shrinking"));
        }
        let mut st = std::mem::MaybeUninit::<libc::stat>::zeroed();
        // SAFETY: as above.
        if unsafe { libc::fstat(fd.as_raw_fd(), st.as_mut_ptr()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fstat succeeded, so it filled the struct.
        let size = unsafe { st.assume_init() }.st_size;
        if (size as u64) < len as u64 {
            return Err(invalid("the segment is smaller than announced"));
        }
        Mapping::map(fd, len)
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The address of `len` bytes at `offset`, if they lie inside the mapping.
    pub fn range(&self, offset: u64, len: u64) -> Option<*mut u8> {
        let end = offset.checked_add(len)?;
        // SAFETY: the offset is inside the mapping (checked just before).
        (end <= self.len as u64).then(|| unsafe { self.ptr.as_ptr().add(offset as usize) })
    }

    /// Whether `ptr..ptr+len` lies inside this mapping; answers the offset.
    pub fn offset_of(&self, ptr: *const u8, len: usize) -> Option<u64> {
        let start = self.ptr.as_ptr() as usize;
        let p = ptr as usize;
        (p >= start && p.checked_add(len)? <= start + self.len).then(|| (p - start) as u64)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the range `map` mapped; no reference into it outlives `self`
        // (users hold the mapping itself, through an `Arc`, for as long as they use the memory).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// A segment this process made: its file (to send) and its mapping.
#[derive(Debug)]
pub struct OwnSegment {
    pub fd: OwnedFd,
    /// Shared with whatever points into it (a client's views), which may outlive the segment's
    /// bookkeeping.
    pub mapping: std::sync::Arc<Mapping>,
}

/// `memfd_create(2)` by its system call: glibc's wrapper is from 2.27, and the release wheels
/// (manylinux2014) link against glibc 2.17; the call itself is Linux 3.17's.
fn memfd_create(name: &std::ffi::CStr, flags: libc::c_uint) -> io::Result<OwnedFd> {
    // SAFETY: memfd_create with a NUL-terminated name; it reads nothing else.
    let raw = unsafe { libc::syscall(libc::SYS_memfd_create, name.as_ptr(), flags) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    let raw = RawFd::try_from(raw).map_err(|_| io::Error::other("memfd_create returned an impossible descriptor"))?;
    // SAFETY: memfd_create just returned this descriptor; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

impl OwnSegment {
    /// A new zero-filled segment of `len` bytes, sealed against resizing.
    pub fn create(len: u64) -> io::Result<OwnSegment> {
        OwnSegment::create_named(len, c"napi-shared")
    }

    /// The same, named `name` (what `/proc/PID/maps` shows).
    pub fn create_named(len: u64, name: &std::ffi::CStr) -> io::Result<OwnSegment> {
        let len_usize = usize::try_from(len).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "segment too large"))?;
        let fd = memfd_create(name, libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)?;
        // SAFETY: plain system calls on the descriptor we own.
        unsafe {
            if libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        let mapping = std::sync::Arc::new(Mapping::map(fd.as_fd(), len_usize)?);
        Ok(OwnSegment { fd, mapping })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_mapping_sees_the_owners_writes_and_outlives_it() {
        let own = OwnSegment::create(1 << 16).unwrap();
        let peer = Mapping::of_peer(own.fd.as_fd(), 1 << 16).unwrap();
        // SAFETY: both pointers are inside their 64 KiB mappings.
        unsafe { *own.mapping.as_ptr().add(100) = 42 };
        // SAFETY: as above.
        assert_eq!(unsafe { *peer.as_ptr().add(100) }, 42);
        drop(own);
        // The file lives on through the peer's mapping.
        // SAFETY: the peer's mapping is still alive.
        assert_eq!(unsafe { *peer.as_ptr().add(100) }, 42);
    }

    #[test]
    fn unsealed_or_short_files_are_refused() {
        let own = OwnSegment::create(4096).unwrap();
        assert!(Mapping::of_peer(own.fd.as_fd(), 8192).is_err(), "larger than the file");
        let plain = memfd_create(c"plain", libc::MFD_CLOEXEC).unwrap();
        // SAFETY: a plain system call on the descriptor we own.
        unsafe { libc::ftruncate(plain.as_raw_fd(), 4096) };
        assert!(Mapping::of_peer(plain.as_fd(), 4096).is_err(), "a file that could shrink");
    }

    #[test]
    fn ranges_are_bounds_checked() {
        let own = OwnSegment::create(4096).unwrap();
        let m = &own.mapping;
        assert!(m.range(4000, 96).is_some());
        assert!(m.range(4000, 97).is_none());
        assert!(m.range(u64::MAX, 2).is_none());
        let p = m.range(128, 16).unwrap();
        assert_eq!(m.offset_of(p, 16), Some(128));
        assert_eq!(m.offset_of(p, 4096), None);
    }
}
