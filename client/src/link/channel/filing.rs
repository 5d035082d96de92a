//! The reader's filing: each message read goes to the mailbox of the chain it is for (its
//! thread rung if it sleeps), news are taken in, strays answered, and a host that sent what the
//! protocol does not allow is ended.

use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use napi_protocol::{ChainId, ClientMessage, ServerMessage};

use super::{Channel, Dead, State};
use crate::link::inbound::{self, Filed, Incoming, Violation};
use crate::link::shared_memory::Stream;

impl Channel {
    /// Takes in news of the host's (segments, returned blocks, dropped Python objects) that
    /// came on `stream`: the main stream's only from the reader, which holds the reading claim
    /// (`file`), the event stream's from the event dispatcher.
    pub(super) fn take_news(&self, news: ServerMessage, stream: Stream) -> Result<(), Violation> {
        match news {
            ServerMessage::Segment { id, size } => {
                let fd = match stream {
                    Stream::Events => self.end.take_event_fd(),
                    Stream::Main => {
                        debug_assert!(
                            self.reading.load(Ordering::Relaxed),
                            "main news taken in by a thread that has not claimed the reading"
                        );
                        // SAFETY: the main stream's news come from the reader (see above).
                        unsafe { self.end.take_main_fd() }
                    }
                }
                .ok_or_else(|| Violation(format!("segment {id} announced without its descriptor")))?;
                self.shm.host_segment(id, size, fd, stream)
            }
            ServerMessage::SegmentRetired { id } => self.shm.host_retired(id),
            ServerMessage::Returned { blocks } => self.shm.returned(blocks),
            ServerMessage::DropPython { objects } => {
                inbound::check_drops(&objects, self.exported.load(Ordering::Relaxed), self.drops.len() + objects.len())?;
                self.drops.extend(objects);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// As the reader: reads one message and files it (see `file`). The lock is let go while
    /// reading.
    pub(super) fn read_and_file<'a>(
        &'a self,
        st: MutexGuard<'a, State>,
        chain: ChainId,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, State>, Option<Incoming>) {
        drop(st);
        // How the stream failed is found out before the lock is taken again: it may wait a
        // moment for the process to end.
        debug_assert!(self.reading.load(Ordering::Relaxed), "read by a thread that has not claimed the reading");
        // SAFETY: called by the reader (the holder of the reading claim), as `wait`'s reader.
        let read = unsafe { self.end.read(deadline) }.map_err(|e| self.death(e, deadline));
        self.file(self.state.lock().unwrap(), chain, read)
    }

    /// As the reader: files what it read (`None`: nothing came before the deadline), ringing
    /// the thread it is for, or hands it back if it is `chain`'s. The lock is let go while news
    /// are taken in, strays answered and a host ended.
    pub(super) fn file<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        chain: ChainId,
        read: Result<Option<ServerMessage>, Arc<Dead>>,
    ) -> (MutexGuard<'a, State>, Option<Incoming>) {
        let filed = match read {
            Ok(None) => Err(None),
            Ok(Some(m)) => {
                self.count_owed(&m);
                let filed = st.chains.file(m).map_err(Some);
                self.busy.set_in_flight(st.chains.outstanding());
                filed
            }
            Err(d) => {
                self.record_death(&mut st, d);
                return (st, None);
            }
        };
        let outcome = match filed {
            Ok(Filed::For(c, incoming)) if c == chain => return (st, Some(incoming)),
            Ok(Filed::For(c, incoming)) => match st.chains.deliver(c, incoming) {
                Ok(()) => {
                    self.filed.fetch_add(1, Ordering::SeqCst);
                    // Rung after the lock is let go: the thread wakes to find it free.
                    if let Some(bell) = st.sleepers.ring(c) {
                        drop(st);
                        bell.notify_one();
                        st = self.state.lock().unwrap();
                    }
                    Ok(())
                }
                Err(v) => Err(v),
            },
            Ok(Filed::Dropped) => Ok(()),
            Ok(Filed::StrayTrace) => {
                drop(st);
                let _ = self.send(ClientMessage::Traced(napi_protocol::TraceAnswer::Live), &mut self.call_deadline());
                st = self.state.lock().unwrap();
                Ok(())
            }
            Ok(Filed::Stray(call)) => {
                drop(st);
                self.refuse_stray(call);
                st = self.state.lock().unwrap();
                Ok(())
            }
            Ok(Filed::News(news)) => {
                drop(st);
                let taken = self.take_news(news, Stream::Main);
                st = self.state.lock().unwrap();
                taken
            }
            // Nothing came before the deadline.
            Err(None) => {
                drop(st);
                self.expire();
                st = self.state.lock().unwrap();
                Ok(())
            }
            Err(Some(v)) => Err(v),
        };
        if let Err(v) = outcome {
            drop(st);
            self.violation(v);
            st = self.state.lock().unwrap();
        }
        (st, None)
    }

    /// Counts what the host will wait for the answer of (see `Busy`).
    pub(super) fn count_owed(&self, msg: &ServerMessage) {
        if matches!(msg, ServerMessage::CallPython { .. } | ServerMessage::Trace { .. }) {
            self.busy.owe();
        }
    }
}
