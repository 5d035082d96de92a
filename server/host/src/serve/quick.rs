//! A compact call read from the rings (`napi_protocol::quick`): served as a direct call is,
//! its arguments made into the heap from where they lie, and answered by a compact reply when
//! its answer is a primitive (by the usual reply otherwise).

use std::mem::MaybeUninit;

use napi_protocol::quick::{QuickArg, QuickCall, QuickFrame, QuickReply, QUICK_ARGS};
use napi_protocol::{Outcome, Value};

use crate::turn::{Arg, Call, TurnKind};
use crate::Host;

impl Host {
    /// Serves `call`, read from the rings, and answers it.
    pub(crate) fn serve_quick(&self, call: &QuickCall) {
        let mut slots = [const { MaybeUninit::<Arg<'_>>::uninit() }; QUICK_ARGS];
        let args = args_into(call, &mut slots);
        let c =
            Call { id: call.id, chain: call.chain, func: call.func, this: call.this, args, releases: Vec::new(), forgotten: Vec::new() };
        let mut outcome = Outcome::Ok(Value::Undefined);
        self.answer_call(&c, TurnKind::Request, &mut outcome);
        let quick = match &outcome {
            Outcome::Ok(v) => QuickFrame::reply(call.id, call.chain, v),
            _ => None,
        };
        match quick {
            Some(reply) => {
                // A compact reply's answer is a primitive, which owns nothing: forgotten, where
                // its drop was a call matching over every kind of value.
                std::mem::forget(outcome);
                self.send_quick(&reply);
                if self.at_top() {
                    self.run_microtasks();
                }
            }
            None => self.reply(call.id, call.chain, outcome),
        }
    }

    /// Sends a compact reply on the main stream.
    fn send_quick(&self, reply: &QuickReply) {
        self.share_news();
        if self.conn.borrow_mut().send_quick(reply).is_err() {
            self.client_gone();
        }
    }
}

/// A compact call's arguments as a direct call's, written into `slots`: a compact argument owns
/// nothing (a number, a primitive, text or bytes lent by the call's frame), so the slots are
/// never dropped, and no vector's length and capacity are kept on the way.
#[inline(always)]
fn args_into<'a, 'b>(call: &'a QuickCall, slots: &'b mut [MaybeUninit<Arg<'a>>; QUICK_ARGS]) -> &'b [Arg<'a>] {
    // `QuickCall::arg` checks each index against the count, itself at most QUICK_ARGS.
    let n = call.len().min(QUICK_ARGS);
    for (i, slot) in slots[..n].iter_mut().enumerate() {
        slot.write(arg(call.arg(i)));
    }
    // SAFETY: the first `n` slots were written just above, and `MaybeUninit<Arg>` has the
    // layout of `Arg`; the slice borrows `slots`, which outlives it.
    unsafe { std::slice::from_raw_parts(slots.as_ptr().cast::<Arg<'a>>(), n) }
}

/// A compact call's argument as a direct call's.
#[inline(always)]
fn arg(a: QuickArg<'_>) -> Arg<'_> {
    match a {
        QuickArg::Number(n) => Arg::Number(n),
        QuickArg::Text(t) => Arg::Text(t),
        QuickArg::Bytes(b) => Arg::Bytes(b),
        QuickArg::Undefined => Arg::Value(Value::Undefined),
        QuickArg::Null => Arg::Value(Value::Null),
        QuickArg::Bool(b) => Arg::Value(Value::Bool(b)),
    }
}
