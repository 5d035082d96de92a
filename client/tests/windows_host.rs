//! napi-hostd.exe driven from Rust under wine (issue 65): a session starts the Windows host,
//! links to it over named pipes and file mappings, loads the C test addons built by mingw
//! (`scripts/windows addons`) and calls them. The expected values are node's: the same calls'
//! results on Linux (`tests/session.rs`, `tests/host_failures.rs`, and node's own answers to the
//! scripts run here). Run by `scripts/windows test`.

#![cfg(windows)]

use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use napi_client::link::channel::DeathKind;
use napi_client::link::host_process::Spawn;
use napi_client::session::{by_reference, Error, Held, LocalError, LocalObjects, Mode, NoLocalObjects, Session};
use napi_protocol::{BufferKind, PyRef, Value};

fn windows_build() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../build/windows")
}

/// napi-hostd.exe as `scripts/windows build` makes it.
fn hostd() -> String {
    let path = windows_build().join("target/x86_64-pc-windows-gnu/debug/napi-hostd.exe");
    assert!(path.exists(), "{} is not built: run scripts/windows build", path.display());
    path.to_string_lossy().into_owned()
}

/// The C test addon `name`, built by mingw (`scripts/windows addons`).
fn addon(name: &str) -> String {
    let path = windows_build().join("addons").join(format!("{name}.node"));
    assert!(path.exists(), "{} is not built: run scripts/windows addons", path.display());
    path.to_string_lossy().into_owned()
}

fn start_with(local: Arc<dyn LocalObjects>, args: &[&str], timeout: Duration) -> Result<Session, Error> {
    let what = Spawn { program: hostd(), args: args.iter().map(|a| a.to_string()).collect(), env: Vec::new() };
    Session::start(Mode::Isolated { what, timeout: Some(timeout) }, local)
}

fn start(args: &[&str], timeout: Duration) -> Result<Session, Error> {
    start_with(Arc::new(NoLocalObjects), args, timeout)
}

/// A local function that sends the arguments of each call it gets.
struct Recording(Mutex<Sender<Vec<Value>>>);

impl LocalObjects for Recording {
    fn call(&self, _: &Session, _: PyRef, _: Held, args: Vec<Held>) -> Result<Value, LocalError> {
        self.0.lock().unwrap().send(args.into_iter().map(Held::into_value).collect()).unwrap();
        Ok(Value::Undefined)
    }
}

/// A session whose local function records its calls, the function, and its calls.
fn recording() -> (Session, Value, Receiver<Vec<Value>>) {
    let (sender, calls) = channel();
    let session = start_with(Arc::new(Recording(Mutex::new(sender))), &[], Duration::from_secs(60)).expect("napi-hostd.exe starts");
    let f = Value::Py { id: session.new_local(), callable: true };
    (session, f, calls)
}

fn next(calls: &Receiver<Vec<Value>>) -> Vec<Value> {
    calls.recv_timeout(Duration::from_secs(30)).expect("the call comes")
}

fn tagged(tag: &str, values: &[f64]) -> Vec<Value> {
    std::iter::once(Value::String(tag.into())).chain(values.iter().map(|&v| Value::Number(v))).collect()
}

fn session() -> Session {
    start(&[], Duration::from_secs(60)).expect("napi-hostd.exe starts")
}

/// Calls export `name` of the addon `file` with `args`.
fn call(session: &Session, file: &str, name: &str, args: Vec<Value>) -> Result<Value, Error> {
    let addon = session.load(&addon(file)).unwrap();
    session.call(addon.property(name).expect("the addon exports it"), Value::Undefined, args).map(Held::into_value)
}

/// Runs `source` with napi_run_script in the host (the scripts addon).
fn run(session: &Session, source: &str) -> Result<Value, Error> {
    call(session, "scripts", "run", vec![Value::String(source.into())])
}

fn dead(result: Result<Value, Error>) -> Arc<napi_client::link::channel::Dead> {
    match result {
        Err(Error::Dead(dead)) => dead,
        other => panic!("the host answered {other:?}"),
    }
}

