//! Turns `napi-exports.txt` (the one list of exported Node-API symbols) into:
//! - `exports.list`, the linker's dynamic list, so the binary's dynamic symbol table holds every
//!   function an addon may look up (napi-rs resolves them with `dlsym` at load);
//! - `missing.rs`, a stub for each function not implemented yet.

use std::fmt::Write as _;
use std::path::PathBuf;

include!("exports_list.rs");

fn main() {
    let list = std::fs::read_to_string("napi-exports.txt").expect("napi-exports.txt");
    println!("cargo:rerun-if-changed=napi-exports.txt");
    println!("cargo:rerun-if-changed=exports_list.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let functions = exported_functions(&list);
    let mut stubs = String::new();
    for (name, state) in &functions {
        match *state {
            "implemented" => {}
            "missing" => writeln!(stubs, "missing_stub!({name});").unwrap(),
            other => panic!("unknown state {other:?} for {name}"),
        }
    }
    std::fs::write(out.join("missing.rs"), stubs).unwrap();
    // An executable exports only what its dynamic list names.
    let mut dynamic = String::from("{\n");
    for (name, _) in &functions {
        writeln!(dynamic, "  {name};").unwrap();
    }
    dynamic.push_str("};\n");
    std::fs::write(out.join("exports.list"), dynamic).unwrap();
    keep_all(&functions, "bin=napi-hostd");
    println!("cargo:rustc-link-arg-bin=napi-hostd=-Wl,--dynamic-list={}", out.join("exports.list").display());
}
