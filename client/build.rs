//! This crate's tests load addons into in-process hosts: an addon's `napi_*` imports resolve
//! against the test program, so its dynamic symbol table holds every Node-API and libuv function
//! the host exports (`server/napi/napi-exports.txt`, `libuv-exports.txt`), as napi-hostd's does.

use std::path::PathBuf;

include!("../server/napi/exports_list.rs");

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").unwrap() == "windows" {
        // Windows' tests start napi-hostd.exe alone and export nothing, as python.exe does
        // (in-process hosts are refused there: src/link/host_thread.rs).
        return;
    }
    let (napi, libuv) = read_export_lists("../server/napi");
    let names = || napi.iter().chain(&libuv).map(String::as_str);
    keep_all(names(), "tests");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("exports.list"), dynamic_list(names())).unwrap();
    println!("cargo:rustc-link-arg-tests=-Wl,--dynamic-list={}", out.join("exports.list").display());
}
