//! Relayed direct calls: how a Python thread calls an in-process host whose libraries have
//! thread-local storage, whose code must all run on the host thread (see `inprocess`).
//!
//! The call is made as a direct call is (its arguments where the caller put them, its Python
//! objects walked straight into the heap, the Python calls the addon makes run inline on the
//! caller's thread); only its JS part runs on the host thread, on the caller's behalf. The two
//! threads take turns through a one-slot mailbox: the caller posts its call, the host thread
//! serves it and hands each `Caller` method back to the caller's thread to run, and a Python
//! call made there may post a call nested in it, which the host thread serves before waiting on.
//! At any moment one of the two runs and the other waits, looking at the mailbox for a few
//! microseconds before it sleeps, so a call in a loop costs two hand-offs of a cache line
//! instead of two thread wake-ups, and none of the encoding the rings would need.
//!
//! Whose turn it is is one word (`baton`); the message beside it is written only by the side
//! whose turn it is, before it passes the turn on (release), and read by the other after it
//! sees the turn (acquire).

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::thread::Thread;
use std::time::Duration;

use crossbeam_utils::CachePadded;

use napi_link::spin::{spin_until, SPIN};
use napi_protocol::value_tree::ValueSink;
use napi_protocol::{Failure, ObjectId, PyRef, TraceAnswer};
use napi_runtime::sync::lock;
use napi_runtime::Runtime;

use crate::turn::{ArgsStopped, Caller, Direct, PythonArgs, PythonCallFailed, Refused, Served, Settlement};
use crate::wire::{CopyInto, Stop};
use crate::Host;

/// How long a caller that rang the host thread awake looks for its answer before it sleeps: a
/// thread woken from `poll` takes tens of microseconds to run on these VMs (and moves off its
/// caller's CPU, `InProcess::after_rung_for_relay`), and a caller that slept meanwhile would be
/// woken by the host thread onto the host thread's CPU, pairing the two on one CPU again
/// (`napi_link::shared_cpu`). Spent once per burst of calls, on the call that found the host
/// asleep.
const WAKING_HOST: Duration = Duration::from_millis(1);

/// The caller's turn: nothing is posted for the host thread.
const CALLER: u8 = 0;
/// The host thread's turn: a message waits for it.
const HOST: u8 = 1;
/// The host thread stopped serving: nothing posted from now on is served.
const CLOSED: u8 = 2;

