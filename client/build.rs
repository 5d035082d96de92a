//! This crate's tests load addons into in-process hosts: an addon's `napi_*` imports resolve
//! against the test program, so its dynamic symbol table holds every Node-API and libuv function
//! the host exports (`server/napi/napi-exports.txt`, `libuv-exports.txt`), as napi-hostd's does.

use std::fmt::Write as _;
use std::path::PathBuf;

include!("../server/napi/exports_list.rs");

fn main() {
    let list = std::fs::read_to_string("../server/napi/napi-exports.txt").expect("server/napi/napi-exports.txt");
    let libuv = std::fs::read_to_string("../server/napi/libuv-exports.txt").expect("server/napi/libuv-exports.txt");
    for file in ["napi-exports.txt", "libuv-exports.txt", "exports_list.rs"] {
        println!("cargo:rerun-if-changed=../server/napi/{file}");
    }
    let functions = exported_functions(&list);
    let uv = libuv_functions(&libuv);
    let names: Vec<&str> = functions.iter().map(|(name, _)| *name).chain(uv.iter().copied()).collect();
    keep_all(names.iter().copied(), "tests");
    let mut dynamic = String::from("{\n");
    for name in &names {
        writeln!(dynamic, "  {name};").unwrap();
    }
    dynamic.push_str("};\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("exports.list"), dynamic).unwrap();
    println!("cargo:rustc-link-arg-tests=-Wl,--dynamic-list={}", out.join("exports.list").display());
}
