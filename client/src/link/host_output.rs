//! The host's stdout and stderr: drained as fast as the host writes (so it never blocks on a
//! full pipe), the tail of stderr kept for crash reports, and whole lines queued for Python's
//! `logging` up to a cap; past the cap lines are counted and dropped, not buffered.
//!
//! One thread reads the pipes of every host of the process, and the hosts with lines
//! waiting are named to one Python thread that forwards them all (`hosts_with_output`): the
//! threads a process has do not grow with its hosts.

use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, Once};
use std::time::Duration;

use crate::exit_gate;
use crate::link::forks::PerProcess;

/// How much of the host's stderr is kept for crash reports.
const STDERR_TAIL: usize = 16 << 10;
/// Lines waiting for Python at most; a host that writes faster loses lines, never blocks.
const QUEUE_LINES: usize = 4096;
/// A longer line is cut (a binary blob on stdout would otherwise be one huge "line").
const LINE_BYTES: usize = 4096;

/// Which stream a line came from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

#[derive(Default)]
struct State {
    tail: VecDeque<u8>,
    lines: VecDeque<(Stream, String)>,
    dropped: u64,
    /// Streams still open (starts at 2).
    open: u8,
}

/// Both streams of one host.
pub struct Output {
    /// What `hosts_with_output` names this output by.
    pub id: u64,
    state: Mutex<State>,
    changed: Condvar,
    /// Where this output says it has lines (`None`: it never has any).
    ready: Option<Arc<Ready>>,
}

impl Output {
    pub fn new() -> std::io::Result<Arc<Output>> {
        let ready = Some(Ready::of_process()?);
        Ok(Arc::new(Output { id: next_id(), state: Mutex::new(State { open: 2, ..State::default() }), changed: Condvar::new(), ready }))
    }

    /// The output of a host with no streams of its own (a host thread writes to ours).
    pub fn none() -> Arc<Output> {
        Arc::new(Output { id: next_id(), state: Mutex::new(State::default()), changed: Condvar::new(), ready: None })
    }

    /// Drains `pipe` (on the process's output reader) until the host closes it.
    pub fn drain(self: &Arc<Self>, stream: Stream, pipe: File) -> std::io::Result<()> {
        READER.get(Reader::start)?.add(Pipe { output: self.clone(), stream, file: pipe, partial: Vec::new() })
    }

    /// Names this output to `hosts_with_output` (again): its lines may have come before the
    /// one forwarding them was ready.
    pub fn announce(&self) {
        if let Some(ready) = &self.ready {
            ready.mark(self.id);
        }
    }

    fn push(&self, stream: Stream, bytes: &[u8], partial: &mut Vec<u8>) {
        let mut s = self.state.lock().unwrap();
        if stream == Stream::Stderr {
            s.tail.extend(bytes);
            let excess = s.tail.len().saturating_sub(STDERR_TAIL);
            s.tail.drain(..excess);
        }
        let mut rest = bytes;
        let mut queued = false;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            let (line, after) = rest.split_at(nl);
            rest = &after[1..];
            if s.lines.len() >= QUEUE_LINES {
                s.dropped += 1;
                partial.clear();
                continue;
            }
            keep(partial, line);
            // A Windows host's C runtime ends its lines with "\r\n" (text mode): the line is
            // what comes before either ending.
            if partial.last() == Some(&b'\r') {
                partial.pop();
            }
            s.lines.push_back((stream, String::from_utf8_lossy(partial).into_owned()));
            partial.clear();
            queued = true;
        }
        keep(partial, rest);
        if queued {
            self.changed.notify_all();
            drop(s);
            self.announce();
        }
    }

    fn end(&self, stream: Stream, partial: Vec<u8>) {
        let mut s = self.state.lock().unwrap();
        if !partial.is_empty() && s.lines.len() < QUEUE_LINES {
            s.lines.push_back((stream, String::from_utf8_lossy(&partial).into_owned()));
        }
        s.open -= 1;
        self.changed.notify_all();
        drop(s);
        self.announce();
    }

    /// The stderr tail as text, after waiting up to `wait` for both streams to end (so a crash
    /// report includes what the host wrote as it died).
    pub fn stderr_tail(&self, wait: Duration) -> String {
        let s = self.state.lock().unwrap();
        let (s, _) = self.changed.wait_timeout_while(s, wait, |s| s.open > 0).unwrap();
        String::from_utf8_lossy(&s.tail.iter().copied().collect::<Vec<u8>>()).into_owned()
    }

    /// The lines queued so far (waiting up to `wait` for one), with a note for dropped ones;
    /// `None` once both streams have ended and everything was taken.
    pub fn take_lines(&self, wait: Duration) -> Option<Vec<(&'static str, String)>> {
        let s = self.state.lock().unwrap();
        let (mut s, _) = self.changed.wait_timeout_while(s, wait, |s| s.lines.is_empty() && s.dropped == 0 && s.open > 0).unwrap();
        if s.lines.is_empty() && s.dropped == 0 && s.open == 0 {
            return None;
        }
        let mut lines: Vec<_> = s.lines.drain(..).map(|(st, l)| (st.name(), l)).collect();
        if s.dropped > 0 {
            lines.push(("dropped", format!("[napi-hostd wrote faster than it could be logged: {} lines dropped]", s.dropped)));
            s.dropped = 0;
        }
        Some(lines)
    }
}

