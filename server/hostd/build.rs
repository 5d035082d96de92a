//! Makes napi-hostd's dynamic symbol table hold every function of `napi-exports.txt` (the one
//! list of exported Node-API symbols, in the napi-functions crate) and of `libuv-exports.txt`
//! (libuv's): an executable exports only what its dynamic list names, and napi-rs addons
//! look each one up with `dlsym` when they load. On Windows the same names go into the exe's
//! export table through a module-definition (`.def`) file: napi-rs addons look them up with
//! `GetProcAddress` on the main module, node-gyp addons import them from `node.exe` through a
//! delay-load hook that answers the main module. On macOS each name's `-u` is enough: a Mach-O
//! executable exports its global symbols, and addons are linked `-undefined dynamic_lookup`.

use std::fmt::Write as _;
use std::path::PathBuf;

include!("../napi/exports_list.rs");

fn main() {
    let (napi, libuv) = read_export_lists("../napi");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let names = || napi.iter().chain(&libuv).map(String::as_str);
    keep_all(names(), "bin=napi-hostd");
    if std::env::var("CARGO_CFG_TARGET_OS").unwrap() == "windows" {
        let mut def = String::from("EXPORTS\n");
        for name in names() {
            writeln!(def, "  {name}").unwrap();
        }
        std::fs::write(out.join("exports.def"), def).unwrap();
        println!("cargo:rustc-link-arg-bin=napi-hostd={}", out.join("exports.def").display());
        return;
    }
    if std::env::var("CARGO_CFG_TARGET_OS").unwrap() == "macos" {
        // A Mach-O executable exports its global symbols: the `-u` of each name above keeps
        // every one through `-dead_strip`, which is all ld64 needs.
        return;
    }
    let mut list = dynamic_list(names());
    if std::env::var("CARGO_CFG_SANITIZE").is_ok_and(|s| s.split(',').any(|s| s == "address")) {
        // The sanitizer lane (scripts/sanitize): addons compiled with AddressSanitizer and UBSan
        // call the runtime linked into this executable, so it exports that runtime too.
        list = list.replacen("{\n", "{\n  __asan_*;\n  __ubsan_*;\n  __sanitizer_*;\n  __lsan_*;\n", 1);
    }
    std::fs::write(out.join("exports.list"), list).unwrap();
    if linked_by_zig() {
        // zig's linker (release wheels, `maturin --zig`) takes no dynamic list: every global
        // symbol goes into the dynamic table instead, these among them.
        println!("cargo:rustc-link-arg-bin=napi-hostd=-rdynamic");
    } else {
        println!("cargo:rustc-link-arg-bin=napi-hostd=-Wl,--dynamic-list={}", out.join("exports.list").display());
    }
}

/// Whether the linker cargo resolved for this target is zig's (maturin's `zigcc-*` wrapper).
fn linked_by_zig() -> bool {
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    std::env::var("RUSTC_LINKER").is_ok_and(|linker| linker.contains("zig"))
}