#[test]
fn loads_an_addon_and_calls_it() {
    let session = session();
    let addon = session.load(&addon("bench")).unwrap();
    let add = addon.property("add").unwrap();
    assert_eq!(session.call(add, Value::Undefined, vec![Value::Number(1.5), Value::Number(2.0)]).unwrap(), Value::Number(3.5));
    let text = Value::String("héllo, wörld".into());
    assert_eq!(session.call(addon.property("echo").unwrap(), Value::Undefined, vec![text.clone()]).unwrap(), text);
    // node: [3, 2, 1].sort().join() === "1,2,3", and (0.1 + 0.2).toFixed(20)
    assert_eq!(run(&session, "[3, 2, 1].sort().join()").unwrap(), Value::String("1,2,3".into()));
    assert_eq!(run(&session, "(0.1 + 0.2).toFixed(20)").unwrap(), Value::String("0.30000000000000004441".into()));
}

#[test]
fn buffers_share_their_bytes_through_file_mappings() {
    let session = session();
    let (shared, memory) = session.new_buffer(BufferKind::Uint8, 16).unwrap();
    let buffer = by_reference(&shared);
    // SAFETY: `memory` maps the buffer's 16 bytes while it lives; no JS runs meanwhile.
    unsafe { std::ptr::copy_nonoverlapping(b"hello".as_ptr(), memory.ptr, 5) };
    assert_eq!(session.get(&buffer, "0").unwrap(), Value::Number(f64::from(b'h')), "the host reads what was written here");
    session.set(&buffer, "15", Value::Number(7.0)).unwrap();
    // SAFETY: as above.
    assert_eq!(unsafe { memory.ptr.add(15).read_volatile() }, 7, "the host's write is seen here");
}

#[test]
fn async_work_settles_its_promise() {
    let session = session();
    let promise = call(&session, "bench_async", "asyncAdd", vec![Value::Number(40.0), Value::Number(2.0)]).unwrap();
    assert_eq!(session.await_promise(&promise).unwrap(), Value::Number(42.0));
}

#[test]
fn threads_of_the_addon_call_back_in_order() {
    let (session, f, calls) = recording();
    // stream(n, fn): a native thread calls fn(0) .. fn(n - 1) through a threadsafe function.
    call(&session, "bench_async", "stream", vec![Value::Number(20.0), f]).unwrap();
    for n in 0..20 {
        assert_eq!(next(&calls), vec![Value::Number(f64::from(n))]);
    }
}

#[test]
fn libuv_timers_fire_on_the_hosts_loop() {
    let (session, f, calls) = recording();
    // timer(timeout, repeat, times, cb): cb("tick", n, ms) per tick, then cb("closed", n).
    call(&session, "uv", "timer", vec![Value::Number(5.0), Value::Number(5.0), Value::Number(3.0), f]).unwrap();
    for n in 1..=3 {
        let tick = next(&calls);
        assert_eq!(tick[..2], tagged("tick", &[f64::from(n)])[..], "{tick:?}");
    }
    assert_eq!(next(&calls), tagged("closed", &[3.0]));
}

#[test]
fn uv_async_send_from_a_thread_wakes_the_loop() {
    let (session, f, calls) = recording();
    // asyncSends(n, cb): a thread calls uv_async_send n times; cb("send", last seen) per
    // delivery (libuv coalesces sends), cb("closed", deliveries) once the last was seen. The
    // sends are packets on the loop's completion port, which the host's watcher hands back.
    call(&session, "uv", "asyncSends", vec![Value::Number(50.0), f]).unwrap();
    let mut deliveries = 0.0;
    loop {
        let got = next(&calls);
        if got[0] == Value::String("closed".into()) {
            assert_eq!(got, tagged("closed", &[deliveries]));
            break;
        }
        deliveries += 1.0;
        assert_eq!(got[0], Value::String("send".into()), "{got:?}");
    }
    assert!(deliveries >= 1.0);
}

