//! Turns `napi-exports.txt` (the one list of exported Node-API symbols) into `missing.rs`, a stub
//! for each function not implemented yet. (The artifacts that export the functions, napi-hostd
//! and the Python extension, read the same list in their own build scripts.)

use std::fmt::Write as _;
use std::path::PathBuf;

include!("exports_list.rs");

fn main() {
    let list = std::fs::read_to_string("napi-exports.txt").expect("napi-exports.txt");
    println!("cargo:rerun-if-changed=napi-exports.txt");
    println!("cargo:rerun-if-changed=exports_list.rs");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut stubs = String::new();
    for (name, state) in exported_functions(&list) {
        match state {
            "implemented" => {}
            "missing" => writeln!(stubs, "missing_stub!({name});").unwrap(),
            other => panic!("unknown state {other:?} for {name}"),
        }
    }
    std::fs::write(out.join("missing.rs"), stubs).unwrap();
}
