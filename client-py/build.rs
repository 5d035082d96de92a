//! The extension carries the Node-API runtime for in-process hosts (`isolated=False`, D32): an
//! addon `dlopen`ed into Python resolves its `napi_*` imports against the extension, so the
//! extension exports every function of `server/napi/napi-exports.txt`, as `napi-hostd` does (D3).
//! With the `bundled-hostd` feature (on in pyproject.toml) it also carries `napi-hostd` itself.

include!("../server/napi/exports_list.rs");

#[path = "buildscript/bundle_hostd.rs"]
mod bundle_hostd;

fn main() {
    let list = std::fs::read_to_string("../server/napi/napi-exports.txt").expect("server/napi/napi-exports.txt");
    println!("cargo:rerun-if-changed=../server/napi/napi-exports.txt");
    println!("cargo:rerun-if-changed=../server/napi/exports_list.rs");
    // rustc exports the `#[no_mangle]` functions of the crates a cdylib links (its version
    // script); this makes sure each is linked in.
    keep_all(&exported_functions(&list), "cdylib");
    if std::env::var_os("CARGO_FEATURE_BUNDLED_HOSTD").is_some() {
        bundle_hostd::bundle();
    }
}
