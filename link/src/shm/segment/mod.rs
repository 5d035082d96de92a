//! Shared-memory segments: anonymous memory mapped by both processes, `memfd` files on Linux
//! (`segment/linux.rs`), unlinked POSIX shared-memory objects on macOS (`segment/macos.rs`),
//! pagefile-backed file mappings on Windows (`segment/windows.rs`); mapping a descriptor is the
//! same on every Unix (`segment/unix.rs`).
//!
//! The receiver of a segment checks, before it maps it, that no peer can make a page of the
//! mapping fault on access afterwards (a memfd that shrank raises SIGBUS; a section page never
//! committed raises an access violation), and that it holds the announced size: no peer, even a
//! crashed or hostile one, may cause such a fault in the other process.

use std::ptr::NonNull;

use super::{BorrowedDescriptor, OwnedDescriptor};

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

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

/// A segment this process made: its file (to send) and its mapping.
#[derive(Debug)]
pub struct OwnSegment {
    /// The memfd on Linux, the section's handle on Windows.
    pub fd: OwnedDescriptor,
    /// Shared with whatever points into it (a client's views), which may outlive the segment's
    /// bookkeeping.
    pub mapping: std::sync::Arc<Mapping>,
}

impl OwnSegment {
    /// A new zero-filled segment of `len` bytes.
    pub fn create(len: u64) -> std::io::Result<OwnSegment> {
        OwnSegment::create_named(len, c"napi-shared")
    }

    /// The descriptor (Linux) or handle (Windows) to pass to the peer.
    pub fn descriptor(&self) -> BorrowedDescriptor<'_> {
        super::borrow_descriptor(&self.fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_mapping_sees_the_owners_writes_and_outlives_it() {
        let own = OwnSegment::create(1 << 16).unwrap();
        let peer = Mapping::of_peer(own.descriptor(), 1 << 16).unwrap();
        // SAFETY: both pointers are inside their 64 KiB mappings.
        unsafe { *own.mapping.as_ptr().add(100) = 42 };
        // SAFETY: as above.
        assert_eq!(unsafe { *peer.as_ptr().add(100) }, 42);
        drop(own);
        // The memory lives on through the peer's mapping.
        // SAFETY: the peer's mapping is still alive.
        assert_eq!(unsafe { *peer.as_ptr().add(100) }, 42);
    }

    #[test]
    fn a_segment_smaller_than_announced_is_refused() {
        let own = OwnSegment::create(1 << 16).unwrap();
        let err = Mapping::of_peer(own.descriptor(), 1 << 17).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{err}");
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
