//! Segments on Windows: file mappings backed by the paging file (sections), the twin of
//! `linux.rs`.
//!
//! A section's size is fixed when it is made: nothing shrinks it, so it needs no seal. What a
//! peer could still do is send a section whose pages are only reserved (`SEC_RESERVE`), and a
//! page never committed raises an access violation when touched. So the receiver maps the whole
//! section and checks that every page of the announced length lies in the view and is committed
//! before it hands the mapping out: once committed, a section's pages stay so for as long as a
//! view maps them.

use std::io;
use std::os::windows::io::{AsRawHandle, BorrowedHandle, FromRawHandle, OwnedHandle};
use std::ptr::NonNull;

use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
use windows_sys::Win32::System::Memory::{
    CreateFileMappingW, MapViewOfFile, UnmapViewOfFile, VirtualQuery, FILE_MAP_READ, FILE_MAP_WRITE, MEMORY_BASIC_INFORMATION,
    MEMORY_MAPPED_VIEW_ADDRESS, MEM_COMMIT, PAGE_READWRITE,
};

use super::{Mapping, OwnSegment};

impl Mapping {
    /// Maps `len` bytes of the section `handle` read-write (0: the whole section).
    fn map(handle: BorrowedHandle<'_>, len: usize, checked_len: usize) -> io::Result<Mapping> {
        // SAFETY: maps a view of a section handle we hold; the address is chosen by the system.
        let view = unsafe { MapViewOfFile(handle.as_raw_handle(), FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, len) };
        let Some(ptr) = NonNull::new(view.Value.cast::<u8>()) else { return Err(io::Error::last_os_error()) };
        Ok(Mapping { ptr, len: checked_len })
    }

    /// Maps a segment a peer sent, after checking that it holds at least `len` bytes, every page
    /// of them committed.
    pub fn of_peer(handle: BorrowedHandle<'_>, len: u64) -> io::Result<Mapping> {
        let invalid = |why: &str| io::Error::new(io::ErrorKind::InvalidData, why.to_string());
        let len = usize::try_from(len).map_err(|_| invalid("segment too large"))?;
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty segment"));
        }
        // The whole section: a view of `len` bytes would fail on a smaller section with an error
        // that does not say why.
        let mapping = Mapping::map(handle, 0, len)?;
        let base = mapping.ptr.as_ptr() as usize;
        let mut at = 0;
        while at < len {
            // SAFETY: MEMORY_BASIC_INFORMATION is plain data, zero a valid start.
            let mut info: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
            // SAFETY: queries an address of our own process into a struct of the size given.
            let got = unsafe { VirtualQuery((base + at) as *const _, &mut info, std::mem::size_of_val(&info)) };
            if got == 0 || info.AllocationBase as usize != base {
                return Err(invalid("the segment is smaller than announced"));
            }
            if info.State != MEM_COMMIT {
                return Err(invalid("the segment's pages are not all committed"));
            }
            at = info.BaseAddress as usize + info.RegionSize - base;
        }
        Ok(mapping)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps the view `map` made; no reference into it outlives `self` (users hold
        // the mapping itself, through an `Arc`, for as long as they use the memory).
        unsafe { UnmapViewOfFile(MEMORY_MAPPED_VIEW_ADDRESS { Value: self.ptr.as_ptr().cast() }) };
    }
}

impl OwnSegment {
    /// A new zero-filled segment of `len` bytes, every page committed (`SEC_COMMIT`, the default).
    /// `name` is what Linux shows in `/proc/PID/maps`; a named section could be opened by any
    /// process of the session, so on Windows it stays anonymous and reaches the peer only as a
    /// duplicated handle.
    pub fn create_named(len: u64, name: &std::ffi::CStr) -> io::Result<OwnSegment> {
        let _ = name;
        let len_usize = usize::try_from(len).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "segment too large"))?;
        if len == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty segment"));
        }
        // SAFETY: a new anonymous section of the paging file, not inheritable (no security
        // attributes), no name.
        let raw = unsafe {
            CreateFileMappingW(INVALID_HANDLE_VALUE, std::ptr::null(), PAGE_READWRITE, (len >> 32) as u32, len as u32, std::ptr::null())
        };
        if raw.is_null() {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: CreateFileMappingW just returned this handle; nothing else owns it.
        let fd = unsafe { OwnedHandle::from_raw_handle(raw) };
        let mapping = std::sync::Arc::new(Mapping::map(std::os::windows::io::AsHandle::as_handle(&fd), len_usize, len_usize)?);
        Ok(OwnSegment { fd, mapping })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::windows::io::AsHandle;
    use windows_sys::Win32::System::Memory::{VirtualAlloc, MEM_COMMIT, SEC_RESERVE};

    #[test]
    fn a_section_whose_pages_are_only_reserved_is_refused() {
        let len = 1u32 << 17;
        // SAFETY: a new anonymous section, reserved only.
        let raw =
            unsafe { CreateFileMappingW(INVALID_HANDLE_VALUE, std::ptr::null(), PAGE_READWRITE | SEC_RESERVE, 0, len, std::ptr::null()) };
        assert!(!raw.is_null(), "{}", io::Error::last_os_error());
        // SAFETY: just made; ours alone.
        let section = unsafe { OwnedHandle::from_raw_handle(raw) };
        // The first half committed through a view of the maker's, as a hostile peer might.
        let view = Mapping::map(section.as_handle(), 0, len as usize).unwrap();
        // SAFETY: commits the first 64 KiB of our own view.
        let committed = unsafe { VirtualAlloc(view.as_ptr().cast(), 1 << 16, MEM_COMMIT, PAGE_READWRITE) };
        assert!(!committed.is_null(), "{}", io::Error::last_os_error());
        let err = Mapping::of_peer(section.as_handle(), u64::from(len)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        assert!(err.to_string().contains("committed"), "{err}");
        // The committed half alone is accepted.
        Mapping::of_peer(section.as_handle(), 1 << 16).unwrap();
    }
}
