//! A function proxy's call taken by the core (`session::direct::call_function`) whose answer
//! panics once the host has served it: what the call spent (its arguments, what the host
//! served) is freed on that way out too (`Spent`), counted by an allocator of this test's own.

// The test addons of Linux and macOS (`common::addon`); Windows's go through `windows_common`.
#![cfg(unix)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;

use napi_client::inprocess::{Arg, ArgsStopped, Caller, CopyInto, PythonArgs, PythonCallFailed, Refused, Settlement, Stop};
use napi_client::link::channel::Dead;
use napi_client::session::buffers::Uploads;
use napi_client::session::direct::{call_function, Args, DirectCaller, Function, FunctionCall, MakesCall, Quick};
use napi_client::session::exchange::{Exchange, Serve};
use napi_client::session::Session;
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{ChainId, Failure, ObjectId, Op, Outcome, PyException, PyRef, RequestId, Thrown, TraceAnswer, Value};

use common::addon;

/// The system allocator, counting the bytes each thread has allocated and not freed, so that
/// the test sees what a call left allocated on its own thread, whatever other threads do.
struct Counting;

thread_local! {
    // Const-initialised and without drop: reaching it allocates nothing.
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn live() -> isize {
    LIVE.with(Cell::get)
}

fn count(bytes: isize) {
    LIVE.with(|l| l.set(l.get() + bytes));
}

// SAFETY: every method hands the call to `System` unchanged; the count is a thread-local `Cell`
// that needs no allocation to reach.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: the caller's layout, as `GlobalAlloc::alloc` asks.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: `ptr` was allocated by `System` with `layout`: every allocation goes there.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: as `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// A call whose arguments own memory (a string, and more than fit inline), whose answer panics
/// once the host has served it, and which no host call reaches by message or calls back. It
/// sends no buffer to write back.
struct PanickingAnswer;

impl MakesCall for PanickingAnswer {
    type Upload = ();
    type Answer = ();
    type Error = String;
    type Call<'u> = Self;

    fn call<'u>(&'u self, _: &'u Uploads<()>) -> Result<Self, String> {
        Ok(PanickingAnswer)
    }
}

/// The panic's payload, thrown without the panic hook (`resume_unwind`), which would print.
struct AnswerPanicked;

impl FunctionCall for PanickingAnswer {
    type Answer = ();
    type ByMessage<'m> = Self;
    type Upload = ();

    fn args<'s>(&'s self, _: ChainId, _: bool, made: &mut Args<'s>) -> Result<(), String> {
        made.extend([1.0, 2.0, 3.0, 4.0].map(Arg::Number));
        made.push(Arg::Value(Value::String("owned by the arguments".repeat(4))));
        Ok(())
    }

    fn settled(&self, _: u64, _: Outcome) -> Result<(), String> {
        unreachable!("adding numbers settles nothing")
    }

    fn dropped(&self) {
        unreachable!("the test lends nothing and exports nothing")
    }

    fn copy_back(&self, _: &(), _: &[u8]) -> Result<(), String> {
        unreachable!("the test sends no buffer")
    }

    fn answer(&self, _: RequestId, _: &mut Outcome) -> Result<(), String> {
        resume_unwind(Box::new(AnswerPanicked))
    }

    fn by_message(&self, _: Function<'_>, _: Args<'_>) -> Result<(Op, Self), String> {
        unreachable!("an in-process host takes calls on the thread that started it")
    }
}

impl DirectCaller for PanickingAnswer {
    type Error = String;
}

/// An addon's `add` calls nothing back.
impl Caller for PanickingAnswer {
    fn call_python(&self, _: PyRef, _: &mut PythonArgs<'_>, _: &mut dyn ValueSink<Error = Failure>) -> Result<(), PythonCallFailed> {
        unreachable!()
    }

    fn trace(&self, _: Vec<(PyRef, u64)>, _: Vec<ObjectId>) -> TraceAnswer {
        unreachable!()
    }

    fn waiting(&self, wait: &mut dyn FnMut()) {
        wait();
    }

    fn later_args(&self, _: &mut dyn ValueSink<Error = Failure>) -> Result<(), ArgsStopped> {
        unreachable!()
    }

    fn take_copy(&self, _: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>> {
        unreachable!()
    }

    fn take_text(&self, _: &str) {
        unreachable!()
    }

    fn settled_early(&self, _: Settlement<'_>) -> bool {
        unreachable!()
    }
}

/// The call is never sent by message (`by_message`).
impl Serve for PanickingAnswer {
    type Error = String;

    fn call(&self, _: ChainId, _: PyRef, _: Value, _: Vec<Value>) -> Result<Value, PyException> {
        unreachable!()
    }

    fn settled(&self, _: u64, _: Outcome) -> Result<(), String> {
        unreachable!()
    }

    fn uncaught(&self, _: Box<Thrown>) -> Result<(), String> {
        unreachable!()
    }
}

impl Exchange for PanickingAnswer {
    type Answer = ();

    fn reply(&self, _: RequestId, _: Outcome) -> Result<(), String> {
        unreachable!()
    }

    fn dead(&self, _: &Arc<Dead>) -> String {
        unreachable!()
    }

    fn exiting(&self) -> String {
        unreachable!()
    }
}

#[test]
fn an_answer_that_panics_frees_what_the_call_spent() {
    let session = Session::in_process().unwrap();
    let bench = session.load(&addon("bench")).unwrap();
    let Some(Value::Js(add)) = bench.property("add") else { panic!("bench exports add") };
    let quick = Quick::default();
    let function = Function { func: add.id, this: None, quick: &quick };
    let panicking_call = || {
        let caught = catch_unwind(AssertUnwindSafe(|| call_function(session.channel(), function, &PanickingAnswer)));
        assert!(caught.err().is_some_and(|payload| payload.is::<AnswerPanicked>()), "the answer panicked");
    };
    // The first calls leave what a thread keeps for the next (an id block, the host's stacks).
    panicking_call();
    panicking_call();
    let before = live();
    for _ in 0..3 {
        panicking_call();
    }
    assert_eq!(live() - before, 0, "bytes the panicking calls left allocated");
}
