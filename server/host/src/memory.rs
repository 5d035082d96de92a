//! The link between a client and a host running on threads of one process (in-process hosts,
//! D35). Messages move through queues as they are, never encoded, and a peer that went to sleep
//! is woken by a condition variable or an eventfd instead of a socket write. Each side looks at
//! its queue for a moment before it sleeps (`spin::SPIN`): the other usually answers within
//! microseconds, and waking a sleeping thread costs more than that.

use std::collections::VecDeque;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use napi_link::spin::{spin_until, SPIN};
use napi_protocol::frame::FrameError;
use napi_protocol::{ClientMessage, Request, ServerMessage};

use super::direct::{self, JsLock};
use super::port::Port;
use super::Host;
use napi_runtime::events::{Doorbell, EventQueue};
use napi_runtime::sync::lock;

/// A value on cache lines of its own: the side that waits reads it again and again, and must
/// not share its line with the queue and lock the other side writes meanwhile (each write would
/// then cost a transfer of the line between the CPUs).
#[repr(align(128))]
struct Alone<T>(T);

impl<T> std::ops::Deref for Alone<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Messages with the descriptors of the segments they announce (a descriptor is queued ahead
/// of its announcement, as on a socket).
struct Queue<M> {
    messages: VecDeque<M>,
    fds: VecDeque<OwnedFd>,
}

impl<M> Default for Queue<M> {
    fn default() -> Self {
        Queue { messages: VecDeque::new(), fds: VecDeque::new() }
    }
}

/// One way from the host to the client: replies and the calls of requests, or events.
pub struct Outbound {
    queue: Mutex<(Queue<ServerMessage>, Waiters)>,
    /// How many messages are queued, for looking without the lock.
    len: Alone<AtomicUsize>,
    ready: Condvar,
}

#[derive(Default)]
struct Waiters {
    sleeping: usize,
    /// The host is gone: once the queue is empty, nothing more comes.
    ended: bool,
}

impl Outbound {
    fn new() -> Outbound {
        Outbound { queue: Mutex::new((Queue::default(), Waiters::default())), len: Alone(AtomicUsize::new(0)), ready: Condvar::new() }
    }

    fn push(&self, msg: ServerMessage, fd: Option<OwnedFd>) {
        let mut q = lock(&self.queue);
        q.0.fds.extend(fd);
        q.0.messages.push_back(msg);
        self.len.fetch_add(1, Ordering::Release);
        if q.1.sleeping > 0 {
            self.ready.notify_all();
        }
    }

    fn end(&self) {
        lock(&self.queue).1.ended = true;
        self.ready.notify_all();
    }

    /// The next message, waiting for it until `deadline` (`Ok(None)` when that passes first);
    /// `Err(Closed)` once the host is gone and everything it sent was taken.
    pub fn pop(&self, deadline: Option<Instant>) -> Result<Option<ServerMessage>, FrameError> {
        spin_until(|| self.len.load(Ordering::Acquire) > 0, SPIN);
        let mut q = lock(&self.queue);
        loop {
            if let Some(m) = q.0.messages.pop_front() {
                self.len.fetch_sub(1, Ordering::Relaxed);
                return Ok(Some(m));
            }
            if q.1.ended {
                return Err(FrameError::Closed);
            }
            q.1.sleeping += 1;
            q = match deadline {
                None => self.ready.wait(q).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        q.1.sleeping -= 1;
                        return Ok(None);
                    }
                    self.ready.wait_timeout(q, left).unwrap_or_else(|p| p.into_inner()).0
                }
            };
            q.1.sleeping -= 1;
        }
    }

    /// Whether a message is queued.
    pub fn ready(&self) -> bool {
        self.len.load(Ordering::Acquire) > 0
    }

    /// The next message if one is queued (never waits).
    pub fn try_pop(&self) -> Option<ServerMessage> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let m = lock(&self.queue).0.messages.pop_front()?;
        self.len.fetch_sub(1, Ordering::Relaxed);
        Some(m)
    }

    /// The descriptor of the segment announced by the message just taken.
    pub fn take_fd(&self) -> Option<OwnedFd> {
        lock(&self.queue).0.fds.pop_front()
    }
}

