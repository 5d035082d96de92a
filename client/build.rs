//! This crate's tests and examples load addons into in-process hosts: an addon's `napi_*` imports
//! resolve against the program, so its dynamic symbol table holds every Node-API and libuv function
//! the host exports (`server/napi/napi-exports.txt`, `libuv-exports.txt`), as napi-hostd's does.
//! On Windows, where the tests export nothing (as python.exe does), the crate carries a table
//! of those functions by name instead, which in-process hosts give the program's main module
//! (`src/link/host_thread/windows.rs`).

use std::fmt::Write as _;
use std::path::PathBuf;

include!("../server/napi/exports_list.rs");

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").unwrap() == "windows" {
        windows_table();
        return;
    }
    let (napi, libuv) = read_export_lists("../server/napi");
    let names = || napi.iter().chain(&libuv).map(String::as_str);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("exports.list"), dynamic_list(names())).unwrap();
    for target in ["tests", "examples"] {
        keep_all(names(), target);
        println!("cargo:rustc-link-arg-{target}=-Wl,--dynamic-list={}", out.join("exports.list").display());
    }
}

/// `node_api_functions.rs`: every function of the two lists declared, and
/// `NODE_API_FUNCTIONS`, each one's name with its address (which also links each one in).
fn windows_table() {
    let (napi, libuv) = read_export_lists("../server/napi");
    let names = || napi.iter().chain(&libuv);
    let mut table = String::from("extern \"C\" {\n");
    for name in names() {
        writeln!(table, "    fn {name}();").unwrap();
    }
    let count = napi.len() + libuv.len();
    writeln!(table, "}}\n\n/// Every Node-API and libuv function the host exports, by name.").unwrap();
    writeln!(table, "static NODE_API_FUNCTIONS: [(&[u8], unsafe extern \"C\" fn()); {count}] = [").unwrap();
    for name in names() {
        writeln!(table, "    (b\"{name}\", {name}),").unwrap();
    }
    table.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("node_api_functions.rs"), table).unwrap();
}
