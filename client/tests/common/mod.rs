//! What the core's tests share: the test addons and napi-hostd scripts/build makes, and
//! sessions of either mode.

#![allow(dead_code, reason = "each test file uses some of these helpers")]

pub mod link_waits;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use napi_client::link::host_process::Spawn;
use napi_client::session::{LocalObjects, Mode, NoLocalObjects, Session};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The test addon `name`, which scripts/build makes.
pub fn addon(name: &str) -> String {
    let path = root().join("build/addons").join(format!("{name}.node"));
    assert!(path.exists(), "{} is not built: run scripts/build", path.display());
    path.to_string_lossy().into_owned()
}

/// The napi-hostd to start: `$NAPI_HOSTD`, else the one scripts/build puts beside the package.
pub fn hostd() -> String {
    let path = match std::env::var_os("NAPI_HOSTD") {
        Some(path) => PathBuf::from(path),
        None => root().join("client-py/python/napi_python/bin/napi-hostd"),
    };
    assert!(path.exists(), "{} does not exist: run scripts/build, or set NAPI_HOSTD", path.display());
    path.to_string_lossy().into_owned()
}

/// An isolated host whose waits end after `timeout`.
pub fn isolated_mode(timeout: Duration) -> Mode {
    Mode::Isolated { what: Spawn { program: hostd(), args: Vec::new(), env: Vec::new() }, timeout: Some(timeout) }
}

pub fn isolated(local: Arc<dyn LocalObjects>) -> Session {
    Session::start(isolated_mode(Duration::from_secs(60)), local).expect("napi-hostd starts")
}

/// Runs `test` against a session of each mode, with `local` as its local objects.
pub fn both_with(local: Arc<dyn LocalObjects>, test: impl Fn(Session)) {
    test(isolated(local.clone()));
    test(Session::start(Mode::InProcess, local).expect("an in-process host starts"));
}

/// Runs `test` against a session of each mode, with no local objects.
pub fn both(test: impl Fn(Session)) {
    both_with(Arc::new(NoLocalObjects), test);
}