/// What became of a request offered to `MemoryLink::serve_directly`.
pub enum Direct {
    /// Not served: the caller sends it.
    Refused,
    /// Served; the reply is queued for the client.
    Served,
    /// Served, and this is its reply's outcome (nothing was queued ahead of the reply).
    Answered(napi_protocol::Outcome),
    /// A `PrimitiveCall` served, and its answer, a primitive, was written where the caller
    /// asked: no reply was made.
    Value,
}

/// A call of a function with nothing but primitive arguments, offered to
/// `MemoryLink::call_directly` (D41): the commonest request, made without a `Request`.
pub struct PrimitiveCall<'a> {
    /// The request id it stands for, which is also its chain's.
    pub id: napi_protocol::RequestId,
    pub func: napi_protocol::ObjectId,
    /// The object it is called on; undefined if none.
    pub this: Option<napi_protocol::ObjectId>,
    /// Primitives only (undefined, null, booleans, numbers, strings).
    pub args: &'a [napi_protocol::Value],
    /// What a `Request` carries besides its operation: proxies released, Python objects the
    /// client forgot.
    pub releases: Vec<napi_protocol::ObjectId>,
    pub forgotten: Vec<napi_protocol::PyRef>,
}

/// Both ways between one client and one host.
pub struct MemoryLink {
    to_host: Alone<Mutex<Queue<ClientMessage>>>,
    to_host_len: Alone<AtomicUsize>,
    /// Set while the host sleeps on `host_bell`: only then does the client ring it.
    host_sleeping: AtomicBool,
    /// A direct call left requests of other threads in the host's backlog: the host thread must
    /// look, though no message is queued (cleared when it takes the JS lock back).
    kicked: AtomicBool,
    host_bell: Doorbell,
    client_gone: AtomicBool,
    /// Replies and the Python calls of requests (the main socket's traffic).
    pub replies: Outbound,
    /// What the client's event dispatcher runs (the event socket's traffic).
    pub events: Outbound,
    /// Held by whoever runs JS: the host thread, or a caller making a direct call (D37).
    pub(super) js: JsLock,
    /// The host serving this link while it serves (set and cleared under `js`), for direct calls.
    pub(super) host: AtomicPtr<Host>,
    /// False once the host loaded a library with thread-local storage (`direct`).
    direct: AtomicBool,
    /// The direct calls in progress (under `js`).
    calls: direct::Calls,
}

impl MemoryLink {
    pub fn new() -> std::io::Result<Arc<MemoryLink>> {
        Ok(Arc::new(MemoryLink {
            to_host: Alone(Mutex::new(Queue::default())),
            to_host_len: Alone(AtomicUsize::new(0)),
            host_sleeping: AtomicBool::new(false),
            kicked: AtomicBool::new(false),
            host_bell: Doorbell::new()?,
            client_gone: AtomicBool::new(false),
            replies: Outbound::new(),
            events: Outbound::new(),
            js: JsLock::default(),
            host: AtomicPtr::new(std::ptr::null_mut()),
            direct: AtomicBool::new(true),
            calls: direct::Calls::default(),
        }))
    }

    /// Whether calls may run on their caller's thread (no library with thread-local storage
    /// loaded).
    pub fn takes_direct_calls(&self) -> bool {
        self.direct.load(Ordering::Relaxed)
    }

    /// Calls stay on the host thread from now on: it loads a library that may tell threads apart.
    pub(super) fn stop_direct_calls(&self) {
        self.direct.store(false, Ordering::SeqCst);
    }

