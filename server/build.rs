//! Turns `napi-exports.txt` (the one list of exported Node-API symbols) into:
//! - `exports.list`, the linker's dynamic list, so the binary's dynamic symbol table holds every
//!   function an addon may look up (napi-rs resolves them with `dlsym` at load);
//! - `missing.rs`, a stub for each function not implemented yet.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let list = std::fs::read_to_string("napi-exports.txt").expect("napi-exports.txt");
    println!("cargo:rerun-if-changed=napi-exports.txt");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let mut dynamic = String::from("{\n");
    let mut stubs = String::new();
    for line in list.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (name, state) = line.split_once('\t').expect("name<TAB>state");
        writeln!(dynamic, "  {name};").unwrap();
        match state {
            "implemented" => {}
            "missing" => writeln!(stubs, "missing_stub!({name});").unwrap(),
            other => panic!("unknown state {other:?} for {name}"),
        }
        // Pull the definition out of the library archive even though nothing in the binary
        // calls it.
        println!("cargo:rustc-link-arg-bin=napi-hostd=-Wl,--undefined={name}");
    }
    dynamic.push_str("};\n");
    std::fs::write(out.join("exports.list"), dynamic).unwrap();
    std::fs::write(out.join("missing.rs"), stubs).unwrap();
    println!("cargo:rustc-link-arg-bin=napi-hostd=-Wl,--dynamic-list={}", out.join("exports.list").display());
}
