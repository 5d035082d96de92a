//! napi-hostd.exe, and in-process hosts, driven from Rust under wine: a session
//! starts a host (the Windows host over named pipes and file mappings, or a thread of this
//! program), loads the test addons built for Windows (`scripts/windows addons`: the C ones by
//! mingw, the napi-rs one by cargo) and calls them. What both kinds of host do runs in each; a
//! crash, a timeout and a client's death are napi-hostd.exe's. The expected values are node's:
//! the same calls' results on Linux (`tests/session.rs`, `tests/host_failures.rs`, and node's
//! own answers to the scripts and the napi-rs addon's calls run there). Run by `scripts/windows test`.

#![cfg(windows)]

mod windows_common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use napi_client::link::channel::DeathKind;
use napi_client::link::inbound::Violation;
use napi_client::session::{by_reference, Error, HostValue, NoLocalObjects, Session};
use napi_protocol::{BufferKind, Value};

use windows_common::link_waits::until_a_thread_reads_the_link;
use windows_common::{addon, both, each_host, isolated_with, local_function, next, recording};

fn tagged(tag: &str, values: &[f64]) -> Vec<Value> {
    std::iter::once(Value::String(tag.into())).chain(values.iter().map(|&v| Value::Number(v))).collect()
}

fn isolated(args: &[&str], timeout: Duration) -> Result<Session, Error> {
    isolated_with(Arc::new(NoLocalObjects), args, timeout)
}

fn session() -> Session {
    isolated(&[], Duration::from_secs(60)).expect("napi-hostd.exe starts")
}

/// Calls export `name` of the addon `file` with `args`.
fn call(session: &Session, file: &str, name: &str, args: Vec<Value>) -> Result<Value, Error> {
    let addon = session.load(&addon(file)).unwrap();
    session.call(addon.property(name).expect("the addon exports it"), Value::Undefined, args).map(HostValue::into_value)
}

/// Runs `source` with napi_run_script in the host (the scripts addon).
fn run(session: &Session, source: &str) -> Result<Value, Error> {
    call(session, "run_script", "run", vec![Value::String(source.into())])
}

fn dead(result: Result<Value, Error>) -> Arc<napi_client::link::channel::Dead> {
    match result {
        Err(Error::Dead(dead)) => dead,
        other => panic!("the host answered {other:?}"),
    }
}

#[test]
fn loads_an_addon_and_calls_it() {
    both(|session| {
        let addon = session.load(&addon("bench")).unwrap();
        let add = addon.property("add").unwrap();
        assert_eq!(session.call(add, Value::Undefined, vec![Value::Number(1.5), Value::Number(2.0)]).unwrap(), Value::Number(3.5));
        let text = Value::String("héllo, wörld".into());
        assert_eq!(session.call(addon.property("echo").unwrap(), Value::Undefined, vec![text.clone()]).unwrap(), text);
        // node: [3, 2, 1].sort().join() === "1,2,3", and (0.1 + 0.2).toFixed(20)
        assert_eq!(run(&session, "[3, 2, 1].sort().join()").unwrap(), Value::String("1,2,3".into()));
        assert_eq!(run(&session, "(0.1 + 0.2).toFixed(20)").unwrap(), Value::String("0.30000000000000004441".into()));
    });
}

#[test]
fn a_legacy_addon_registers_as_its_dll_loads() {
    both(|session| {
        // lifecycle_legacy registers with napi_module_register from a static constructor, which
        // runs inside LoadLibraryExW (as bufferutil's does), so Node-API is looked up then.
        let hello = call(&session, "lifecycle_legacy", "hello", Vec::new()).unwrap();
        assert_eq!(hello, Value::String("registered by napi_module_register".into()));
    });
}

#[test]
fn the_napi_rs_addon_answers_as_node() {
    each_host(|host| {
        let (session, calls) = recording(host);
        // napi-rs looks each Node-API function up with GetProcAddress on the main module.
        let rust = session.load(&addon("rust_addon")).unwrap();
        let export = |name: &str| rust.property(name).unwrap_or_else(|| panic!("no export {name}"));
        let call = |f: &Value, this: Value, args: Vec<Value>| session.call(f, this, args).map(HostValue::into_value);
        let n = Value::Number;
        // node: addI32(2147483647, 1), greet('wine')
        assert_eq!(call(export("addI32"), Value::Undefined, vec![n(2_147_483_647.0), n(1.0)]).unwrap(), n(-2_147_483_648.0));
        assert_eq!(
            call(export("greet"), Value::Undefined, vec![Value::String("wine".into())]).unwrap(),
            Value::String("Hello, wine!".into())
        );
        // node: const c = new Counter(40); c.increment(); c.add(1) === 42
        let counter = session.construct(export("Counter"), vec![n(40.0)]).unwrap();
        let method = |name: &str| session.get(&counter, name).unwrap();
        call(&method("increment"), counter.value().clone(), Vec::new()).unwrap();
        assert_eq!(call(&method("add"), counter.value().clone(), vec![n(1.0)]).unwrap(), n(42.0));
        // node: failPlain('x') throws Error('x')
        match call(export("failPlain"), Value::Undefined, vec![Value::String("x".into())]) {
            Err(Error::Thrown(thrown)) => {
                let error = thrown.error.expect("an Error is thrown");
                assert_eq!((error.name.as_str(), error.message.as_str()), ("Error", "x"));
            }
            other => panic!("failPlain answered {other:?}"),
        }
        // node: await sleepAdd(40, 2, 5) (a tokio delay), await fib(20) (an AsyncTask on libuv's pool)
        let promise = call(export("sleepAdd"), Value::Undefined, vec![n(40.0), n(2.0), n(5.0)]).unwrap();
        assert_eq!(session.await_promise(&promise).unwrap().into_value(), n(42.0));
        let promise = call(export("fib"), Value::Undefined, vec![n(20.0)]).unwrap();
        assert_eq!(session.await_promise(&promise).unwrap().into_value(), n(6765.0));
        // node: callFromThread(cb, 5) calls cb(null, 0) .. cb(null, 4) from a Rust thread
        call(export("callFromThread"), Value::Undefined, vec![local_function(&session), n(5.0)]).unwrap();
        for i in 0..5 {
            assert_eq!(next(&calls), vec![Value::Null, n(f64::from(i))]);
        }
    });
}

