//! The client's end of the socket, shared by every Python thread using one host.
//!
//! There is no reader thread: a thread waiting for its answer reads the socket itself when no
//! other thread is reading (leader/follower), and files messages for other chains in their
//! mailboxes. A single-threaded caller therefore writes a request and reads its reply with no
//! hand-off between threads, as cheap as a raw socket round trip.

use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, BufWriter, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use napi_protocol::frame::{read_message, write_message, FrameError};
use napi_protocol::{CallId, ChainId, ClientMessage, Outcome, PyException, PyRef, RequestId, ServerMessage, Value, DEFAULT_MAX_FRAME, PROTOCOL_VERSION};

use crate::process::{describe, HostProcess};

/// A message for a waiting chain.
pub enum Incoming {
    Reply { id: RequestId, outcome: Outcome },
    Call { call: CallId, func: PyRef, this: Value, args: Vec<Value> },
}

/// Why the host can no longer answer.
#[derive(Clone, Debug)]
pub struct Dead {
    /// False when the client closed it on purpose.
    pub crashed: bool,
    pub message: String,
    pub signal: Option<String>,
    pub exit_code: Option<i32>,
    pub stderr: String,
}

#[derive(Default)]
struct State {
    mailboxes: HashMap<ChainId, VecDeque<Incoming>>,
    reading: bool,
    dead: Option<Arc<Dead>>,
    /// Threads blocked on `wake`: with none, waking costs no system call.
    sleepers: usize,
}

pub struct Channel {
    writer: Mutex<BufWriter<UnixStream>>,
    reader: Mutex<BufReader<UnixStream>>,
    state: Mutex<State>,
    wake: Condvar,
    pub process: HostProcess,
    next_id: AtomicU64,
    /// Host objects whose last proxy died; sent with the next request.
    releases: Mutex<Vec<napi_protocol::ObjectId>>,
    /// Drop notices from the host (Python objects it let go, with its receive counts), handled
    /// by the next thread that holds the GIL after a request.
    drops: Mutex<Vec<(PyRef, u64)>>,
    /// Python objects the client forgot; acknowledged with the next request.
    forgotten: Mutex<Vec<PyRef>>,
}

impl Channel {
    /// Wraps a freshly spawned host and checks its greeting.
    pub fn open(process: HostProcess, stream: UnixStream) -> Result<Arc<Channel>, Dead> {
        let reader = stream.try_clone().map_err(|e| Dead::io(&process, e.to_string()))?;
        let channel = Arc::new(Channel {
            writer: Mutex::new(BufWriter::new(stream)),
            reader: Mutex::new(BufReader::with_capacity(64 << 10, reader)),
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            process,
            next_id: AtomicU64::new(1),
            releases: Mutex::new(Vec::new()),
            drops: Mutex::new(Vec::new()),
            forgotten: Mutex::new(Vec::new()),
        });
        let hello = read_message::<ServerMessage>(&mut *channel.reader.lock().unwrap(), DEFAULT_MAX_FRAME);
        match hello {
            Ok(ServerMessage::Hello { version, .. }) if version == PROTOCOL_VERSION => Ok(channel),
            Ok(ServerMessage::Hello { version, .. }) => {
                let d = channel.die(format!("napi-hostd speaks protocol version {version}, this client speaks {PROTOCOL_VERSION}: reinstall napi_python so both match"));
                Err((*d).clone())
            }
            Ok(_) => Err((*channel.die("napi-hostd did not greet the client".into())).clone()),
            Err(e) => Err((*channel.death(e)).clone()),
        }
    }

