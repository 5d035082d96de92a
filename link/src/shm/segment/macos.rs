//! Segments on macOS: POSIX shared-memory objects, unlinked as soon as they are made.
//!
//! macOS has neither memfd nor seals. What stands in for `F_SEAL_SHRINK` is the kernel's rule for
//! these objects: one that has a size cannot be resized (`ftruncate` of a sized object fails
//! with EINVAL), so no peer can shrink one under a mapping. The receiver therefore checks that
//! the descriptor is such an object and not a file a hostile peer could still truncate (libproc's
//! `proc_pidfdinfo` answers `PROC_PIDFDPSHMINFO` for shared-memory objects alone), and that it
//! holds at least the announced size, then maps only that size.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};

use super::{Mapping, OwnSegment};

/// libproc.h's flavour of `proc_pidfdinfo` for a POSIX shared-memory object (the libc crate
/// does not name it).
const PROC_PIDFDPSHMINFO: libc::c_int = 5;

/// Room for `struct pshm_fdinfo` (about 1.2 KiB: a path buffer of MAXPATHLEN among it), which
/// the call fills whole or not at all.
const PSHM_FDINFO_ROOM: usize = 4096;

impl Mapping {
    /// Maps a segment a peer sent, after checking that it is a shared-memory object (which
    /// cannot be resized once sized) holding at least `len` bytes.
    pub fn of_peer(fd: BorrowedFd<'_>, len: u64) -> io::Result<Mapping> {
        let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
        let len = usize::try_from(len).map_err(|_| invalid("segment too large"))?;
        if !is_shared_memory_object(fd) {
            return Err(invalid("the segment is not a shared-memory object (a file could shrink)"));
        }
        if super::unix::file_size(fd)? < len as u64 {
            return Err(invalid("the segment is smaller than announced"));
        }
        Mapping::map(fd, len)
    }
}

/// Whether `fd` is a POSIX shared-memory object.
fn is_shared_memory_object(fd: BorrowedFd<'_>) -> bool {
    let mut info = vec![0u64; PSHM_FDINFO_ROOM / 8];
    // SAFETY: the buffer holds PSHM_FDINFO_ROOM bytes, all the call may write; it fails (answers
    // 0 or less) for a descriptor of any other kind.
    let wrote = unsafe {
        libc::proc_pidfdinfo(libc::getpid(), fd.as_raw_fd(), PROC_PIDFDPSHMINFO, info.as_mut_ptr().cast(), PSHM_FDINFO_ROOM as libc::c_int)
    };
    wrote > 0
}

/// Tells one object's name from another's in this process (with the pid, across processes).
static NAMES: AtomicU32 = AtomicU32::new(0);

/// A new shared-memory object, already unlinked: only the descriptor reaches it. Its name
/// lives for a moment; one some other process took meanwhile is passed over for the next.
/// `hint` is not part of it: macOS's names hold at most 31 bytes.
fn shm_create(hint: &CStr) -> io::Result<OwnedFd> {
    let _ = hint;
    for _ in 0..64 {
        let name = format!("/napi.{}.{}", std::process::id(), NAMES.fetch_add(1, Ordering::Relaxed));
        let name = std::ffi::CString::new(name).expect("no NUL in a formatted number");
        // SAFETY: a NUL-terminated name; O_EXCL makes it ours alone. POSIX has shm_open set
        // close-on-exec itself.
        let raw = unsafe { libc::shm_open(name.as_ptr(), libc::O_RDWR | libc::O_CREAT | libc::O_EXCL, 0o600 as libc::c_uint) };
        if raw < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EEXIST) {
                continue;
            }
            return Err(e);
        }
        // SAFETY: shm_open just returned this descriptor; nothing else owns it.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: unlinks the name just made; the object lives on through `fd`.
        unsafe { libc::shm_unlink(name.as_ptr()) };
        return Ok(fd);
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free shared-memory object name"))
}

impl OwnSegment {
    /// A new zero-filled segment of `len` bytes, which no one can resize (see the module).
    pub fn create_named(len: u64, name: &CStr) -> io::Result<OwnSegment> {
        let len_usize = usize::try_from(len).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "segment too large"))?;
        let fd = shm_create(name)?;
        // SAFETY: a plain system call on the descriptor we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mapping = std::sync::Arc::new(Mapping::map(fd.as_fd(), len_usize)?);
        Ok(OwnSegment { fd, mapping })
    }
}