    /// Serves `req` on this thread if the host can take it now (D37): whatever the host sends
    /// meanwhile is queued for the client as usual, and so is the reply, unless nothing was
    /// queued ahead of it: it is then answered here. Otherwise (a `Load`, a library with
    /// thread-local storage loaded, the host busy) it is refused, and the caller sends `req`.
    /// A request made inside a direct call (by a Python callback of it) is always served: only
    /// this thread can.
    ///
    /// `pump`: runs, with the GIL, what the host sent this caller's chain (Python calls),
    /// answering whether it ran anything. The caller must not hold the GIL.
    pub fn serve_directly(&self, req: &Request, pump: &(dyn Fn() -> bool + Sync)) -> Direct {
        let nested = self.calls.inside();
        // A library loads on the host thread, where its thread-local state will be used.
        if !nested && matches!(req.op, napi_protocol::Op::Load { .. }) {
            return Direct::Refused;
        }
        self.directly(nested, req.id, pump, None, |host| {
            host.serve_request(req);
            false
        })
    }

    /// Serves `call` on this thread if the host can take it now, as `serve_directly` would the
    /// request it stands for (D41), except that a primitive answer is written to `answer` as it
    /// is (`Direct::Value`), and that the call's chain is not open on the client yet: `open`
    /// opens it before the host first queues a message for the client during the call. Only
    /// for a top-level call (never from inside a direct call to this host), so it may be
    /// refused like any other.
    pub fn call_directly(
        &self,
        call: &PrimitiveCall<'_>,
        pump: &(dyn Fn() -> bool + Sync),
        open: &(dyn Fn() + Sync),
        answer: &mut Option<napi_protocol::Value>,
    ) -> Direct {
        // Not from inside a direct call on this link: this thread holds the JS lock then, so
        // `directly` finds it taken and refuses.
        self.directly(false, call.id, pump, Some(open), |host| host.call_directly(call, answer))
    }

    /// Runs `serve` on the host, on this thread, holding the JS lock (unless `nested` in a
    /// direct call that holds it): `serve` answers whether it wrote a value where its caller
    /// asked (`Direct::Value`). A flag, not the value: handed back through each layer, a value
    /// was copied in pieces and read back whole, a store-forwarding stall each time (D49).
    fn directly(
        &self,
        nested: bool,
        request: napi_protocol::RequestId,
        pump: &(dyn Fn() -> bool + Sync),
        open: Option<&(dyn Fn() + Sync)>,
        serve: impl FnOnce(&Host) -> bool,
    ) -> Direct {
        // Held (and let go on the way out, unwinding too) unless an outer direct call holds it.
        let _held = if nested {
            None
        } else if !self.takes_direct_calls() {
            return Direct::Refused;
        } else {
            match self.js.try_hold() {
                Some(held) => Some(held),
                None => return Direct::Refused,
            }
        };
        let host = self.host.load(Ordering::Acquire);
        if host.is_null() {
            return Direct::Refused;
        }
        // SAFETY: the host is alive while its pointer is set, which changes only under the JS
        // lock, held by this thread; it runs nothing else meanwhile (see `Host::serve`).
        let mut reply = None;
        let (valued, backlog) = self.calls.enter(request, pump, open, &mut reply, || unsafe { &*host }.directly(serve));
        if backlog && !nested {
            // Before letting go of the lock, so the host thread clears it only after.
            self.kick();
        } else if !nested && self.has_message() {
            self.wake_host();
        }
        match (valued, reply) {
            (true, _) => Direct::Value,
            (false, Some(outcome)) => Direct::Answered(outcome),
            (false, None) => Direct::Served,
        }
    }

    /// Tells the host thread that requests wait in its backlog, though no message is queued.
    fn kick(&self) {
        self.kicked.store(true, Ordering::SeqCst);
        self.wake_host();
    }

    /// Rings the host's bell if it sleeps (or is about to), after the caller published work.
    fn wake_host(&self) {
        if self.host_sleeping.swap(false, Ordering::SeqCst) {
            self.host_bell.ring();
        }
    }

    /// Runs a direct caller's `pump` until the host has a message (nothing on the host thread).
    pub(super) fn pump_until_mail(&self) {
        self.calls.pump_until_mail(|| self.has_message());
    }

    /// The host thread, idle: lets direct calls run until the client sends or hangs up (true) or
    /// `events` has tasks (false).
    pub(super) fn idle(&self, events: &EventQueue) -> bool {
        self.js.unlock();
        self.sleep_until_work(events);
        self.js.lock();
        self.kicked.store(false, Ordering::SeqCst);
        self.has_message()
    }

