//! A turn of the JS thread, and what serving it needs of whoever asked for it: the client at the
//! other end of the rings (its Python calls go by message), the events no request caused, or a
//! direct caller on this thread (in-process), whose Python calls, answers and waits go through
//! it ([`Caller`]). A turn carries its direct caller, so that what serves it (the serving loop,
//! dispatch, Python calls, cycles) calls through the turn and names nothing of how the caller got
//! here (`inprocess`, which only hands a direct call to [`Host::serve_direct`]).
//!
//! - `caller`: what a direct call is made of ([`Direct`], [`Call`], [`Arg`]), what its caller
//!   provides ([`Caller`]) and where its answer goes ([`Served`]).
//! - `direct`: a direct call served on this thread.
//! - `inline_python`: a Python call made inline, by a direct caller or by an event turn on the
//!   in-process host thread ([`EventCaller`], `event_caller`).

mod caller;
mod direct;
mod event_caller;
mod inline_python;

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;

use napi_protocol::{ChainId, RequestId, ServerMessage};

pub(crate) use caller::set_outcome;
pub use caller::{Arg, ArgsStopped, Call, Caller, Direct, Served};
pub use event_caller::{EventCaller, Settlement};
pub use inline_python::{PythonArgs, PythonCallFailed, Refused};

use crate::Host;

/// A turn of the JS thread: a request of a chain, or what no request caused.
#[derive(Clone, Copy)]
pub(crate) struct Turn {
    pub chain: ChainId,
    pub kind: TurnKind,
    /// The direct call this turn runs within, on this thread: its own for a `Direct` turn, and
    /// for the turns begun while one is served (its reply's linger, its promise jobs, a request
    /// of its chain by message), the innermost one's.
    direct: Option<DirectRef>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TurnKind {
    /// A request read from the client: its Python calls are sent, and answered, on the rings.
    Request,
    /// Events (completions, threadsafe functions, promise jobs): Python calls go on the event
    /// ring, to the client's dispatcher, or run on the in-process host thread (as node runs them
    /// on its loop's thread, with no hand-off).
    Event,
    /// A request its caller serves on its own thread (in-process): Python calls are made
    /// there, through the turn's [`DirectCall`].
    Direct,
}

/// A direct call being served: its caller, and what is kept for it to take with its answer.
pub(crate) struct DirectCall<'a> {
    /// The request id it stands for (its promise's settlement is kept under it).
    pub request: RequestId,
    pub caller: &'a dyn Caller,
    /// The messages its answer carries ahead of it (a settlement of the promise it answers):
    /// the caller's `Served::before`, written where it lies.
    kept: RefCell<&'a mut Vec<ServerMessage>>,
}

impl DirectCall<'_> {
    /// Keeps `msg` for the caller, which takes it with the answer instead of reading it.
    pub(crate) fn keep(&self, msg: ServerMessage) {
        self.kept.borrow_mut().push(msg);
    }
}

/// A turn's direct call, its lifetime erased: it lives on the stack of `serve_direct`, and every
/// turn that names it ends before that returns (`in_turn` ends its turn however its run ends).
/// Never null, so that an `Option` of it is one word (and a `Turn` three): each direct call
/// sets, keeps and puts back both.
#[derive(Clone, Copy)]
struct DirectRef(NonNull<DirectCall<'static>>);

impl Turn {
    /// The direct call this turn runs within (see `Turn::direct`), whose caller is on this thread.
    #[inline]
    pub(crate) fn caller(&self) -> Option<&DirectCall<'_>> {
        // SAFETY: a turn is copied out of `Turns` only by what runs inside it, while its direct
        // call is served (see `DirectRef`). The lifetime given is the copy's, no longer than
        // the call's; the one field that names it, `kept`, is only pushed to (`keep`), never
        // pointed elsewhere, so a shorter one cannot leave it dangling.
        self.direct.map(|d| unsafe { d.0.cast::<DirectCall<'_>>().as_ref() })
    }
}

/// The turn a new one hid is the innermost again, however the new one's run ends.
struct EndTurn<'a>(&'a Cell<Option<Turn>>, Option<Turn>);

impl Drop for EndTurn<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.set(self.1);
    }
}

/// The direct call a `serve_direct` nested in (or none) is the one in progress again, however
/// that `serve_direct` ends.
struct EndDirectCall<'a>(&'a Cell<Option<DirectRef>>, Option<DirectRef>);

impl Drop for EndDirectCall<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.set(self.1);
    }
}

/// The turn being served (the innermost; each outer one is kept by the `in_turn` of the turn
/// inside it, on its stack, until that one ends: turns end in the order opposite to their
/// beginning, so no list of them is needed), and the direct call in progress on this thread
/// (the innermost), which the turns begun meanwhile run within.
#[derive(Default)]
pub(crate) struct Turns {
    innermost: Cell<Option<Turn>>,
    direct: Cell<Option<DirectRef>>,
}

impl Host {
    /// Runs `f` as a turn of `chain`.
    #[inline]
    pub(crate) fn in_turn<R>(&self, chain: ChainId, kind: TurnKind, f: impl FnOnce() -> R) -> R {
        let turns = &self.turns;
        let outer = turns.innermost.replace(Some(Turn { chain, kind, direct: turns.direct.get() }));
        let _end = EndTurn(&turns.innermost, outer);
        f()
    }

    /// The turn being served (the innermost), if any.
    #[inline]
    pub(crate) fn turn(&self) -> Option<Turn> {
        self.turns.innermost.get()
    }

    /// Runs `f` with the caller of the direct turn being served (its arguments, answer and
    /// Python calls are that caller's to make).
    #[inline]
    pub(crate) fn with_turn_caller<R>(&self, f: impl FnOnce(&dyn Caller) -> R) -> R {
        let turn = self.turn().expect("a turn is being served");
        f(turn.caller().expect("a direct turn has its caller").caller)
    }

    /// Whether no turn is being served (the top level, between requests).
    #[inline]
    pub(crate) fn at_top(&self) -> bool {
        self.turns.innermost.get().is_none()
    }
}
