//! Shared memory between the host and the client: segments (sealed `memfd` files on Linux, file
//! mappings on Windows, mapped by both), the bookkeeping of blocks inside them, and the passing
//! of their descriptors over the socket. Bulk bytes of buffers live here; only their
//! coordinates travel in messages.

pub mod alloc;
#[cfg(unix)]
pub mod fdpass;
pub mod ring;
pub mod segment;

pub use alloc::Allocator;
#[cfg(unix)]
pub use fdpass::{send_with_fd, FdQueue};

/// Descriptors (handles on Windows) received and not yet claimed, at most: one arrives ahead of
/// each announcement and is claimed when the announcement is read, so a few are queued at a time.
/// More is a peer flooding the socket with descriptors (each one an open file of this process),
/// and a read that brings them fails with `InvalidData` (the descriptors it brought are closed).
pub const MAX_QUEUED_FDS: usize = 64;
pub use ring::Rings;
pub use segment::{Mapping, OwnSegment};

/// What names a segment to the operating system: a descriptor on Linux, a handle on Windows.
#[cfg(unix)]
pub use std::os::fd::{BorrowedFd as BorrowedDescriptor, OwnedFd as OwnedDescriptor};
#[cfg(windows)]
pub use std::os::windows::io::{BorrowedHandle as BorrowedDescriptor, OwnedHandle as OwnedDescriptor};

/// What `fd` lends, on either system.
pub fn borrow_descriptor(fd: &OwnedDescriptor) -> BorrowedDescriptor<'_> {
    #[cfg(unix)]
    return std::os::fd::AsFd::as_fd(fd);
    #[cfg(windows)]
    return std::os::windows::io::AsHandle::as_handle(fd);
}
