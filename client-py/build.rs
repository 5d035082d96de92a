//! The extension carries the Node-API runtime for in-process hosts (`isolated=False`): an
//! addon `dlopen`ed into Python resolves its `napi_*` imports against the extension, so the
//! extension exports every function of `server/napi/napi-exports.txt`, as `napi-hostd` does,
//! and libuv's of `server/napi/libuv-exports.txt`. With the `bundled-hostd` feature (on in
//! pyproject.toml) it also carries `napi-hostd` itself.

include!("../server/napi/exports_list.rs");

#[path = "buildscript/bundle_hostd.rs"]
mod bundle_hostd;

fn main() {
    let (napi, uv) = read_export_lists("../server/napi");
    // rustc exports the `#[no_mangle]` functions of the crates a cdylib links (its version
    // script); this makes sure each is linked in.
    keep_all(napi.iter().chain(&uv).map(String::as_str), "cdylib");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    match std::env::var("CARGO_CFG_TARGET_OS").unwrap().as_str() {
        // The win_amd64 wheels (mingw's ld, no version scripts): nothing need be exported, since an
        // addon looks Node-API up in python.exe, which in-process hosts give napi-client's table (D94).
        "windows" => import_private_python(&out),
        "macos" => macos_exports(&uv, &out),
        _ => elf_exports(&uv, &out),
    }
    if std::env::var_os("CARGO_FEATURE_BUNDLED_HOSTD").is_some() {
        bundle_hostd::bundle();
    }
}

/// The CPython functions client-py/src declares itself (private ones pyo3-ffi leaves out), which
/// on Windows come from `python3XX.dll` through an import library (pyo3-ffi's own take raw-dylib
/// links). No Windows Python is at hand: the version is the one pyo3 is told
/// (`PYO3_CROSS_PYTHON_VERSION`, scripts/windows wheels), the library made by mingw's dlltool.
fn import_private_python(out: &std::path::Path) {
    const PRIVATE: &[&str] = &["_PyObject_GetDictPtr", "_PyType_Lookup", "_PyDict_NewPresized"];
    println!("cargo:rerun-if-env-changed=PYO3_CROSS_PYTHON_VERSION");
    let version = std::env::var("PYO3_CROSS_PYTHON_VERSION")
        .expect("a Windows build of the extension needs PYO3_CROSS_PYTHON_VERSION (e.g. 3.12): scripts/windows wheels");
    let dll = format!("python{}.dll", version.replace('.', ""));
    let def = out.join("python_private.def");
    std::fs::write(&def, format!("LIBRARY {dll}\nEXPORTS\n{}\n", PRIVATE.join("\n"))).unwrap();
    let status = std::process::Command::new("x86_64-w64-mingw32-dlltool")
        .arg("-d")
        .arg(&def)
        .arg("-l")
        .arg(out.join("libpython_private.a"))
        .status()
        .expect("x86_64-w64-mingw32-dlltool (mingw-w64's binutils) could not be started");
    assert!(status.success(), "x86_64-w64-mingw32-dlltool failed ({status}) making the import library of {dll}");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=python_private");
}

/// libuv's functions are C, from a static library, which rustc's exported-symbols list (ld64's
/// `-exported_symbols_list`, the names of Rust's `#[no_mangle]` functions) leaves out: a second
/// list, which the linker adds to the first, names them, with Mach-O's leading underscore.
fn macos_exports(uv: &[String], out: &std::path::Path) {
    let list: String = uv.iter().map(|name| format!("_{name}\n")).collect();
    std::fs::write(out.join("libuv.exports"), list).unwrap();
    println!("cargo:rustc-link-arg-cdylib=-Wl,-exported_symbols_list,{}", out.join("libuv.exports").display());
    // Python's own functions are found in the interpreter that loads the module, as macOS's
    // extension modules all do (maturin passes the same on a Mac).
    println!("cargo:rustc-link-arg-cdylib=-Wl,-undefined,dynamic_lookup");
}

fn elf_exports(uv: &[String], out: &std::path::Path) {
    // libuv's functions are C, from a static library, which rustc's version script hides: a
    // second version script makes them global. lld merges the two; GNU ld refuses a second
    // anonymous version tag, so the extension is linked by lld, as rustup's x86-64 toolchain
    // links by default and zig (release wheels) always does; elsewhere (arm64, a distribution's
    // rustc) that takes `ld.lld` installed.
    let mut script = String::from("{\n  global:\n");
    for name in uv {
        script.push_str(&format!("    {name};\n"));
    }
    script.push_str("};\n");
    std::fs::write(out.join("libuv.version"), script).unwrap();
    println!("cargo:rustc-link-arg-cdylib=-Wl,--version-script={}", out.join("libuv.version").display());
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    if !std::env::var("RUSTC_LINKER").is_ok_and(|linker| linker.contains("zig")) {
        println!("cargo:rustc-link-arg-cdylib=-fuse-ld=lld");
    }
}
