//! A PE export directory for a program's main module (in-process hosts on Windows, D94): what
//! the module exported already, read as the loader reads it, with the Node-API and libuv
//! functions added, laid out to be placed anywhere within 4 GiB above the module (every address
//! in it is an RVA, a 32-bit offset from the module's base). Plain bytes in and out, so that it
//! is tested on every platform; `windows.rs` places it and points the module's headers at it.

/// One entry of a directory's function table (its Export Address Table), by ordinal.
#[derive(Clone, Debug, PartialEq)]
pub enum Export {
    /// No function at this ordinal.
    Empty,
    /// Code at this RVA of the module.
    Code(u32),
    /// A forwarder, `DLL.name`: the loader answers that DLL's export instead. Its text lives
    /// inside the directory (that is how the loader tells it from code), so it moves with it.
    Forward(Vec<u8>),
}

/// What an export directory holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exports {
    /// The module name it gives (informative: look-ups do not read it).
    pub module: Vec<u8>,
    /// The ordinal of `functions[0]`.
    pub base: u32,
    pub functions: Vec<Export>,
    /// Each exported name with the index in `functions` of what it names, sorted by name as the
    /// loader's binary search wants (byte order, as `strcmp`).
    pub names: Vec<(Vec<u8>, u16)>,
}

/// The fixed part of a directory, `IMAGE_EXPORT_DIRECTORY`.
const HEADER: usize = 40;

/// Memory of the module to read a directory from: `size` bytes from `base` (its image).
pub struct Image {
    pub base: *const u8,
    pub size: usize,
}

impl Image {
    /// The `len` bytes at `rva`, if they lie in the image.
    fn bytes(&self, rva: u64, len: usize) -> Result<&[u8], String> {
        let inside = usize::try_from(rva).ok().filter(|&start| start.checked_add(len).is_some_and(|end| end <= self.size));
        let start = inside.ok_or_else(|| format!("the main module's export directory points outside its image (RVA {rva:#x})"))?;
        // SAFETY: `Image`'s maker vouches for `size` bytes from `base` being the module's image;
        // only a range the directory names is read, and it lies inside.
        Ok(unsafe { std::slice::from_raw_parts(self.base.add(start), len) })
    }

    fn u32_at(&self, rva: u64) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.bytes(rva, 4)?.try_into().expect("4 bytes")))
    }

    fn u16_at(&self, rva: u64) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.bytes(rva, 2)?.try_into().expect("2 bytes")))
    }

    /// The NUL-terminated text at `rva`, without its NUL, read a byte at a time: the image's
    /// pages past it need not be readable.
    fn text_at(&self, rva: u32) -> Result<Vec<u8>, String> {
        let mut text = Vec::new();
        for at in u64::from(rva).. {
            match self.bytes(at, 1)?[0] {
                0 => break,
                byte => text.push(byte),
            }
        }
        Ok(text)
    }
}

