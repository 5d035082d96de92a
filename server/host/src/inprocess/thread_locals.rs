//! Whether a library has thread-local storage: its calls then stay on the host thread.

use std::path::Path;

/// On Windows every addon counts as having thread-local storage (its PE TLS directory is not
/// read yet): its calls stay on the host thread, the safe side of `has_thread_locals`.
#[cfg(windows)]
pub(crate) fn has_thread_locals(_path: &Path) -> bool {
    true
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
