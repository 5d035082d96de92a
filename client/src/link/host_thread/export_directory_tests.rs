use super::*;

/// A module image of `size` zero bytes with `directory` placed at `rva`.
fn image_with(size: usize, rva: u32, directory: &[u8]) -> Vec<u8> {
    let mut image = vec![0u8; size];
    image[rva as usize..rva as usize + directory.len()].copy_from_slice(directory);
    image
}

fn image(bytes: &[u8]) -> Image {
    Image { base: bytes.as_ptr(), size: bytes.len() }
}

fn u32_at(image: &[u8], at: u32) -> u32 {
    u32::from_le_bytes(image[at as usize..at as usize + 4].try_into().unwrap())
}

fn text_at(image: &[u8], at: u32) -> &[u8] {
    let rest = &image[at as usize..];
    &rest[..rest.iter().position(|&b| b == 0).unwrap()]
}

/// What a look-up of `name` answers, found as the loader finds it (Windows' and wine's
/// `GetProcAddress`: a binary search of the sorted names, then the function its ordinal names,
/// a forwarder when that lies inside the directory).
fn look_up(image: &[u8], rva: u32, size: u32, name: &[u8]) -> Option<Export> {
    let (names, ordinals, functions) = (u32_at(image, rva + 32), u32_at(image, rva + 36), u32_at(image, rva + 28));
    let (mut low, mut high) = (0i64, i64::from(u32_at(image, rva + 24)) - 1);
    while low <= high {
        let middle = (low + high) / 2;
        let found = text_at(image, u32_at(image, names + 4 * middle as u32));
        match found.cmp(name) {
            std::cmp::Ordering::Equal => {
                let at = ordinals as usize + 2 * middle as usize;
                let index = u16::from_le_bytes([image[at], image[at + 1]]);
                let code = u32_at(image, functions + 4 * u32::from(index));
                return Some(if (rva..rva + size).contains(&code) {
                    Export::Forward(text_at(image, code).to_vec())
                } else {
                    Export::Code(code)
                });
            }
            std::cmp::Ordering::Greater => high = middle - 1,
            std::cmp::Ordering::Less => low = middle + 1,
        }
    }
    None
}

/// Builds `exports` at `rva` of an image of `size` bytes: the image, and the directory's size.
fn placed(exports: &Exports, size: usize, rva: u32) -> (Vec<u8>, u32) {
    let directory = build(exports, rva).unwrap();
    assert_eq!(directory.len(), super::size(exports));
    (image_with(size, rva, &directory), directory.len() as u32)
}

const ADDED: &[(&[u8], u32)] = &[(b"uv_run", 0x3000), (b"napi_create_object", 0x1000), (b"napi_call_function", 0x2000)];

#[test]
fn a_module_that_exported_nothing_answers_each_added_name() {
    let exports = merged(&Exports::default(), ADDED).unwrap();
    assert_eq!(exports.base, 1);
    let (image, size) = placed(&exports, 0x8000, 0x5000);
    for &(name, rva) in ADDED {
        assert_eq!(look_up(&image, 0x5000, size, name), Some(Export::Code(rva)), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(look_up(&image, 0x5000, size, b"napi_create_array"), None);
    assert_eq!(look_up(&image, 0x5000, size, b"Napi_create_object"), None);
    assert_eq!(read(&self::image(&image), 0x5000, size).unwrap(), exports, "reads back as built");
}

#[test]
fn names_are_sorted_as_strcmp_sorts_them() {
    let added: &[(&[u8], u32)] = &[(b"napi_b", 1), (b"Zeta", 2), (b"napi_", 3), (b"napi_a", 4), (b"uv_a", 5)];
    let names: Vec<Vec<u8>> = merged(&Exports::default(), added).unwrap().names.into_iter().map(|(n, _)| n).collect();
    let expected: [&[u8]; 5] = [b"Zeta", b"napi_", b"napi_a", b"napi_b", b"uv_a"];
    assert_eq!(names, expected);
}

/// A directory as a linker writes one: a named function, a forwarder, an ordinal with no name,
/// an empty ordinal, and a name the added functions also have.
fn linked() -> Exports {
    Exports {
        module: b"python.exe".to_vec(),
        base: 5,
        functions: vec![
            Export::Code(0x1100),
            Export::Forward(b"KERNEL32.Sleep".to_vec()),
            Export::Code(0x1200),
            Export::Empty,
            Export::Code(0x1300),
        ],
        names: vec![(b"Py_Main".to_vec(), 0), (b"Sleep".to_vec(), 1), (b"napi_create_object".to_vec(), 4)],
    }
}

#[test]
fn what_the_module_exported_stays_as_it_was() {
    let (linked_image, linked_size) = placed(&linked(), 0x4000, 0x3000);
    let existing = read(&image(&linked_image), 0x3000, linked_size).unwrap();
    assert_eq!(existing, linked());
    let exports = merged(&existing, ADDED).unwrap();
    assert_eq!(exports.base, 5, "ordinals keep their numbers");
    assert_eq!(exports.functions[..5], linked().functions[..], "and their functions");
    let (image, size) = placed(&exports, 0x9000, 0x7000);
    let found = |name: &[u8]| look_up(&image, 0x7000, size, name);
    assert_eq!(found(b"Py_Main"), Some(Export::Code(0x1100)));
    assert_eq!(found(b"Sleep"), Some(Export::Forward(b"KERNEL32.Sleep".to_vec())), "a forwarder moves with the directory");
    assert_eq!(found(b"napi_create_object"), Some(Export::Code(0x1300)), "the module's own function wins");
    assert_eq!(found(b"uv_run"), Some(Export::Code(0x3000)));
    assert_eq!(found(b"napi_call_function"), Some(Export::Code(0x2000)));
    assert_eq!(exports.functions.len(), 7, "one new ordinal for each name not exported before");
}

#[test]
fn a_directory_pointing_outside_the_image_is_refused() {
    let (mut image, size) = placed(&merged(&Exports::default(), ADDED).unwrap(), 0x8000, 0x5000);
    // AddressOfNames, made to point past the image's end.
    image[0x5000 + 32..0x5000 + 36].copy_from_slice(&0x9000u32.to_le_bytes());
    let error = read(&self::image(&image), 0x5000, size).unwrap_err();
    assert!(error.contains("outside its image"), "{error}");
    // The module's name (Name, at 12), made to run to the image's end with no NUL.
    let (mut image, size) = placed(&merged(&Exports::default(), ADDED).unwrap(), 0x8000, 0x5000);
    image[0x5000 + 12..0x5000 + 16].copy_from_slice(&0x7FFCu32.to_le_bytes());
    image[0x7FFC..].copy_from_slice(b"text");
    let error = read(&self::image(&image), 0x5000, size).unwrap_err();
    assert!(error.contains("outside its image"), "a name without its NUL: {error}");
}

#[test]
fn a_directory_beyond_4_gib_is_refused() {
    let error = build(&merged(&Exports::default(), ADDED).unwrap(), u32::MAX - 16).unwrap_err();
    assert!(error.contains("more than 4 GiB"), "{error}");
}

#[test]
fn a_trampoline_jumps_to_its_target() {
    let code = trampoline(0x1122_3344_5566_7788);
    assert_eq!(code[..6], [0xFF, 0x25, 0, 0, 0, 0], "jmp qword [rip+0]");
    assert_eq!(u64::from_le_bytes(code[6..14].try_into().unwrap()), 0x1122_3344_5566_7788);
    assert_eq!(code.len(), TRAMPOLINE);
}
