//! The program's exit does not wait out the output thread's wait for hosts' lines: that thread
//! waits inside the exit gate, and closing the gate wakes it. (Its own process: the gate closes
//! for good.)

#![cfg(target_os = "linux")]

use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use napi_client::exit_gate;
use napi_client::link::host_output::ready_outputs;

/// Whether thread `tid` of this process is asleep (a wait, here the only one it makes).
fn asleep(tid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
    stat.rsplit(") ").next().is_some_and(|rest| rest.starts_with('S'))
}

#[test]
fn closing_the_gate_wakes_a_thread_waiting_for_output() {
    let (sender, tid) = channel();
    let waiter = std::thread::spawn(move || {
        // SAFETY: gettid has no arguments and cannot fail.
        sender.send(unsafe { libc::gettid() }).unwrap();
        exit_gate::inside(|| ready_outputs(Duration::from_secs(120)).unwrap())
    });
    let tid = tid.recv().unwrap();
    let by = Instant::now() + Duration::from_secs(30);
    while !asleep(tid) {
        assert!(Instant::now() < by, "the waiter did not start waiting within 30 s");
        std::thread::yield_now();
    }
    let started = Instant::now();
    exit_gate::close_and_wait(Duration::from_secs(120));
    assert!(started.elapsed() < Duration::from_secs(60), "exit waited {:?} for the output thread", started.elapsed());
    assert_eq!(waiter.join().unwrap(), Some(vec![]), "the waiter was inside the gate, and woke with no output");
}
