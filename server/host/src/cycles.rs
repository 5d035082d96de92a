//! Collecting the cycles that pass through Python (`Op::CollectCycles`, D77): a JS object that
//! holds a Python callable (through its stand-in) that holds the object's proxy. Neither side
//! alone can see that nothing else holds them: the host counts every proxy as a root, the
//! client's Python counts every object the host was sent as held.
//!
//! A trial deletion spread over both: the host marks from its own roots without the objects
//! held only because Python holds proxies of them, and asks the client about the Python objects
//! whose stand-ins that marking did not reach. The client answers which proxies only those
//! objects reach (its side of the trial, over `tp_traverse`). Marking again without just those
//! proxies may reach some of the stand-ins after all; their Python objects are then asked about
//! no more, which leaves fewer proxies suspect, until nothing changes. The client then lets go
//! of the suspect proxies, and an ordinary collection frees the rest, the Python objects going
//! back to the client as any other stand-in's do.

use napi_protocol::quick::Received;
use napi_protocol::{ClientMessage, ObjectId as WireId, PyRef, ServerMessage, TraceAnswer};
use napi_runtime::ObjectId;
use rustc_hash::FxHashSet;

use crate::turn::TurnKind;
use crate::Host;

/// What a cycle collection did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CyclesCollected {
    /// Proxies the client let go of.
    pub proxies: usize,
    /// Python objects whose stand-ins died.
    pub python: usize,
    /// Objects the collection freed.
    pub freed: usize,
}

impl Host {
    /// Collects the cycles that pass through Python, then everything else nothing references.
    pub(crate) fn collect_cycles(&self) -> CyclesCollected {
        let held = self.held.borrow().ids();
        let stand_ins = self.python.borrow().stand_ins();
        // The first marking leaves out every proxy's object; then only the suspects'.
        let mut suspects: FxHashSet<ObjectId> = held.iter().copied().collect();
        let mut asked: Option<Vec<(PyRef, u64)>> = None;
        let mut let_go = Vec::new();
        loop {
            let roots: Vec<ObjectId> = held.iter().copied().filter(|id| !suspects.contains(id)).collect();
            let ids: Vec<ObjectId> = stand_ins.iter().map(|s| s.0).collect();
            let reached = self.rt.reachable(&roots, &ids);
            let unreached: Vec<(PyRef, u64)> = stand_ins.iter().zip(reached).filter(|(_, r)| !r).map(|(s, _)| (PyRef(s.1), s.2)).collect();
            if unreached.is_empty() {
                break;
            }
            if asked.as_ref() == Some(&unreached) {
                // A fixed point: the client's last answer was about these very objects.
                let proposed: Vec<WireId> = suspects.iter().map(|id| WireId(id.to_bits())).collect();
                if let TraceAnswer::Garbage(gone) = self.ask_trace(unreached, proposed.clone()) {
                    let proposed: FxHashSet<WireId> = proposed.into_iter().collect();
                    let_go = gone.into_iter().filter(|id| proposed.contains(id)).collect();
                }
                break;
            }
            match self.ask_trace(unreached.clone(), Vec::new()) {
                TraceAnswer::Garbage(proxies) if !proxies.is_empty() => {
                    // A proxy's object held more than once is also on its way to the client
                    // again (a reply not yet read): a root, whatever the client says.
                    let held = self.held.borrow();
                    suspects = proxies.into_iter().map(|p| ObjectId::from_bits(p.0)).filter(|id| held.count(*id) == 1).collect();
                }
                _ => break,
            }
            if suspects.is_empty() {
                break;
            }
            asked = Some(unreached);
        }
        {
            let mut held = self.held.borrow_mut();
            for id in &let_go {
                held.release(ObjectId::from_bits(id.0));
            }
        }
        let (freed, python) = self.collect_counting();
        CyclesCollected { proxies: let_go.len(), python, freed }
    }

    /// Asks the client a question of a cycle collection, on the chain being served: inline for
    /// a direct call, by message otherwise. An event turn asks nothing (its Python calls are
    /// another thread's): the cycles wait for a collection asked from a request.
    fn ask_trace(&self, unreached: Vec<(PyRef, u64)>, let_go: Vec<WireId>) -> TraceAnswer {
        let Some(turn) = self.turn() else { return TraceAnswer::Live };
        if self.closed.get() {
            return TraceAnswer::Live;
        }
        match turn.kind {
            TurnKind::Direct => {
                self.share_news();
                self.with_turn_caller(|caller| caller.trace(unreached, let_go))
            }
            TurnKind::Event => TraceAnswer::Live,
            TurnKind::Request => {
                self.send(ServerMessage::Trace { chain: turn.chain, unreached, let_go });
                loop {
                    if self.closed.get() {
                        return TraceAnswer::Live;
                    }
                    match self.recv() {
                        Ok(Received::Message(ClientMessage::Traced(answer))) => return answer,
                        // The client asks nothing while it answers: a request now is another
                        // chain's, which waits as during a Python call.
                        Ok(Received::Message(ClientMessage::Request(req))) => self.backlog.borrow_mut().push_back(req),
                        Ok(Received::Call(call)) => self.backlog.borrow_mut().push_back(call.to_request()),
                        Ok(_) => tracing::warn!("a message nobody waits for during a cycle collection"),
                        Err(_) => self.client_gone(),
                    }
                }
            }
        }
    }
}