#[test]
fn an_access_violation_is_named_and_a_restart_serves() {
    let session = session();
    let dead = dead(call(&session, "faults", "segfault", vec![]));
    assert_eq!(dead.kind, DeathKind::Crashed);
    assert!(dead.message.contains("access violation (0xC0000005)"), "{}", dead.message);
    assert!(!session.alive());
    let restarted = session.restart().unwrap();
    assert_eq!(call(&restarted, "faults", "add", vec![Value::Number(20.0), Value::Number(22.0)]).unwrap(), Value::Number(42.0));
}

#[test]
fn an_abort_is_named() {
    let session = session();
    let dead = dead(call(&session, "faults", "abort", vec![]));
    assert_eq!(dead.kind, DeathKind::Crashed);
    assert_eq!(dead.signal.as_deref(), Some("abort() (exit code 3)"), "{}", dead.message);
    assert!(!session.alive(), "{}", dead.message);
}

#[test]
fn a_hung_host_is_killed_at_the_timeout_and_a_restart_serves() {
    let session = start(&[], Duration::from_secs(3)).unwrap();
    let host = session.channel().process.pid;
    let started = Instant::now();
    // Catastrophic backtracking: 2^40 ways to split the a's, as long in node.
    let dead = dead(run(&session, "/(a+)+$/.test('a'.repeat(40) + '!')"));
    assert_eq!(dead.kind, DeathKind::Timeout, "{}", dead.message);
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    // Killed through its job, stuck in addon code as it was.
    assert!(ends_within(host, 0), "napi-hostd.exe (pid {host}) still runs after the timeout");
    let restarted = session.restart().unwrap();
    assert_eq!(run(&restarted, "6 * 7").unwrap(), Value::Number(42.0));
}

#[test]
fn a_sandbox_is_refused_with_the_reason() {
    let refused = start(&["--sandbox"], Duration::from_secs(60)).err().expect("no sandbox on Windows");
    let message = refused.to_string();
    assert!(message.contains("no sandbox on Windows"), "{message}");
}

#[test]
fn in_process_hosts_are_refused_with_the_reason() {
    let refused = Session::start(Mode::InProcess, Arc::new(NoLocalObjects)).err().expect("no in-process host on Windows");
    let message = refused.to_string();
    assert!(message.contains("not available on Windows"), "{message}");
}

/// Set in the environment of this test binary when a test starts it again as a client.
const CLIENT_ROLE: &str = "NAPI_WINDOWS_TEST_CLIENT";

#[test]
fn a_host_dies_with_its_client() {
    if std::env::var_os(CLIENT_ROLE).is_some() {
        // The client: a host serving, then this process ends without closing anything.
        let session = session();
        println!("host pid {}", session.channel().process.pid);
        std::process::exit(0);
    }
    let me = std::env::current_exe().unwrap();
    let client = std::process::Command::new(me)
        .args(["--exact", "a_host_dies_with_its_client", "--nocapture", "--test-threads=1"])
        .env(CLIENT_ROLE, "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&client.stdout);
    // The harness prints the test's name first, on the same line.
    let named = out.split("host pid ").nth(1).map(|rest| rest.chars().take_while(char::is_ascii_digit).collect::<String>());
    let pid: u32 =
        named.unwrap_or_else(|| panic!("the client named no host: {out}\n{}", String::from_utf8_lossy(&client.stderr))).parse().unwrap();
    assert!(ends_within(pid, 20_000), "napi-hostd.exe (pid {pid}) outlived its client by 20 s");
}

/// Whether process `pid` has ended, or ends within `ms` milliseconds.
fn ends_within(pid: u32, ms: u32) -> bool {
    use windows_sys::Win32::Foundation::{CloseHandle, WAIT_OBJECT_0};
    use windows_sys::Win32::System::Threading::{OpenProcess, WaitForSingleObject, PROCESS_SYNCHRONIZE};
    // SAFETY: asks only to wait on the process; a null answer means it is gone already.
    let process = unsafe { OpenProcess(PROCESS_SYNCHRONIZE, 0, pid) };
    if process.is_null() {
        return true;
    }
    // SAFETY: a process handle we hold, closed once waited on.
    let ended = unsafe { WaitForSingleObject(process, ms) };
    // SAFETY: as above.
    unsafe { CloseHandle(process) };
    ended == WAIT_OBJECT_0
}
