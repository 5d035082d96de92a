//! Whether a library has thread-local storage: its calls then stay on the host thread.

use std::path::Path;

/// Whether the PE file at `path` has a TLS directory (thread-local storage, and the callbacks that
/// run as threads start and end): its code may then tell threads apart, so its calls must stay
/// on the host thread. Unreadable or unfamiliar files count as having one.
#[cfg(windows)]
pub(crate) fn has_thread_locals(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else { return true };
    // Only the first 4 KiB are read, not the library: the headers of a PE file from a usual
    // linker lie there (one whose do not counts as having thread-local storage).
    let mut headers = Vec::with_capacity(4096);
    if file.take(4096).read_to_end(&mut headers).is_err() {
        return true;
    }
    pe_has_tls_directory(&headers).unwrap_or(true)
}

/// Whether the PE32+ headers `headers` name a TLS directory, or None when they are no PE32+
/// headers or end before that entry.
#[cfg(any(windows, test))]
fn pe_has_tls_directory(headers: &[u8]) -> Option<bool> {
    const PE32_PLUS: u16 = 0x20b;
    const TLS_DIRECTORY: usize = 9;
    let u16_at = |at: usize| Some(u16::from_le_bytes(headers.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(headers.get(at..at + 4)?.try_into().ok()?));
    if headers.get(..2)? != b"MZ" {
        return None;
    }
    let pe = usize::try_from(u32_at(0x3c)?).ok()?;
    if headers.get(pe..pe + 4)? != b"PE\0\0" {
        return None;
    }
    // The optional header follows the 4-byte signature and the 20-byte COFF header.
    let optional = pe + 24;
    if u16_at(optional)? != PE32_PLUS {
        return None;
    }
    // PE32+: NumberOfRvaAndSizes at 108, then the data directories (RVA, size) from 112.
    if u32_at(optional + 108)? <= TLS_DIRECTORY as u32 {
        return Some(false);
    }
    let entry = optional + 112 + 8 * TLS_DIRECTORY;
    Some(u32_at(entry)? != 0 || u32_at(entry + 4)? != 0)
}

/// Whether the ELF file at `path` has thread-local storage (a `PT_TLS` program header): its code
/// may then tell threads apart, so its calls must stay on the host thread. Unreadable or
/// unfamiliar files count as having it.
#[cfg(unix)]
pub(crate) fn has_thread_locals(path: &Path) -> bool {
    use std::os::unix::fs::FileExt;
    const PT_TLS: u32 = 7;
    // Only the ELF header and each program header's type are read, not the library.
    let Ok(file) = std::fs::File::open(path) else { return true };
    let mut header = [0u8; 64];
    // 64-bit little-endian ELF, the only kind this host loads.
    if file.read_exact_at(&mut header, 0).is_err() || header[..6] != [0x7f, b'E', b'L', b'F', 2, 1] {
        return true;
    }
    let phoff = u64::from_le_bytes(header[0x20..0x28].try_into().expect("8 bytes"));
    let phentsize = u64::from(u16::from_le_bytes([header[0x36], header[0x37]]));
    let phnum = u64::from(u16::from_le_bytes([header[0x38], header[0x39]]));
    let mut kind = [0u8; 4];
    (0..phnum).any(|i| {
        phoff.checked_add(i * phentsize).is_none_or(|at| file.read_exact_at(&mut kind, at).is_err() || u32::from_le_bytes(kind) == PT_TLS)
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A minimal 64-bit ELF header with two program headers, the second of type `second` (7 is
    /// `PT_TLS`, thread-local storage).
    pub(in crate::inprocess) fn elf(second: u32) -> Vec<u8> {
        let mut b = vec![0u8; 0x40 + 2 * 0x38];
        b[..6].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1]);
        b[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&0x38u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        b[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
        b[0x78..0x7c].copy_from_slice(&second.to_le_bytes());
        b
    }

    /// Minimal PE32+ headers whose TLS directory entry is (`rva`, `size`).
    fn pe(rva: u32, size: u32) -> Vec<u8> {
        let mut b = vec![0u8; 0x80 + 24 + 112 + 16 * 8];
        b[..2].copy_from_slice(b"MZ");
        b[0x3c..0x40].copy_from_slice(&0x80u32.to_le_bytes());
        b[0x80..0x84].copy_from_slice(b"PE\0\0");
        let optional = 0x80 + 24;
        b[optional..optional + 2].copy_from_slice(&0x20bu16.to_le_bytes());
        b[optional + 108..optional + 112].copy_from_slice(&16u32.to_le_bytes());
        let tls = optional + 112 + 9 * 8;
        b[tls..tls + 4].copy_from_slice(&rva.to_le_bytes());
        b[tls + 4..tls + 8].copy_from_slice(&size.to_le_bytes());
        b
    }

    #[test]
    fn a_tls_directory_is_found_in_pe_headers() {
        assert_eq!(pe_has_tls_directory(&pe(0xb540, 0x28)), Some(true));
        assert_eq!(pe_has_tls_directory(&pe(0, 0)), Some(false));
        let mut fewer = pe(0xb540, 0x28);
        fewer[0x80 + 24 + 108] = 9; // no TLS entry among 9 directories
        assert_eq!(pe_has_tls_directory(&fewer), Some(false));
        let mut pe32 = pe(0, 0);
        pe32[0x80 + 24] = 0x0b;
        pe32[0x80 + 25] = 0x01;
        assert_eq!(pe_has_tls_directory(&pe32), None, "PE32 is not this host's");
        assert_eq!(pe_has_tls_directory(b"MZ"), None);
        assert_eq!(pe_has_tls_directory(&elf(7)), None);
        assert_eq!(pe_has_tls_directory(&pe(0, 0)[..0x80 + 24 + 112 + 9 * 8 + 4]), None, "cut in the entry");
    }

    #[cfg(unix)]
    #[test]
    fn thread_local_storage_is_found_in_elf_program_headers() {
        let dir = std::env::temp_dir().join(format!("napi-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (with, without, text) = (dir.join("with.node"), dir.join("without.node"), dir.join("text.node"));
        std::fs::write(&with, elf(7)).unwrap();
        std::fs::write(&without, elf(1)).unwrap();
        std::fs::write(&text, b"not an ELF file").unwrap();
        assert!(has_thread_locals(&with));
        assert!(!has_thread_locals(&without));
        assert!(has_thread_locals(&text), "unfamiliar files stay on the host thread");
        assert!(has_thread_locals(&dir.join("missing.node")));
        let mut cut = elf(1);
        cut.truncate(0x60);
        std::fs::write(&without, cut).unwrap();
        assert!(has_thread_locals(&without), "program headers past the end");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