    pub fn next_id(&self) -> RequestId {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn queue_release(&self, id: napi_protocol::ObjectId) {
        self.releases.lock().unwrap().push(id);
    }

    pub fn take_releases(&self) -> Vec<napi_protocol::ObjectId> {
        std::mem::take(&mut *self.releases.lock().unwrap())
    }

    pub fn take_drops(&self) -> Vec<(PyRef, u64)> {
        std::mem::take(&mut *self.drops.lock().unwrap())
    }

    pub fn forget(&self, ids: Vec<PyRef>) {
        self.forgotten.lock().unwrap().extend(ids);
    }

    pub fn take_forgotten(&self) -> Vec<PyRef> {
        std::mem::take(&mut *self.forgotten.lock().unwrap())
    }

    pub fn dead(&self) -> Option<Arc<Dead>> {
        self.state.lock().unwrap().dead.clone()
    }

    pub fn open_chain(&self, chain: ChainId) {
        self.state.lock().unwrap().mailboxes.entry(chain).or_default();
    }

    pub fn close_chain(&self, chain: ChainId) {
        self.state.lock().unwrap().mailboxes.remove(&chain);
    }

    pub fn send(&self, msg: &ClientMessage) -> Result<(), Arc<Dead>> {
        if let Some(d) = self.dead() {
            return Err(d);
        }
        let mut w = self.writer.lock().unwrap();
        let sent = write_message(&mut *w, msg).and_then(|_| w.flush().map_err(FrameError::Io));
        drop(w);
        match sent {
            Ok(()) => Ok(()),
            // A broken pipe means the host died: the reader will find out how.
            Err(FrameError::Io(_)) => Ok(()),
            Err(e) => Err(self.die(format!("cannot encode a request: {e}"))),
        }
    }

    /// The next message for `chain`, reading the socket when no other thread is.
    pub fn wait(&self, chain: ChainId) -> Result<Incoming, Arc<Dead>> {
        let mut st = self.state.lock().unwrap();
        loop {
            if let Some(m) = st.mailboxes.get_mut(&chain).and_then(VecDeque::pop_front) {
                return Ok(m);
            }
            if let Some(d) = &st.dead {
                return Err(d.clone());
            }
            if st.reading {
                st.sleepers += 1;
                st = self.wake.wait(st).unwrap();
                st.sleepers -= 1;
                continue;
            }
            st.reading = true;
            drop(st);
            let msg = read_message::<ServerMessage>(&mut *self.reader.lock().unwrap(), DEFAULT_MAX_FRAME);
            let routed = match msg {
                Ok(ServerMessage::DropPython { objects }) => {
                    self.drops.lock().unwrap().extend(objects);
                    Ok(None)
                }
                Ok(m) => Ok(route(m)),
                Err(e) => Err(self.death(e)),
            };
            st = self.state.lock().unwrap();
            st.reading = false;
            if st.sleepers > 0 {
                self.wake.notify_all();
            }
            match routed {
                Ok(Some((c, incoming))) if c == chain => return Ok(incoming),
                Ok(Some((c, incoming))) => match st.mailboxes.get_mut(&c) {
                    Some(q) => q.push_back(incoming),
                    None => self.refuse_stray(incoming),
                },
                Ok(None) => {}
                Err(d) => {
                    st.dead.get_or_insert(d);
                }
            }
        }
    }

    /// A call for a chain nobody waits for any more: answer it so the host does not hang.
    fn refuse_stray(&self, incoming: Incoming) {
        if let Incoming::Call { call, .. } = incoming {
            let result = Err(PyException { exception: PyRef(0), type_name: "RuntimeError".into(), message: "no Python thread waits for this call".into() });
            let _ = self.send(&ClientMessage::CallbackResult { call, result });
        }
    }

    /// Records why the host stopped answering, from how the stream ended.
    fn death(&self, e: FrameError) -> Arc<Dead> {
        match e {
            FrameError::Closed | FrameError::Truncated | FrameError::Io(_) => self.crashed("napi-hostd stopped answering"),
            other => {
                let d = self.die(format!("napi-hostd sent an invalid message ({other}); it was stopped"));
                d
            }
        }
    }

    fn crashed(&self, what: &str) -> Arc<Dead> {
        let status = self.process.reap(Duration::from_millis(500));
        let ending = describe(status);
        let stderr = self.process.stderr.text(Duration::from_millis(200));
        let how = match (&ending.signal, ending.exit_code) {
            (Some(sig), _) => format!("was killed by {sig}"),
            (None, Some(code)) => format!("exited with status {code}"),
            (None, None) => "ended".to_string(),
        };
        let mut message = format!("{what}: napi-hostd (pid {}) {how}", self.process.pid);
        if let Some(last) = stderr.lines().rev().find(|l| !l.trim().is_empty()) {
            message.push_str(&format!("; last stderr line: {last}"));
        }
        let dead = Arc::new(Dead { crashed: true, message, signal: ending.signal, exit_code: ending.exit_code, stderr });
        self.mark_dead(dead)
    }

    /// Stops the host for a reason of the client's.
    fn die(&self, message: String) -> Arc<Dead> {
        let status = self.process.reap(Duration::ZERO);
        let ending = describe(status);
        let stderr = self.process.stderr.text(Duration::from_millis(100));
        self.mark_dead(Arc::new(Dead { crashed: true, message, signal: ending.signal, exit_code: ending.exit_code, stderr }))
    }

    fn mark_dead(&self, dead: Arc<Dead>) -> Arc<Dead> {
        let mut st = self.state.lock().unwrap();
        let d = st.dead.get_or_insert(dead).clone();
        self.wake.notify_all();
        d
    }

    /// Ends the host: closing our end lets it run its cleanup hooks and exit; it is killed if it
    /// takes longer than `grace`.
    pub fn close(&self, grace: Duration) {
        if self.dead().is_some() {
            return;
        }
        let _ = self.writer.lock().unwrap().get_ref().shutdown(Shutdown::Write);
        let status = self.process.reap(grace);
        let ending = describe(status);
        let dead = Dead {
            crashed: false,
            message: "the addon was closed".into(),
            signal: ending.signal,
            exit_code: ending.exit_code,
            stderr: self.process.stderr.text(Duration::from_millis(50)),
        };
        self.mark_dead(Arc::new(dead));
    }
}

impl Dead {
    fn io(process: &HostProcess, message: String) -> Dead {
        Dead { crashed: true, message, signal: None, exit_code: None, stderr: process.stderr.text(Duration::ZERO) }
    }
}

/// The chain a server message belongs to, and what to hand its waiter.
fn route(m: ServerMessage) -> Option<(ChainId, Incoming)> {
    match m {
        ServerMessage::Reply { id, chain, outcome } => Some((chain, Incoming::Reply { id, outcome })),
        ServerMessage::CallPython { call, chain, func, this, args } => Some((chain, Incoming::Call { call, func, this, args })),
        _ => None,
    }
}
