//! The `bundled-hostd` feature: puts a `napi-hostd` built for the same target and profile as the
//! extension into `python/napi_python/bin/`, where maturin takes it into the wheel as package data
//! (a wheel holds one cargo artifact; D64). `pip install` of the project, of its sdist and
//! `maturin build` all come through here, so each installed package carries its own host.
//!
//! The binary is built by a nested cargo in a target directory of its own (the outer build holds
//! the lock of its own), with the outer build's target, profile, rustflags and linker: under
//! `maturin --zig` the host is linked by zig for the same glibc as the extension. Its jobs come
//! from the outer build's jobserver. `NAPI_HOSTD_PREBUILT=PATH` copies a binary built already
//! instead (`scripts/build`, which builds it beside the extension for the tests anyway).

use std::env;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What the build script passes on to the nested cargo from its own environment: cargo sets
/// these for the build script of *this* package, and they must not reach the build scripts of
/// the nested build (`CARGO_ENCODED_RUSTFLAGS`, `RUSTC`, `CARGO_MAKEFLAGS` and the linker settings
/// do pass: they make the host the same kind of build as the extension).
const NOT_INHERITED_PREFIXES: &[&str] = &["CARGO_FEATURE_", "CARGO_CFG_", "CARGO_PKG_", "CARGO_MANIFEST_", "DEP_"];
const NOT_INHERITED: &[&str] = &[
    "OUT_DIR",
    "TARGET",
    "HOST",
    "NUM_JOBS",
    "OPT_LEVEL",
    "DEBUG",
    "PROFILE",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_CRATE_NAME",
    "CARGO_TARGET_DIR",
    // clippy's driver would lint the host instead of building it.
    "RUSTC_WORKSPACE_WRAPPER",
];

pub fn bundle() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let bin_dir = package_dir(&manifest_dir).join("bin");
    println!("cargo:rerun-if-env-changed=NAPI_HOSTD_PREBUILT");
    let built = match env::var_os("NAPI_HOSTD_PREBUILT") {
        Some(path) => {
            let path = PathBuf::from(path);
            println!("cargo:rerun-if-changed={}", path.display());
            path
        }
        None => build_nested(&manifest_dir),
    };
    install(&built, &bin_dir.join("napi-hostd"));
}

/// The Python package's folder: `python/napi_python` beside Cargo.toml in the repository, and
/// beside the `client-py` folder in the sdist, which maturin lays out with its python-source at
/// the top.
fn package_dir(manifest_dir: &Path) -> PathBuf {
    let candidates = [manifest_dir.join("python/napi_python"), manifest_dir.join("../python/napi_python")];
    let found = candidates.iter().find(|dir| dir.join("__init__.py").is_file());
    found.unwrap_or_else(|| panic!("no python/napi_python/__init__.py beside or above {}", manifest_dir.display())).clone()
}

/// Builds napi-hostd with the outer build's settings; answers where the binary is.
fn build_nested(manifest_dir: &Path) -> PathBuf {
    let workspace = manifest_dir.parent().expect("client-py lies in the workspace");
    // Rebuilt when any crate the host is made of changes (cargo scans directories recursively).
    for input in ["Cargo.toml", "Cargo.lock", "protocol", "link", "server"] {
        println!("cargo:rerun-if-changed={}", workspace.join(input).display());
    }
    let target = env::var("TARGET").expect("TARGET");
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    // OUT_DIR is <target-dir>/[<triple>/]<profile-dir>/build/<package>-<hash>/out.
    let profile_dir = out_dir.ancestors().nth(3).expect("OUT_DIR lies in a profile's directory");
    let profile_dir_name = profile_dir.file_name().and_then(|n| n.to_str()).expect("a profile directory name");
    let profile = if profile_dir_name == "debug" { "dev" } else { profile_dir_name };
    for setting in ["STRIP", "DEBUG", "LTO", "OPT_LEVEL", "CODEGEN_UNITS", "PANIC"] {
        println!("cargo:rerun-if-env-changed=CARGO_PROFILE_{}_{setting}", profile.to_uppercase().replace('-', "_"));
    }
    let nested_target_dir = profile_dir.join("napi-hostd-build");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .args(["--package", "napi-hostd", "--bin", "napi-hostd"])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .args(["--profile", profile, "--target", &target])
        .arg("--target-dir")
        .arg(&nested_target_dir)
        .current_dir(workspace);
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        if NOT_INHERITED.contains(&key) || NOT_INHERITED_PREFIXES.iter().any(|p| key.starts_with(p)) {
            command.env_remove(key);
        }
    }
    let status = command.status().expect("cargo (the nested build of napi-hostd) could not be started");
    assert!(status.success(), "the nested build of napi-hostd failed ({status}); its errors are above");
    nested_target_dir.join(&target).join(profile_dir_name).join("napi-hostd")
}

/// Copies `built` to `dest` through a new file renamed into place: a host still running from the
/// old file keeps it, and an unchanged binary is left alone.
fn install(built: &Path, dest: &Path) {
    let new = fs::read(built).unwrap_or_else(|e| panic!("cannot read the napi-hostd binary {}: {e}", built.display()));
    if fs::read(dest).is_ok_and(|old| old == new) {
        return;
    }
    fs::create_dir_all(dest.parent().expect("bin/")).expect("cannot create python/napi_python/bin");
    let tmp = dest.with_extension("tmp");
    fs::write(&tmp, &new).unwrap_or_else(|e| panic!("cannot write {}: {e}", tmp.display()));
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755)).expect("cannot make napi-hostd executable");
    fs::rename(&tmp, dest).unwrap_or_else(|e| panic!("cannot move napi-hostd to {}: {e}", dest.display()));
}
