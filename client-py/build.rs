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
    if std::env::var("CARGO_CFG_TARGET_OS").unwrap() == "macos" {
        macos_exports(&uv, &out);
    } else {
        elf_exports(&uv, &out);
    }
    if std::env::var_os("CARGO_FEATURE_BUNDLED_HOSTD").is_some() {
        bundle_hostd::bundle();
    }
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
