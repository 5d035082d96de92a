//! What the Windows tests share: the files `scripts/windows` makes, sessions of
//! either mode, and a local function that records its calls. These test programs export
//! nothing, as `python.exe` does (`scripts/windows test` checks): an in-process host gives the
//! program's main module the Node-API exports it lacks (D94).

#![allow(dead_code, reason = "each test file uses some of these helpers")]

#[path = "../common/link_waits.rs"]
pub mod link_waits;

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi_client::link::host_process::Spawn;
use napi_client::session::{Error, HostValue, LocalError, LocalObjects, Mode, NoLocalObjects, Session};
use napi_protocol::{PyRef, Value};

pub fn windows_build() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../build/windows")
}

/// napi-hostd.exe as `scripts/windows build` makes it.
pub fn hostd() -> String {
    let path = windows_build().join("napi-hostd.exe");
    assert!(path.exists(), "{} is not built: run scripts/windows build", path.display());
    path.to_string_lossy().into_owned()
}

/// The test addon `name`: a C one built by mingw, or `rust_addon`, the napi-rs one (`scripts/windows addons`).
pub fn addon(name: &str) -> String {
    let path = windows_build().join("addons").join(format!("{name}.node"));
    assert!(path.exists(), "{} is not built: run scripts/windows addons", path.display());
    path.to_string_lossy().into_owned()
}

/// A package's file in build/windows/npm/node_modules (`scripts/windows npm`).
pub fn npm_file(path: &str) -> String {
    let file = windows_build().join("npm/node_modules").join(path);
    assert!(file.exists(), "{} is not installed: run scripts/windows npm", file.display());
    file.to_string_lossy().into_owned()
}

/// Where a test's host runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Host {
    /// napi-hostd.exe, a process of its own.
    Isolated,
    /// A thread of this test program (`isolated=False`).
    InProcess,
}

const BOTH: [Host; 2] = [Host::Isolated, Host::InProcess];

/// napi-hostd.exe started with `args`, whose waits end after `timeout`.
pub fn isolated_with(local: Arc<dyn LocalObjects>, args: &[&str], timeout: Duration) -> Result<Session, Error> {
    let what = Spawn { program: hostd(), args: args.iter().map(|a| a.to_string()).collect(), env: Vec::new() };
    Session::start(Mode::Isolated { what, timeout: Some(timeout) }, local)
}

/// A host of kind `host`, with `local` as its local objects.
pub fn start(host: Host, local: Arc<dyn LocalObjects>) -> Session {
    match host {
        Host::Isolated => isolated_with(local, &[], Duration::from_secs(60)).expect("napi-hostd.exe starts"),
        Host::InProcess => Session::start(Mode::InProcess, local).expect("an in-process host starts"),
    }
}

/// Runs `test` for each kind of host, saying which (a failing test's output shows it).
pub fn each_host(test: impl Fn(Host)) {
    for host in BOTH {
        eprintln!("with the {host:?} host");
        test(host);
    }
}

/// Runs `test` against a host of each kind, with `local` as its local objects.
pub fn both_with(local: Arc<dyn LocalObjects>, test: impl Fn(Session)) {
    each_host(|host| test(start(host, local.clone())));
}

/// Runs `test` against a host of each kind, with no local objects.
pub fn both(test: impl Fn(Session)) {
    each_host(|host| test(start(host, Arc::new(NoLocalObjects))));
}

/// A local function that sends the arguments of each call it gets.
struct Recording(Mutex<Sender<Vec<Value>>>);

impl LocalObjects for Recording {
    fn call(&self, _: &Session, _: PyRef, _: HostValue, args: Vec<HostValue>) -> Result<Value, LocalError> {
        self.0.lock().unwrap().send(args.into_iter().map(HostValue::into_value).collect()).unwrap();
        Ok(Value::Undefined)
    }
}

/// A host of kind `host` whose local functions record their calls, and the calls.
pub fn recording(host: Host) -> (Session, Receiver<Vec<Value>>) {
    let (sender, calls) = channel();
    (start(host, Arc::new(Recording(Mutex::new(sender)))), calls)
}

/// A new local function of `session`, callable from the host.
pub fn local_function(session: &Session) -> Value {
    Value::Py { id: session.new_local(), callable: true }
}

/// The arguments of the next recorded call.
pub fn next(calls: &Receiver<Vec<Value>>) -> Vec<Value> {
    calls.recv_timeout(Duration::from_secs(30)).expect("the call comes")
}
