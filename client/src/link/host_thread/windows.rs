//! In-process hosts on Windows (D94): an addon finds Node-API in the program's main
//! module, the one `GetModuleHandle(NULL)` answers. napi-rs calls `GetProcAddress` on it;
//! node-gyp addons import from `node.exe` through a delay-load hook that answers it, and the
//! delay-load helper then calls `GetProcAddress`; a legacy addon does so from its DLL's static
//! constructors, inside `LoadLibraryExW`. That module is `python.exe`, which exports nothing, so
//! before the first in-process host loads an addon the main module is given an export
//! directory of its own: what it exported already, and every function of `napi-exports.txt` and
//! `libuv-exports.txt`, each through a trampoline to this program's copy. The loader reads the
//! directory from the module's headers at each look-up, whenever it comes; nothing of the addon
//! is touched.

use std::ptr::{addr_of_mut, null};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use windows_sys::Win32::Foundation::HMODULE;
use windows_sys::Win32::System::Diagnostics::Debug::{
    FlushInstructionCache, IMAGE_DATA_DIRECTORY, IMAGE_DIRECTORY_ENTRY_EXPORT, IMAGE_NT_HEADERS64, IMAGE_NT_OPTIONAL_HDR64_MAGIC,
};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
use windows_sys::Win32::System::Memory::{
    VirtualAlloc, VirtualProtect, VirtualQuery, MEMORY_BASIC_INFORMATION, MEM_COMMIT, MEM_FREE, MEM_RESERVE, PAGE_EXECUTE_READ,
    PAGE_PROTECTION_FLAGS, PAGE_READONLY, PAGE_READWRITE,
};
use windows_sys::Win32::System::SystemInformation::{GetSystemInfo, SYSTEM_INFO};
use windows_sys::Win32::System::SystemServices::{IMAGE_DOS_HEADER, IMAGE_DOS_SIGNATURE, IMAGE_NT_SIGNATURE};
use windows_sys::Win32::System::Threading::GetCurrentProcess;

use super::export_directory::{self, Exports, Image, TRAMPOLINE};

// NODE_API_FUNCTIONS: each function of the two lists by name (build.rs).
include!(concat!(env!("OUT_DIR"), "/node_api_functions.rs"));

/// Makes the main module export every Node-API and libuv function, once per process.
pub fn export_napi_symbols() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        // SAFETY: the main module is mapped for the life of the process.
        unsafe { export_from_main_module() }
            .map_err(|e| format!("in-process hosts (isolated=False) are not available in this program: {e}; use an isolated host"))
    })
    .clone()
}

/// The address the main module's exports answer for `name` (NUL-terminated), if any.
fn exported(main: HMODULE, name: &[u8]) -> Option<usize> {
    // SAFETY: a look-up by a NUL-terminated name in a loaded module.
    unsafe { GetProcAddress(main, name.as_ptr()) }.map(|f| f as usize)
}

/// # Safety
/// Reads and rewrites the main module's headers: the caller makes sure it runs once.
unsafe fn export_from_main_module() -> Result<(), String> {
    // SAFETY: NULL names the main module, which is never unloaded.
    let main = unsafe { GetModuleHandleW(null()) };
    if exported(main, b"napi_create_object\0").is_some() {
        // A program that exports Node-API itself (a `.def` file, as napi-hostd.exe's).
        return Ok(());
    }
    // SAFETY: the main module's headers are mapped and readable.
    let headers = unsafe { nt_headers(main) }?;
    // SAFETY: checked above to be a PE32+ image's headers.
    let (image_size, directory) = unsafe {
        (
            (*headers).OptionalHeader.SizeOfImage,
            addr_of_mut!((*headers).OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT as usize]),
        )
    };
    // SAFETY: the data directories lie in the headers.
    let old = unsafe { directory.read_unaligned() };
    let image = Image { base: main.cast(), size: image_size as usize };
    let existing = if old.VirtualAddress == 0 { Exports::default() } else { export_directory::read(&image, old.VirtualAddress, old.Size)? };

    let system = system_info();
    let code_len = (NODE_API_FUNCTIONS.len() * TRAMPOLINE).next_multiple_of(system.dwPageSize as usize);
    let placeholders: Vec<(&[u8], u32)> = NODE_API_FUNCTIONS.iter().map(|&(name, _)| (name, 0)).collect();
    let len = code_len + export_directory::size(&export_directory::merged(&existing, &placeholders)?);
    let block = allocate_above(main, image_size as usize, len, &system)?;
    let rva = |at: *mut u8| u32::try_from(at as usize - main as usize).expect("allocate_above keeps the block within 4 GiB");

    // The trampolines first, then the directory: the loader takes an address inside the
    // directory for a forwarder's text, so code must not lie there.
    let mut added = Vec::with_capacity(NODE_API_FUNCTIONS.len());
    for (i, &(name, function)) in NODE_API_FUNCTIONS.iter().enumerate() {
        // SAFETY: inside the block, which is ours and writable.
        let at = unsafe { block.add(i * TRAMPOLINE) };
        // SAFETY: as above.
        unsafe { at.cast::<[u8; TRAMPOLINE]>().write(export_directory::trampoline(function as usize as u64)) };
        added.push((name, rva(at)));
    }
    // SAFETY: inside the block.
    let directory_at = unsafe { block.add(code_len) };
    let bytes = export_directory::build(&export_directory::merged(&existing, &added)?, rva(directory_at))?;
    // SAFETY: the block was sized for these bytes after the code.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), directory_at, bytes.len()) };
    protect(block, code_len, PAGE_EXECUTE_READ)?;
    protect(directory_at, bytes.len(), PAGE_READONLY)?;
    // SAFETY: our own block of this process.
    unsafe { FlushInstructionCache(GetCurrentProcess(), block.cast(), code_len) };

    let new = IMAGE_DATA_DIRECTORY { VirtualAddress: rva(directory_at), Size: bytes.len() as u32 };
    // SAFETY: `directory` is the export entry of the main module's headers.
    unsafe { publish(directory, new) }?;
    let expected = NODE_API_FUNCTIONS.iter().position(|&(name, _)| name == b"napi_create_object").map(|i| block as usize + i * TRAMPOLINE);
    match exported(main, b"napi_create_object\0") {
        found if found == expected => Ok(()),
        found => Err(format!("the main module's new exports answer napi_create_object with {found:#x?}, not its trampoline")),
    }
}