/// Appends to a line being assembled, up to the line cap.
fn keep(partial: &mut Vec<u8>, bytes: &[u8]) {
    let room = LINE_BYTES.saturating_sub(partial.len());
    partial.extend_from_slice(&bytes[..bytes.len().min(room)]);
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// The outputs with lines (or an end) not yet taken, by id.
#[derive(Default)]
struct Ready {
    ids: Mutex<BTreeSet<u64>>,
    marked: Condvar,
}

static READY: PerProcess<Arc<Ready>> = PerProcess::new();

impl Ready {
    /// This process's set (a forked child makes its own).
    fn of_process() -> std::io::Result<Arc<Ready>> {
        static WAKER: Once = Once::new();
        WAKER.call_once(|| exit_gate::wake_at_close(Ready::wake_at_exit));
        READY.get(|| Ok(Arc::default()))
    }

    /// Wakes the threads waiting for lines: the program is exiting (they look at the gate).
    fn wake_at_exit() {
        if let Ok(ready) = Ready::of_process() {
            let _ids = ready.ids.lock().unwrap();
            ready.marked.notify_all();
        }
    }

    fn mark(&self, id: u64) {
        self.ids.lock().unwrap().insert(id);
        self.marked.notify_all();
    }
}

/// The ids of the outputs of this process's hosts that have lines (or ended) since the last
/// call, waiting up to `wait` for one; none at once when the program is exiting (its exit waits
/// for this thread, inside the exit gate, to leave).
pub fn ready_outputs(wait: Duration) -> std::io::Result<Vec<u64>> {
    let ready = Ready::of_process()?;
    let ids = ready.ids.lock().unwrap();
    let (mut ids, _) = ready.marked.wait_timeout_while(ids, wait, |ids| ids.is_empty() && !exit_gate::is_closed()).unwrap();
    Ok(std::mem::take(&mut *ids).into_iter().collect())
}

/// One pipe being read.
struct Pipe {
    output: Arc<Output>,
    stream: Stream,
    file: File,
    /// The line being assembled.
    partial: Vec<u8>,
}

mod reader;
use reader::Reader;

static READER: PerProcess<Arc<Reader>> = PerProcess::new();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_ends_at_a_newline_or_a_carriage_return_and_newline() {
        let output = Output::none();
        let mut partial = Vec::new();
        output.push(Stream::Stdout, b"unix\nwindows\r", &mut partial);
        output.push(Stream::Stdout, b"\nkept\rinside\r\n", &mut partial);
        let lines = output.take_lines(Duration::ZERO).unwrap();
        let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(texts, ["unix", "windows", "kept\rinside"]);
    }
}