#[test]
fn buffers_share_their_bytes_between_client_and_host() {
    both(|session| {
        let (shared, memory) = session.new_buffer(BufferKind::Uint8, 16).unwrap();
        let buffer = by_reference(&shared);
        // SAFETY: `memory` maps the buffer's 16 bytes while it lives; no JS runs meanwhile.
        unsafe { std::ptr::copy_nonoverlapping(b"hello".as_ptr(), memory.ptr, 5) };
        assert_eq!(session.get(&buffer, "0").unwrap(), Value::Number(f64::from(b'h')), "the host reads what was written here");
        session.set(&buffer, "15", Value::Number(7.0)).unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { memory.ptr.add(15).read_volatile() }, 7, "the host's write is seen here");
    });
}

#[test]
fn async_work_settles_its_promise() {
    both(|session| {
        let promise = call(&session, "bench_async", "asyncAdd", vec![Value::Number(40.0), Value::Number(2.0)]).unwrap();
        assert_eq!(session.await_promise(&promise).unwrap(), Value::Number(42.0));
    });
}

#[test]
fn threads_of_the_addon_call_back_in_order() {
    each_host(|host| {
        let (session, calls) = recording(host);
        // stream(n, fn): a native thread calls fn(0) .. fn(n - 1) through a threadsafe function.
        call(&session, "bench_async", "stream", vec![Value::Number(20.0), local_function(&session)]).unwrap();
        for n in 0..20 {
            assert_eq!(next(&calls), vec![Value::Number(f64::from(n))]);
        }
    });
}

#[test]
fn libuv_timers_fire_on_the_hosts_loop() {
    each_host(|host| {
        let (session, calls) = recording(host);
        // timer(timeout, repeat, times, cb): cb("tick", n, ms) per tick, then cb("closed", n).
        let args = vec![Value::Number(5.0), Value::Number(5.0), Value::Number(3.0), local_function(&session)];
        call(&session, "uv", "timer", args).unwrap();
        for n in 1..=3 {
            let tick = next(&calls);
            assert_eq!(tick[..2], tagged("tick", &[f64::from(n)])[..], "{tick:?}");
        }
        assert_eq!(next(&calls), tagged("closed", &[3.0]));
    });
}

#[test]
fn uv_async_send_from_a_thread_wakes_the_loop() {
    each_host(|host| {
        let (session, calls) = recording(host);
        // asyncSends(n, cb): a thread calls uv_async_send n times; cb("send", last seen) per
        // delivery (libuv coalesces sends), cb("closed", deliveries) once the last was seen. The
        // sends are packets on the loop's completion port, which the host's watcher hands back.
        call(&session, "uv", "asyncSends", vec![Value::Number(50.0), local_function(&session)]).unwrap();
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
    });
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
    let session = isolated(&[], Duration::from_secs(3)).unwrap();
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
    let refused = isolated(&["--sandbox"], Duration::from_secs(60)).err().expect("no sandbox on Windows");
    let message = refused.to_string();
    assert!(message.contains("no sandbox on Windows"), "{message}");
}

/// A violation raised on one thread wakes another already reading the link: in-process, where
/// nothing kills the host, by the client cutting its end of the pipe.
#[test]
fn a_violation_wakes_a_thread_reading_the_link() {
    both(|session| {
        let link = session.channel().clone();
        let (sender, ended) = std::sync::mpsc::channel();
        std::thread::spawn(move || sender.send(link.wait_dead()));
        until_a_thread_reads_the_link(&session);
        session.channel().violation(Violation("a test's own".into()));
        let dead = ended.recv_timeout(Duration::from_secs(30)).expect("the reader is woken by the host's end");
        assert!(dead.message.contains("broke the protocol: a test's own"), "{}", dead.message);
    });
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