/// What one side tells the other as it passes the turn.
pub(crate) enum Message {
    /// To the host thread: serve this call (a caller's, or one nested in a Python call it handed
    /// back).
    Serve(Job),
    /// To the host thread: the Python call it handed back has run.
    Ran,
    /// To the caller: run this on your thread, then answer `Ran`.
    Run(*mut (dyn FnMut() + 'static)),
    /// To the caller: your call was served.
    Finished,
}

/// A call posted to the host thread. Lifetimes erased: its poster waits until it is served.
pub(crate) struct Job {
    op: Direct<'static>,
    caller: *const (dyn Caller + 'static),
    out: *mut Served,
}

/// The mailbox between an in-process host thread and the thread whose calls it runs.
pub(crate) struct Relay {
    /// The turn and its message, on a cache line of their own: the one line that crosses
    /// between the two threads each way.
    post: CachePadded<Post>,
    /// How the caller waiting for its turn sleeps, and is woken.
    caller: Sleeper,
    /// How the host thread waiting for a Python call it handed back sleeps (while it idles it
    /// sleeps in `InProcess::idle` instead, and a call posted rings it there).
    host: Sleeper,
    /// Calls served so far, nested ones included, and steps handed back to their callers (for
    /// tests: each step is two hand-offs).
    counts: CachePadded<Counts>,
}

struct Post {
    baton: AtomicU8,
    message: UnsafeCell<Option<Message>>,
}

// The turn and its message cross as one cache line: a message spilling onto a second line cost
// a relayed Python callback a tenth more (two lines to fetch at each of its four hand-offs).
const _: () = assert!(std::mem::size_of::<Post>() <= 64);

/// Written by the host thread only, on a line the callers' waits do not read (but for `steps`,
/// read by a caller looking for the relay line's turn).
#[derive(Default)]
struct Counts {
    served: AtomicU64,
    handed_back: AtomicU64,
    /// The call served hands steps back to its caller, or the last one did: its caller may
    /// wait for the GIL before it is over (`Relay::calls_step`).
    steps: AtomicBool,
}

/// Adds one to `count`, which only the host thread writes: a load and a store, where a
/// `fetch_add` was a locked instruction on the host thread's way to every relayed call's answer.
#[inline(always)]
fn count_one(count: &AtomicU64) {
    count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

// SAFETY: `message` is touched only by the side whose turn `baton` gives, and each side reads it
// only after seeing the turn passed to it (acquire after the other's release); the pointers in
// a message are used only while their owner waits for the answer.
unsafe impl Sync for Relay {}
// SAFETY: as above; nothing in a message is used on another thread after its turn.
unsafe impl Send for Relay {}

impl Default for Relay {
    fn default() -> Self {
        Relay {
            post: CachePadded::new(Post { baton: AtomicU8::new(CALLER), message: UnsafeCell::new(None) }),
            caller: Sleeper::default(),
            host: Sleeper::default(),
            counts: CachePadded::default(),
        }
    }
}

impl Relay {
    /// Whether a message waits for the host thread (looked at while it idles: SeqCst against
    /// the caller's ring, see `InProcess::idle`).
    #[inline]
    pub(crate) fn posted(&self) -> bool {
        self.post.baton.load(Ordering::SeqCst) == HOST
    }

    /// Caller: serves `op` on the host thread, answering here what the host thread hands back,
    /// until it is served; `posted` runs once it is posted (to wake the host thread if it
    /// idles), and answers whether it rang it awake. False: the host thread stopped serving
    /// before it took the call.
    pub(crate) fn call(&self, op: Direct<'_>, caller: &dyn Caller, out: &mut Served, posted: impl FnOnce() -> bool) -> bool {
        // SAFETY: only lifetimes are erased; this waits below until the call was served (or
        // never taken), and the host thread uses none of them after it answers.
        let job = unsafe {
            Job {
                op: std::mem::transmute::<Direct<'_>, Direct<'static>>(op),
                caller: std::mem::transmute::<&dyn Caller, &'static dyn Caller>(caller),
                out,
            }
        };
        if !self.pass_to_host(Message::Serve(job)) {
            return false;
        }
        let mut budget = if posted() { WAKING_HOST } else { SPIN };
        loop {
            self.caller.wait(|| self.post.baton.load(Ordering::Acquire) != HOST, budget);
            budget = SPIN;
            if self.post.baton.load(Ordering::Acquire) == CLOSED {
                return false;
            }
            match self.take() {
                Message::Run(f) => {
                    // SAFETY: the host thread waits for `Ran` while this runs, so what `f`
                    // borrows on its stack is alive and nobody else touches it.
                    let run = || unsafe { (*f)() };
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).is_err() {
                        // The host thread waits on the stack `f` borrows: nothing can unwind past it.
                        eprintln!("napi_python: a Python call of a relayed call panicked; the in-process host cannot go on");
                        std::process::abort();
                    }
                    self.pass_to_host(Message::Ran);
                }
                Message::Finished => return true,
                Message::Serve(_) | Message::Ran => unreachable!("a message for the host thread on the caller's turn"),
            }
        }
    }

    /// How many calls were served so far, and how many steps the host thread handed back to
    /// their callers.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.counts.served.load(Ordering::Relaxed), self.counts.handed_back.load(Ordering::Relaxed))
    }

    /// Whether the call served hands steps back to its caller, or the last one did (then, most
    /// likely, this one will too): Python code a step runs may let go of the GIL, as CPython
    /// does at its switch interval, and its caller then waits for it before the call is over
    /// (`RelayLine::try_enter_holding_gil`).
    pub(crate) fn calls_step(&self) -> bool {
        self.counts.steps.load(Ordering::Relaxed)
    }

    /// Host thread: the call posted, if any.
    pub(crate) fn take_posted(&self) -> Option<Job> {
        if !self.posted() {
            return None;
        }
        match self.take() {
            Message::Serve(job) => Some(job),
            _ => unreachable!("only a call is posted between calls"),
        }
    }

    /// Host thread: the host stopped serving. A call posted and not taken is answered as
    /// refused (its caller sends it over the rings, which say the host is gone), and so is every
    /// call posted later.
    pub(crate) fn close(&self) {
        self.post.baton.store(CLOSED, Ordering::SeqCst);
        self.caller.wake();
    }

    /// Posts `message` for the host thread and wakes it if it sleeps waiting for a Python call
    /// to run. False: closed.
    fn pass_to_host(&self, message: Message) -> bool {
        if self.post.baton.load(Ordering::Acquire) == CLOSED {
            return false;
        }
        // SAFETY: the caller's turn: the host thread does not touch the message.
        unsafe { *self.post.message.get() = Some(message) };
        if self.post.baton.compare_exchange(CALLER, HOST, Ordering::SeqCst, Ordering::Acquire).is_err() {
            // SAFETY: closed meanwhile, so nobody reads the message any more.
            unsafe { *self.post.message.get() = None };
            return false;
        }
        self.host.wake();
        true
    }

    /// Host thread: passes `message` to the caller, waking it if it sleeps.
    fn pass_to_caller(&self, message: Message) {
        // SAFETY: the host thread's turn: the caller does not touch the message.
        unsafe { *self.post.message.get() = Some(message) };
        self.post.baton.store(CALLER, Ordering::SeqCst);
        self.caller.wake();
    }

    /// The message of the side whose turn it is (that side calls this).
    fn take(&self) -> Message {
        // SAFETY: this side's turn, seen with acquire: the other side wrote it before passing
        // the turn, and touches it no more until the turn comes back.
        unsafe { (*self.post.message.get()).take() }.expect("a turn passed with its message")
    }
}

impl Host {
    /// Host thread: serves the call posted to `relay`, if any, answering whether there was one
    /// (`InProcess::idle`).
    pub(crate) fn serve_relayed(&self, relay: &Relay) -> bool {
        let Some(job) = relay.take_posted() else { return false };
        self.serve_job(relay, job);
        true
    }

    fn serve_job(&self, relay: &Relay, job: Job) {
        let caller = Relayed { relay, host: self, inner: job.caller };
        let counts = &relay.counts;
        let steps_before = counts.handed_back.load(Ordering::Relaxed);
        self.relayed_calls.set(self.relayed_calls.get() + 1);
        // SAFETY: the poster waits until `Finished`, keeping `out` and what `op` borrows alive.
        self.serve_direct(job.op, &caller, unsafe { &mut *job.out });
        self.relayed_calls.set(self.relayed_calls.get() - 1);
        count_one(&counts.served);
        let stepped = counts.handed_back.load(Ordering::Relaxed) != steps_before;
        // Stored on change only: a caller looking for the turn reads the line.
        if self.relayed_calls.get() == 0 && !stepped && counts.steps.load(Ordering::Relaxed) {
            counts.steps.store(false, Ordering::Relaxed);
        }
        relay.pass_to_caller(Message::Finished);
    }
}

/// A relayed call's caller, seen from the host thread: each method runs on the caller's thread.
struct Relayed<'a> {
    relay: &'a Relay,
    host: &'a Host,
    inner: *const (dyn Caller + 'static),
}

impl Relayed<'_> {
    /// Runs `f` with the caller on its thread, in this host's runtime (as a direct call runs its
    /// callbacks), serving the calls nested in it meanwhile.
    fn on_caller<R>(&self, f: impl FnOnce(&dyn Caller) -> R) -> R {
        let rt = &self.host.rt;
        let inner = self.inner;
        let mut f = Some(f);
        let mut result = None;
        let mut run = || {
            let _current = Runtime::enter(rt);
            // SAFETY: the job's poster waits for its answer, keeping its caller alive.
            let caller = unsafe { &*inner };
            result = Some((f.take().expect("run once"))(caller));
        };
        let run: &mut dyn FnMut() = &mut run;
        // SAFETY: only the lifetime is erased: this waits below until the caller ran it.
        let run = unsafe { std::mem::transmute::<*mut dyn FnMut(), *mut (dyn FnMut() + 'static)>(run) };
        let counts = &self.relay.counts;
        count_one(&counts.handed_back);
        if !counts.steps.load(Ordering::Relaxed) {
            counts.steps.store(true, Ordering::Relaxed);
        }
        self.relay.pass_to_caller(Message::Run(run));
        loop {
            self.relay.host.wait(|| self.relay.posted(), SPIN);
            match self.relay.take() {
                Message::Ran => break,
                Message::Serve(job) => self.host.serve_job(self.relay, job),
                Message::Run(_) | Message::Finished => unreachable!("a message for the caller on the host thread's turn"),
            }
        }
        result.expect("the caller ran it")
    }
}

impl Caller for Relayed<'_> {
    fn call_python(
        &self,
        func: PyRef,
        args: &mut PythonArgs<'_>,
        result: &mut dyn ValueSink<Error = Failure>,
    ) -> Result<(), PythonCallFailed> {
        self.on_caller(|c| c.call_python(func, args, result))
    }

    fn trace(&self, unreached: Vec<(PyRef, u64)>, let_go: Vec<ObjectId>) -> TraceAnswer {
        self.on_caller(|c| c.trace(unreached, let_go))
    }

    fn waiting(&self, wait: &mut dyn FnMut()) {
        self.on_caller(|c| c.waiting(wait))
    }

    fn later_args(&self, sink: &mut dyn ValueSink<Error = Failure>) -> Result<(), ArgsStopped> {
        self.on_caller(|c| c.later_args(sink))
    }

    fn take_copy(&self, copy: &mut CopyInto<'_, Refused>) -> Result<(), Stop<Refused>> {
        self.on_caller(|c| c.take_copy(copy))
    }

    fn take_text(&self, text: &str) {
        self.on_caller(|c| c.take_text(text))
    }

    fn settled_early(&self, settlement: Settlement<'_>) -> bool {
        self.on_caller(|c| c.settled_early(settlement))
    }
}

/// A thread that waits for its turn: it looks for a few microseconds, then sleeps until woken.
#[derive(Default)]
struct Sleeper {
    asleep: AtomicBool,
    thread: Mutex<Option<Thread>>,
}

impl Sleeper {
    fn wait(&self, ready: impl Fn() -> bool, budget: Duration) {
        if spin_until(&ready, budget) {
            return;
        }
        *lock(&self.thread) = Some(std::thread::current());
        loop {
            // SeqCst with `wake`: either the waker sees this asleep, or this sees its turn.
            self.asleep.store(true, Ordering::SeqCst);
            if ready() {
                break;
            }
            std::thread::park();
        }
        self.asleep.store(false, Ordering::SeqCst);
    }

    fn wake(&self) {
        if self.asleep.load(Ordering::SeqCst) && self.asleep.swap(false, Ordering::SeqCst) {
            if let Some(thread) = lock(&self.thread).as_ref() {
                thread.unpark();
            }
        }
    }
}