/// The main module's NT headers, checked to be a PE32+ image's.
///
/// # Safety
/// `main` is the base of a loaded image.
unsafe fn nt_headers(main: HMODULE) -> Result<*mut IMAGE_NT_HEADERS64, String> {
    let dos = main.cast::<IMAGE_DOS_HEADER>();
    // SAFETY: an image begins with its DOS header.
    let (magic, offset) = unsafe { ((*dos).e_magic, (*dos).e_lfanew) };
    if magic != IMAGE_DOS_SIGNATURE {
        return Err("the main module has no DOS header".into());
    }
    // SAFETY: e_lfanew of a loaded image points at its NT headers.
    let headers = unsafe { main.cast::<u8>().offset(offset as isize) }.cast::<IMAGE_NT_HEADERS64>();
    // SAFETY: as above; read before anything else of them is believed.
    let (signature, optional) = unsafe { ((*headers).Signature, (*headers).OptionalHeader.Magic) };
    if signature != IMAGE_NT_SIGNATURE || optional != IMAGE_NT_OPTIONAL_HDR64_MAGIC {
        return Err("the main module is not a PE32+ image".into());
    }
    // SAFETY: as above.
    if unsafe { (*headers).OptionalHeader.NumberOfRvaAndSizes } == 0 {
        return Err("the main module's headers have no export entry".into());
    }
    Ok(headers)
}

fn system_info() -> SYSTEM_INFO {
    // SAFETY: SYSTEM_INFO is plain data, filled by the call.
    let mut info: SYSTEM_INFO = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { GetSystemInfo(&mut info) };
    info
}

/// `len` bytes, read-write, between the end of the main module's image and 4 GiB above its
/// base, so that an RVA reaches every byte: the first free range there that fits.
fn allocate_above(main: HMODULE, image_size: usize, len: usize, system: &SYSTEM_INFO) -> Result<*mut u8, String> {
    let granularity = system.dwAllocationGranularity as usize;
    let (base, limit) = (main as usize, main as usize + u32::MAX as usize);
    let mut at = base + image_size;
    while at + len <= limit {
        // SAFETY: MEMORY_BASIC_INFORMATION is plain data, filled by the call.
        let mut region: MEMORY_BASIC_INFORMATION = unsafe { std::mem::zeroed() };
        // SAFETY: a query of this process's address space.
        if unsafe { VirtualQuery(at as *const _, &mut region, size_of::<MEMORY_BASIC_INFORMATION>()) } == 0 {
            break;
        }
        let end = region.BaseAddress as usize + region.RegionSize;
        let start = at.next_multiple_of(granularity);
        if region.State == MEM_FREE && start + len <= end.min(limit) {
            // SAFETY: a free range of this process's address space, taken whole.
            let block = unsafe { VirtualAlloc(start as *const _, len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) };
            if !block.is_null() {
                return Ok(block.cast());
            }
        }
        at = end;
    }
    Err("no free memory within 4 GiB above the main module for its export directory".into())
}

fn protect(at: *mut u8, len: usize, protection: PAGE_PROTECTION_FLAGS) -> Result<(), String> {
    let mut old = 0;
    // SAFETY: pages of our own block.
    if unsafe { VirtualProtect(at.cast(), len, protection, &mut old) } == 0 {
        return Err(format!("VirtualProtect of the new exports failed: {}", std::io::Error::last_os_error()));
    }
    Ok(())
}

/// Points the main module's export entry at `new`. A thread looking a name up meanwhile sees the
/// old entry or the new one: one 8-byte store where the entry is so aligned (it is in what
/// linkers write), else the size first and the address last, which an image that exported
/// nothing (address 0: no directory) passes through safely.
///
/// # Safety
/// `entry` is the export entry of the main module's headers.
unsafe fn publish(entry: *mut IMAGE_DATA_DIRECTORY, new: IMAGE_DATA_DIRECTORY) -> Result<(), String> {
    let mut old = 0;
    // SAFETY: the page of the module's headers, made writable (copy-on-write) for the store.
    if unsafe { VirtualProtect(entry.cast(), size_of::<IMAGE_DATA_DIRECTORY>(), PAGE_READWRITE, &mut old) } == 0 {
        return Err(format!("the main module's headers cannot be written: {}", std::io::Error::last_os_error()));
    }
    if entry.cast::<u64>().is_aligned() {
        let both = u64::from(new.VirtualAddress) | u64::from(new.Size) << 32;
        // SAFETY: 8 aligned, writable bytes; other threads only read them.
        unsafe { AtomicU64::from_ptr(entry.cast()) }.store(both, Ordering::Release);
    } else {
        // SAFETY: as above, a field at a time.
        unsafe {
            addr_of_mut!((*entry).Size).write_volatile(new.Size);
            addr_of_mut!((*entry).VirtualAddress).write_volatile(new.VirtualAddress);
        }
    }
    let mut ignored = 0;
    // SAFETY: the same page, given back its protection.
    unsafe { VirtualProtect(entry.cast(), size_of::<IMAGE_DATA_DIRECTORY>(), old, &mut ignored) };
    Ok(())
}