    /// Sleeps until the client sends or hangs up, the host is kicked, or `events` has tasks.
    fn sleep_until_work(&self, events: &EventQueue) {
        // A direct call may take the tasks this thread was woken for (running them itself, as
        // a reply lingers for its promise): then it sleeps again, at once (its look before
        // sleeping would take a CPU the caller and the work need), rather than take the lock
        // and turn the caller's next direct call away for nothing.
        let mut budget = SPIN;
        while !self.host_has_mail() && events.is_empty() {
            self.host_sleep(Some(events), budget);
            budget = Duration::ZERO;
        }
    }

    /// Queues a message for the host (with the descriptor of the segment it announces).
    pub fn send(&self, msg: ClientMessage, fd: Option<OwnedFd>) {
        let mut q = lock(&self.to_host);
        q.fds.extend(fd);
        q.messages.push_back(msg);
        drop(q);
        // SeqCst against the host's store of `host_sleeping` then load of the length: either it
        // sees the message before sleeping, or this sees it asleep and rings.
        self.to_host_len.fetch_add(1, Ordering::SeqCst);
        // Sent from inside a direct call to this host (the answer of a Python callback, say),
        // it is for that call, which reads it itself: waking the host thread would only have it
        // wait for the JS lock, and make the caller's next direct call queue behind it (D42).
        // What the call leaves unread wakes the host thread when it ends (`directly`).
        if !self.calls.inside() {
            self.wake_host();
        }
    }

    /// The next message queued for the host, if any (never waits). Only the JS lock's holder
    /// takes messages.
    fn take_message(&self) -> Option<ClientMessage> {
        if self.to_host_len.load(Ordering::SeqCst) == 0 {
            return None;
        }
        let msg = lock(&self.to_host).messages.pop_front().expect("counted messages are queued");
        self.to_host_len.fetch_sub(1, Ordering::SeqCst);
        Some(msg)
    }

    /// The client is done: the host's next wait for it ends in `Closed`.
    pub fn hang_up(&self) {
        self.client_gone.store(true, Ordering::SeqCst);
        self.host_bell.ring();
    }

    /// A message queued for the host, or the client gone.
    pub(super) fn has_message(&self) -> bool {
        self.to_host_len.load(Ordering::SeqCst) > 0 || self.client_gone.load(Ordering::SeqCst)
    }

    fn host_has_mail(&self) -> bool {
        self.has_message() || self.kicked.load(Ordering::SeqCst)
    }

    /// Sleeps until the client sends or hangs up, the host is kicked, or `events` has tasks,
    /// looking for `spin` first.
    fn host_sleep(&self, events: Option<&EventQueue>, spin: Duration) {
        let ready = || self.host_has_mail() || events.is_some_and(|e| !e.is_empty());
        if spin_until(ready, spin) {
            return;
        }
        // The bell is cleared before the flag goes up, never after: a ring that follows the
        // flag must stay heard. The work it announced may be gone by the look below (a direct
        // call takes queued messages into the backlog, and only then kicks): a clear after the
        // flag would then swallow the ring, and the kick, finding the flag already down, would
        // not ring again.
        self.host_bell.clear();
        self.host_sleeping.store(true, Ordering::SeqCst);
        #[cfg(test)]
        tests::run_after_flag();
        if let Some(events) = events.filter(|e| e.is_empty()) {
            // A direct call may have run the tasks whose post made it readable.
            events.forget_wake();
        }
        if !ready() {
            let mut fds = [
                libc::pollfd { fd: self.host_bell.fd(), events: libc::POLLIN, revents: 0 },
                libc::pollfd { fd: -1, events: libc::POLLIN, revents: 0 },
            ];
            if let Some(events) = events {
                fds[1].fd = events.fd();
            }
            // SAFETY: two pollfd entries (a negative fd is ignored) live for the call. EINTR
            // only returns early; the caller looks again.
            unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        }
        self.host_sleeping.store(false, Ordering::SeqCst);
    }
}

