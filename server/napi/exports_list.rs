// Shared by the build scripts of napi-hostd, napi-client and the Python extension (all
// `include!` it): the names in `napi-exports.txt`, the one list of exported Node-API functions,
// and in `libuv-exports.txt`, libuv's, and the linker arguments that keep every
// one of them in the artifact.

/// The name of each line of the list, comments and blank lines skipped. Every function listed is
/// implemented: its state, `implemented`, is what `napi-hostd --exports` tells `inspect`.
fn exported_functions(list: &str) -> Vec<&str> {
    list.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| match l.split_once('\t') {
            Some((name, "implemented")) => name,
            _ => panic!("napi-exports.txt: {l:?} is not `name<TAB>implemented`"),
        })
        .collect()
}

/// The names in `libuv-exports.txt`: libuv's public functions, exported as node exports them.
#[allow(dead_code, reason = "each build script that includes this file uses some of it")]
fn libuv_functions(list: &str) -> Vec<&str> {
    list.lines().map(str::trim).filter(|l| !l.starts_with('#') && !l.is_empty()).collect()
}

/// Tells the linker, for the artifacts `target` names (`bin=napi-hostd`, `cdylib`), to pull
/// each function's definition out of the library archive even though nothing in the artifact
/// calls it.
#[allow(dead_code, reason = "each build script that includes this file uses some of it")]
fn keep_all<'a>(names: impl IntoIterator<Item = &'a str>, target: &str) {
    // Mach-O's symbol names carry C's leading underscore; ld64 (and zig's Mach-O linker) want
    // it spelled out, and there `-u` of each name is also what keeps it in an executable's
    // export trie (`-rdynamic` alone leaves out what nothing calls).
    let prefix = if std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "macos") { "_" } else { "" };
    for name in names {
        // `-u NAME` (GNU ld's `--undefined=NAME`) in the spelling zig's linker also takes.
        println!("cargo:rustc-link-arg-{target}=-Wl,-u,{prefix}{name}");
    }
}

/// The two lists read from `napi_dir` (the napi-functions crate's folder, as the build script's
/// crate reaches it), cargo told to build again when either list or this file changes: Node-API's
/// names, then libuv's.
#[allow(dead_code, reason = "each build script that includes this file uses some of it")]
fn read_export_lists(napi_dir: &str) -> (Vec<String>, Vec<String>) {
    let read = |file: &str| {
        let path = format!("{napi_dir}/{file}");
        println!("cargo:rerun-if-changed={path}");
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    println!("cargo:rerun-if-changed={napi_dir}/exports_list.rs");
    let napi = exported_functions(&read("napi-exports.txt")).iter().map(|name| name.to_string()).collect();
    let libuv = libuv_functions(&read("libuv-exports.txt")).iter().map(|name| name.to_string()).collect();
    (napi, libuv)
}

/// A linker dynamic list (`--dynamic-list`) naming `names`: what an executable's dynamic symbol
/// table holds.
#[allow(dead_code, reason = "each build script that includes this file uses some of it")]
fn dynamic_list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut list = String::from("{\n");
    for name in names {
        list.push_str(&format!("  {name};\n"));
    }
    list.push_str("};\n");
    list
}