/// Reads the directory of `size` bytes at `rva` of `image`, as the loader does.
pub fn read(image: &Image, rva: u32, size: u32) -> Result<Exports, String> {
    let (rva, size) = (u64::from(rva), u64::from(size));
    let field = |n: u64| image.u32_at(rva + 4 * n);
    // Characteristics, TimeDateStamp, versions, then these (IMAGE_EXPORT_DIRECTORY).
    let (name, base, functions, names, address_of_functions, address_of_names, ordinals) =
        (field(3)?, field(4)?, field(5)?, field(6)?, field(7)?, field(8)?, field(9)?);
    let inside = |at: u32| (rva..rva + size).contains(&u64::from(at));
    let module = if name == 0 { Vec::new() } else { image.text_at(name)? };
    let functions = (0..u64::from(functions))
        .map(|i| match image.u32_at(u64::from(address_of_functions) + 4 * i)? {
            0 => Ok(Export::Empty),
            at if inside(at) => Ok(Export::Forward(image.text_at(at)?)),
            at => Ok(Export::Code(at)),
        })
        .collect::<Result<Vec<_>, String>>()?;
    let names = (0..u64::from(names))
        .map(|i| {
            let name = image.text_at(image.u32_at(u64::from(address_of_names) + 4 * i)?)?;
            Ok((name, image.u16_at(u64::from(ordinals) + 2 * i)?))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Exports { module, base, functions, names })
}

/// `existing` with the functions of `added` (a name, the RVA of its code) whose names it does
/// not export already; existing ordinals keep their functions.
pub fn merged(existing: &Exports, added: &[(&[u8], u32)]) -> Result<Exports, String> {
    let mut exports = existing.clone();
    for &(name, rva) in added {
        if exports.names.iter().any(|(n, _)| n == name) {
            continue;
        }
        let index = u16::try_from(exports.functions.len()).map_err(|_| "the main module would export more than 65536 functions")?;
        exports.functions.push(Export::Code(rva));
        exports.names.push((name.to_vec(), index));
    }
    if existing.functions.is_empty() {
        // Ordinals start at 1 unless the module said otherwise.
        exports.base = 1;
    }
    exports.names.sort();
    Ok(exports)
}

/// How many bytes `exports` takes as a directory.
pub fn size(exports: &Exports) -> usize {
    layout(exports).end
}

/// Where each part of the directory lies, from its start.
struct Layout {
    functions: usize,
    names: usize,
    ordinals: usize,
    /// The texts: the module name, then each name, then each forwarder.
    texts: usize,
    end: usize,
}

fn layout(exports: &Exports) -> Layout {
    let functions = HEADER;
    let names = functions + 4 * exports.functions.len();
    let ordinals = names + 4 * exports.names.len();
    let texts = ordinals + 2 * exports.names.len();
    let forwarded = exports.functions.iter().map(|f| if let Export::Forward(text) = f { text.len() + 1 } else { 0 });
    let end = texts + exports.module.len() + 1 + exports.names.iter().map(|(n, _)| n.len() + 1).sum::<usize>() + forwarded.sum::<usize>();
    Layout { functions, names, ordinals, texts, end }
}

/// The bytes of `exports` as a directory placed at `rva` of the module.
pub fn build(exports: &Exports, rva: u32) -> Result<Vec<u8>, String> {
    let layout = layout(exports);
    let too_far = || "the main module's new export directory would lie more than 4 GiB above it".to_string();
    let rva_of = |offset: usize| u32::try_from(offset).ok().and_then(|o| rva.checked_add(o)).ok_or_else(too_far);
    let mut out = vec![0u8; layout.end];
    let put = |out: &mut Vec<u8>, at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
    let mut text = layout.texts;
    let mut put_text = |out: &mut Vec<u8>, bytes: &[u8]| -> Result<u32, String> {
        put(out, text, bytes);
        let at = rva_of(text)?;
        text += bytes.len() + 1;
        Ok(at)
    };

    let module = put_text(&mut out, &exports.module)?;
    for (i, (name, index)) in exports.names.iter().enumerate() {
        let at = put_text(&mut out, name)?;
        put(&mut out, layout.names + 4 * i, &at.to_le_bytes());
        put(&mut out, layout.ordinals + 2 * i, &index.to_le_bytes());
    }
    for (i, function) in exports.functions.iter().enumerate() {
        let at = match function {
            Export::Empty => 0,
            Export::Code(at) => *at,
            Export::Forward(forward) => put_text(&mut out, forward)?,
        };
        put(&mut out, layout.functions + 4 * i, &at.to_le_bytes());
    }
    let count = |n: usize| u32::try_from(n).map_err(|_| too_far());
    let header = [
        0, // Characteristics
        0, // TimeDateStamp
        0, // MajorVersion, MinorVersion
        module,
        exports.base,
        count(exports.functions.len())?,
        count(exports.names.len())?,
        rva_of(layout.functions)?,
        rva_of(layout.names)?,
        rva_of(layout.ordinals)?,
    ];
    for (i, field) in header.iter().enumerate() {
        put(&mut out, 4 * i, &field.to_le_bytes());
    }
    Ok(out)
}

/// The size of one trampoline.
pub const TRAMPOLINE: usize = 16;

/// x86-64 code that jumps to `target` from anywhere: `jmp [rip+0]` and the address, then two
/// `int3`s as padding. An export's RVA reaches only 4 GiB above the module; the functions may lie
/// anywhere (below it, or farther in a DLL), so each export points at its trampoline instead.
pub fn trampoline(target: u64) -> [u8; TRAMPOLINE] {
    let mut code = [0xCC; TRAMPOLINE];
    code[..6].copy_from_slice(&[0xFF, 0x25, 0, 0, 0, 0]);
    code[6..14].copy_from_slice(&target.to_le_bytes());
    code
}

#[cfg(test)]
#[path = "export_directory_tests.rs"]
mod tests;