/// The host's end of a `MemoryLink`. Dropping it (the host thread ending, however it ends)
/// tells the client nothing more will come.
pub struct MemoryPort(pub Arc<MemoryLink>);

impl Drop for MemoryPort {
    fn drop(&mut self) {
        self.0.replies.end();
        self.0.events.end();
    }
}

impl Port for MemoryPort {
    fn send(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        // The reply to a direct call goes straight back to its caller when nothing is queued
        // ahead of it (D37).
        let msg = if self.0.replies.ready() {
            msg
        } else {
            match self.0.calls.keep_reply(msg) {
                Ok(()) => return Ok(()),
                Err(msg) => msg,
            }
        };
        self.0.calls.before_queueing();
        self.0.replies.push(msg, None);
        Ok(())
    }

    fn send_later(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        // Queued in order ahead of whatever is sent next, which is all `send_later` promises.
        self.send(msg)
    }

    fn send_event(&mut self, msg: ServerMessage) -> Result<(), FrameError> {
        self.0.events.push(msg, None);
        Ok(())
    }

    fn announce(&mut self, id: u32, size: u64, fd: BorrowedFd<'_>) -> Result<(), FrameError> {
        self.0.replies.push(ServerMessage::Segment { id, size }, Some(fd.try_clone_to_owned()?));
        self.0.events.push(ServerMessage::Segment { id, size }, Some(fd.try_clone_to_owned()?));
        Ok(())
    }

    /// (An in-process `Host` idles through `MemoryLink::idle` instead, which lets go of the JS
    /// lock around this same wait: this port stays borrowed while it waits.)
    fn wait_readable(&mut self, events: &EventQueue) -> bool {
        self.0.sleep_until_work(events);
        self.0.has_message()
    }

    fn recv(&mut self) -> Result<ClientMessage, FrameError> {
        let link = &*self.0;
        loop {
            if let Some(msg) = link.take_message() {
                return Ok(msg);
            }
            if link.client_gone.load(Ordering::SeqCst) {
                return Err(FrameError::Closed);
            }
            link.host_sleep(None, SPIN);
        }
    }

