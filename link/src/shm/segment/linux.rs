//! Segments on Linux: sealed `memfd` files.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use super::{Mapping, OwnSegment};

impl Mapping {
    /// Maps a segment a peer sent, after checking that it cannot shrink under the mapping and
    /// holds at least `len` bytes.
    pub fn of_peer(fd: BorrowedFd<'_>, len: u64) -> io::Result<Mapping> {
        let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
        let len = usize::try_from(len).map_err(|_| invalid("segment too large"))?;
        // SAFETY: fcntl on a descriptor we own.
        let seals = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
        if seals < 0 || seals & libc::F_SEAL_SHRINK == 0 {
            return Err(invalid("the segment is not sealed against shrinking"));
        }
        if super::unix::file_size(fd)? < len as u64 {
            return Err(invalid("the segment is smaller than announced"));
        }
        Mapping::map(fd, len)
    }
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
    /// A new zero-filled segment of `len` bytes, sealed against resizing, named `name` (what
    /// `/proc/PID/maps` shows).
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
    fn unsealed_or_short_files_are_refused() {
        let own = OwnSegment::create(4096).unwrap();
        assert!(Mapping::of_peer(own.fd.as_fd(), 8192).is_err(), "larger than the file");
        let plain = memfd_create(c"plain", libc::MFD_CLOEXEC).unwrap();
        // SAFETY: a plain system call on the descriptor we own.
        unsafe { libc::ftruncate(plain.as_raw_fd(), 4096) };
        assert!(Mapping::of_peer(plain.as_fd(), 4096).is_err(), "a file that could shrink");
    }
}
