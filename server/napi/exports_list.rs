// Shared by the build scripts of napi-functions, napi-hostd and the Python extension (all
// `include!` it): the names in `napi-exports.txt`, the one list of exported Node-API functions,
// and in `libuv-exports.txt`, libuv's, and the linker arguments that keep every
// one of them in the artifact.

/// Each `(name, state)` line of the list, comments and blank lines skipped.
fn exported_functions(list: &str) -> Vec<(&str, &str)> {
    list.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_once('\t').expect("name<TAB>state"))
        .collect()
}

/// The names in `libuv-exports.txt`: libuv's public functions, exported as node exports them
/// (issue 29).
#[allow(dead_code, reason = "napi-functions' own build script only makes stubs")]
fn libuv_functions(list: &str) -> Vec<&str> {
    list.lines().map(str::trim).filter(|l| !l.starts_with('#') && !l.is_empty()).collect()
}

/// Tells the linker, for the artifacts `target` names (`bin=napi-hostd`, `cdylib`), to pull
/// each function's definition out of the library archive even though nothing in the artifact
/// calls it.
#[allow(dead_code, reason = "napi-functions' own build script only makes stubs")]
fn keep_all<'a>(names: impl IntoIterator<Item = &'a str>, target: &str) {
    for name in names {
        // `-u NAME` (GNU ld's `--undefined=NAME`) in the spelling zig's linker also takes.
        println!("cargo:rustc-link-arg-{target}=-Wl,-u,{name}");
    }
}