    fn take_fd(&mut self) -> Option<OwnedFd> {
        lock(&self.0.to_host).fds.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use napi_protocol::{Op, Outcome, Request, Value};
    use std::time::Duration;

    thread_local! {
        static AFTER_FLAG: std::cell::RefCell<Option<Box<dyn FnOnce()>>> = const { std::cell::RefCell::new(None) };
    }

    /// Runs `f` once on this thread, right after its next `host_sleep` raises the sleeping
    /// flag: what other threads may do at that moment, made to happen there.
    fn after_flag(f: Box<dyn FnOnce()>) {
        AFTER_FLAG.with(|a| *a.borrow_mut() = Some(f));
    }

    pub(super) fn run_after_flag() {
        if let Some(f) = AFTER_FLAG.with(|a| a.borrow_mut().take()) {
            f();
        }
    }

    fn request(id: u64) -> ClientMessage {
        ClientMessage::Request(Request { id, chain: id, releases: vec![], forgotten: vec![], op: Op::Ping })
    }

    #[test]
    fn messages_cross_in_order_both_ways_between_threads() {
        let link = MemoryLink::new().unwrap();
        let theirs = link.clone();
        let host = std::thread::spawn(move || {
            let mut port = MemoryPort(theirs);
            let mut seen = Vec::new();
            while let Ok(ClientMessage::Request(r)) = port.recv() {
                seen.push(r.id);
                port.send(ServerMessage::Reply { id: r.id, chain: r.chain, outcome: Outcome::Ok(Value::Undefined) }).unwrap();
                port.send_event(ServerMessage::Settled { subscription: r.id, outcome: Outcome::Ok(Value::Null) }).unwrap();
            }
            seen
        });
        for id in 0..1000 {
            link.send(request(id), None);
        }
        for id in 0..1000 {
            match link.replies.pop(None).unwrap() {
                Some(ServerMessage::Reply { id: got, .. }) => assert_eq!(got, id),
                other => panic!("expected reply {id}, got {other:?}"),
            }
            assert!(matches!(link.events.pop(None).unwrap(), Some(ServerMessage::Settled { subscription, .. }) if subscription == id));
        }
        link.hang_up();
        assert_eq!(host.join().unwrap(), (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn the_host_ending_ends_the_clients_waits_once_its_messages_are_taken() {
        let link = MemoryLink::new().unwrap();
        let mut port = MemoryPort(link.clone());
        port.send(ServerMessage::SegmentRetired { id: 7 }).unwrap();
        drop(port);
        assert!(matches!(link.replies.pop(None), Ok(Some(ServerMessage::SegmentRetired { id: 7 }))));
        assert!(matches!(link.replies.pop(None), Err(FrameError::Closed)));
        assert!(link.events.try_pop().is_none());
        assert!(link.events.pop(None).is_err());
    }

    #[test]
    fn a_client_wait_with_a_deadline_answers_none_when_it_passes() {
        let link = MemoryLink::new().unwrap();
        let _port = MemoryPort(link.clone());
        let deadline = Instant::now() + Duration::from_millis(20);
        assert!(matches!(link.replies.pop(Some(deadline)), Ok(None)));
        assert!(Instant::now() >= deadline);
    }

    #[test]
    fn a_hang_up_wakes_a_sleeping_host_and_ends_its_reads_after_the_queued_ones() {
        let link = MemoryLink::new().unwrap();
        let theirs = link.clone();
        let host = std::thread::spawn(move || {
            let mut port = MemoryPort(theirs);
            let mut got = 0;
            loop {
                match port.recv() {
                    Ok(_) => got += 1,
                    Err(FrameError::Closed) => return got,
                    Err(e) => panic!("{e}"),
                }
            }
        });
        link.send(request(1), None);
        std::thread::sleep(Duration::from_millis(50)); // the host sleeps by now
        link.send(request(2), None);
        link.hang_up();
        assert_eq!(host.join().unwrap(), 2);
    }

    #[test]
    fn a_kick_after_the_queued_work_was_taken_away_still_wakes_the_host() {
        // The interleaving that once hung in-process hosts (D39), played in order: as the host
        // raises its sleeping flag, a client queues a request (ringing the bell) and a direct
        // call takes it into the backlog, so the host finds nothing when it looks; the direct
        // call then kicks the sleeping host, finding the flag already down (the ring lowered
        // it). The ring must still be heard: the bell is cleared before the flag goes up.
        let link = MemoryLink::new().unwrap();
        let (idled, done) = std::sync::mpsc::channel();
        let theirs = link.clone();
        std::thread::spawn(move || {
            let events = EventQueue::new().unwrap();
            theirs.js.lock();
            let client = theirs.clone();
            after_flag(Box::new(move || {
                client.send(request(1), None);
                assert!(client.take_message().is_some(), "taken by the direct call");
            }));
            let kicker = theirs.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50)); // the host polls by now
                kicker.kick();
            });
            idled.send(theirs.idle(&events)).unwrap();
        });
        let woken = done.recv_timeout(Duration::from_secs(5));
        link.hang_up(); // frees a host that slept through the kick
        assert_eq!(woken, Ok(false), "the kick was slept through");
    }

    #[test]
    fn descriptors_travel_with_their_announcements() {
        let link = MemoryLink::new().unwrap();
        let mut port = MemoryPort(link.clone());
        let file = std::fs::File::open("/dev/null").unwrap();
        use std::os::fd::AsFd;
        link.send(ClientMessage::Segment { id: 3, size: 4096 }, Some(file.as_fd().try_clone_to_owned().unwrap()));
        assert!(matches!(port.recv(), Ok(ClientMessage::Segment { id: 3, size: 4096 })));
        assert!(port.take_fd().is_some());
        assert!(port.take_fd().is_none());
        port.announce(5, 8192, file.as_fd()).unwrap();
        for (side, events) in [(&link.replies, false), (&link.events, true)] {
            assert!(matches!(side.try_pop(), Some(ServerMessage::Segment { id: 5, size: 8192 })), "events: {events}");
            assert!(side.take_fd().is_some());
        }
    }
}
