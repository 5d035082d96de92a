//! Makes napi-hostd's dynamic symbol table hold every function of `napi-exports.txt` (the one
//! list of exported Node-API symbols, in the napi-functions crate): an executable exports only
//! what its dynamic list names, and napi-rs addons look each one up with `dlsym` when they load.

use std::fmt::Write as _;
use std::path::PathBuf;

include!("../napi/exports_list.rs");

fn main() {
    let list = std::fs::read_to_string("../napi/napi-exports.txt").expect("../napi/napi-exports.txt");
    println!("cargo:rerun-if-changed=../napi/napi-exports.txt");
    println!("cargo:rerun-if-changed=../napi/exports_list.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let functions = exported_functions(&list);
    let mut dynamic = String::from("{\n");
    for (name, _) in &functions {
        writeln!(dynamic, "  {name};").unwrap();
    }
    dynamic.push_str("};\n");
    std::fs::write(out.join("exports.list"), dynamic).unwrap();
    keep_all(&functions, "bin=napi-hostd");
    println!("cargo:rustc-link-arg-bin=napi-hostd=-Wl,--dynamic-list={}", out.join("exports.list").display());
}
