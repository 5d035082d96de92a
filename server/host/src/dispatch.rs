//! Serving one request: convert the arguments in, do the operation with JS semantics, convert
//! the result out. `run` routes each operation to its group (`crate::ops`).

use std::cell::RefCell;

use napi_protocol::value_tree::ValueSink;
use napi_protocol::{self as proto, Failure, FailureKind, Op, Outcome};

use super::wire::{bytes_to_object, from_wire, held_object, HeapBuilder, Looking, Stop, ToWire, TooLarge};
use super::Host;
use crate::turn::{Arg, ArgsStopped, Call, Refused};
use napi_runtime::call::callable_in;
use napi_runtime::handles::HandleStack;
use napi_runtime::object::{Backing, Callable, ObjectClass};
use napi_runtime::property::PropertyKey;
use napi_runtime::{push_made, ObjectId, Value};
use smallvec::SmallVec;

mod outcome;

/// A call's function and receiver as `held_callee` found them.
struct Callee {
    f: Value,
    this: Value,
    /// What calling `f` runs, if it can be called.
    callable: Option<Callable>,
}

impl Callee {
    /// Whether `f` is an addon's function.
    fn native(&self) -> bool {
        matches!(self.callable, Some(Callable::Native { .. }))
    }
}

/// Keeps `v` in the innermost scope of `handles` if it is an object or a symbol (nothing else
/// needs keeping): made again in its slot from its id, where a clone would copy the value whole
/// just after it was written in pieces.
#[inline(always)]
fn keep_held(handles: &mut HandleStack, v: &Value) {
    match *v {
        Value::Object(id) => handles.push_with(|| Value::Object(id)),
        Value::Symbol(id) => handles.push_with(|| Value::Symbol(id)),
        _ => return,
    };
}

/// How a request failed before or instead of running JS.
pub(crate) enum Error {
    Failed(Failure),
    Thrown(Value),
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        Error::Failed(f)
    }
}

impl From<TooLarge> for Error {
    fn from(t: TooLarge) -> Self {
        Error::Failed(t.into())
    }
}

impl From<napi_runtime::Thrown> for Error {
    fn from(t: napi_runtime::Thrown) -> Self {
        Error::Thrown(t.0)
    }
}

pub(crate) fn bad(message: impl Into<String>) -> Error {
    Error::Failed(Failure { kind: FailureKind::BadRequest, message: message.into() })
}

/// What an operation produces, before it is made the request's outcome (its answer): a value
/// to send (by the usual rules, or forced by reference), or an output the operation walks
/// itself (a list of keys and descriptors, a class's members).
pub(crate) enum OpOutput {
    Value(Value),
    Reference(ObjectId),
    Walk(Walk),
}

/// An output an operation walks into the sink it is given: a protocol tree to send, or in a
/// direct request its caller's own objects. One way of building it for both.
pub(crate) type Walk = Box<dyn FnOnce(&mut ToWire<'_>, &mut dyn ValueSink<Error = Refused>) -> Result<(), Stop<Refused>>>;

/// The operands the callers of the direct requests being served walk into the heap
/// (`Value::Walked`), a list per request, innermost last: `None` until one is first needed.
pub(crate) type WalkedOperands = RefCell<Vec<Option<SmallVec<[Value; 4]>>>>;

impl Host {
    /// `direct`: a direct request, whose caller takes a copied answer as its own objects
    /// (`Caller::take_copy`) unless it is relayed (`Host::copies_to_caller`).
    pub(super) fn dispatch(&self, op: &Op, direct: bool) -> Outcome {
        let lent = self.rt.shm().lent_mark();
        // The answer is converted in the request's scope too: what the op made and kept for it
        // stays alive while, in-process, Python code runs between the steps of its walk.
        let outcome = self.scoped(|| match direct {
            true => self.outcome(self.with_walked_operands(|| self.run(op)), self.copies_to_caller()),
            false => self.outcome(self.run(op), false),
        });
        self.end_lends(lent);
        outcome
    }

    /// A call that came without a `Request` (in-process a direct one, `direct`; or a compact
    /// one over the rings): its function and receiver, held by the client, kept for the call
    /// (`open_call_scope`), then called with its arguments.
    pub(super) fn dispatch_call(&self, call: &Call<'_>, direct: bool, out: &mut Outcome) {
        let lent = self.rt.shm().lent_mark();
        let result = self.held_callee(call).and_then(|callee| {
            // This scope is the call's alone: the callback's handles go in it too.
            let depth = self.open_call_scope(&callee);
            let unkept = callee.native().then_some(&callee.this);
            let args = self.direct_args(call.args, unkept);
            let Callee { f, this, callable } = callee;
            let result = args.and_then(|args| Ok(self.rt.call_found_in_scope(&f, callable, this, args)?));
            // An object or a symbol (`held_callee`) owns nothing: forgotten, where its drop was
            // a match over every kind of value.
            std::mem::forget(f);
            self.rt.handles_mut().unwind_to(depth);
            result
        });
        self.call_outcome(result, direct, out);
        self.end_lends(lent);
    }

    /// A call's function and its receiver, held by the client, and what calling the function
    /// runs: looked up in one borrow of the heap.
    #[inline(always)]
    fn held_callee(&self, call: &Call<'_>) -> Result<Callee, Error> {
        let heap = self.rt.heap();
        let (f, function) = held_object(&heap, call.func)?;
        let this = match call.this {
            Some(id) => held_object(&heap, id)?.0,
            None => Value::Undefined,
        };
        let callable = match f {
            Value::Object(id) => callable_in(id, function),
            _ => None,
        };
        Ok(Callee { f, this, callable })
    }

    /// Opens a call's handle scope with its function kept there, in one borrow of the handle
    /// stack; returns the depth that ends the scope. The client may let go of the function
    /// while Python code runs in the call (and a collection it asks for would free it under
    /// its callback). Its receiver is kept too, unless it is an addon's function's: the runtime
    /// roots that from the call's start (its frame has it, and the callback makes its handle in
    /// this scope), and only Python code run before, as the caller walks an argument in, needs
    /// it kept (`keep_receiver`).
    #[inline(always)]
    fn open_call_scope(&self, callee: &Callee) -> usize {
        let mut handles = self.rt.handles_mut();
        let depth = handles.open(false) - 1;
        keep_held(&mut handles, &callee.f);
        if !callee.native() {
            keep_held(&mut handles, &callee.this);
        }
        depth
    }

    /// Keeps the receiver `open_call_scope` left to the runtime (`unkept`) before Python code
    /// runs ahead of the call: the client may let go of it meanwhile.
    #[cold]
    fn keep_receiver(&self, unkept: Option<&Value>) {
        if let Some(this) = unkept {
            keep_held(&mut self.rt.handles_mut(), this);
        }
    }

    /// Whether the direct call being served takes its answer (a container, a string, an error)
    /// straight into its caller's objects: not when it is relayed, where that walk would be one
    /// more hand-off between the two threads; its answer then goes as a protocol tree, as over
    /// the rings, which the caller converts once it has it.
    fn copies_to_caller(&self) -> bool {
        self.relayed_calls.get() == 0
    }

    /// The values the caller of a direct call or request left to the host (a call's arguments,
    /// a request's operands), made in the heap straight from its objects (kept in the call's
    /// handle scope as they are made).
    #[cold]
    fn later_args(&self) -> Result<SmallVec<[Value; 4]>, Error> {
        let mut heap = HeapBuilder::new(&self.rt, &self.python, true);
        // Bytes the client copied into a new segment of its own reach the host as they are
        // sent: it takes in the segment's news first.
        let news_first = |v: &proto::Value| {
            if matches!(v, proto::Value::Upload { .. }) {
                self.take_in_client_news();
            }
        };
        let made = self.with_turn_caller(|caller| caller.later_args(&mut Looking { sink: &mut heap, before: news_first }));
        match made {
            Ok(()) => Ok(std::mem::take(&mut *heap.finished)),
            Err(ArgsStopped::Failed(f)) => Err(Error::Failed(f)),
            // The caller raises its own exception; this failure is never seen.
            Err(ArgsStopped::Refused) => Err(bad("the caller refused an argument")),
        }
    }

    /// Runs a direct request with a list of its own for the operands its caller walks in.
    fn with_walked_operands<R>(&self, run: impl FnOnce() -> R) -> R {
        self.walked.borrow_mut().push(None);
        let result = run();
        self.walked.borrow_mut().pop();
        result
    }

    /// Operand `n` of the direct request being served that its caller walks into the heap:
    /// all of them are made the first time one is needed, before the operation uses them.
    #[cold]
    fn walked_operand(&self, n: u32) -> Result<Value, Error> {
        let made = self.walked.borrow().last().map(Option::is_some);
        match made {
            // Never decoded from bytes: only a direct request's caller puts one in.
            None => return Err(bad("a walked value outside a direct request")),
            Some(false) => {
                // Not borrowed meanwhile: Python code runs as the caller walks, and may make
                // direct requests of its own.
                let values = self.later_args()?;
                if let Some(top) = self.walked.borrow_mut().last_mut() {
                    *top = Some(values);
                }
            }
            Some(true) => {}
        }
        let walked = self.walked.borrow();
        walked.last().and_then(|w| w.as_ref()?.get(n as usize).cloned()).ok_or_else(|| bad("the caller walked fewer values than it named"))
    }

    /// A direct call's arguments in the heap: numbers written straight into their slots (as in
    /// `call_value`), a string's text copied from its caller's object, and from the first
    /// container the caller left on, `with_later_args`.
    #[inline(always)]
    fn direct_args(&self, args: &[Arg<'_>], unkept: Option<&Value>) -> Result<Vec<Value>, Error> {
        let mut values = self.rt.args_vec(args.len());
        // The leading numbers (every argument of most calls) are written into the room just
        // reserved for all of them: no look at the capacity for each, as a push makes.
        let (len, mut numbers) = (values.len(), 0);
        for (slot, a) in values.spare_capacity_mut().iter_mut().zip(args) {
            let Arg::Number(n) = a else { break };
            slot.write(Value::Number(*n));
            numbers += 1;
        }
        // SAFETY: the `numbers` slots past the vector's length were written just above.
        unsafe { values.set_len(len + numbers) };
        match numbers == args.len() {
            true => Ok(values),
            false => self.other_args(values, &args[numbers..], unkept),
        }
    }

    /// `args`, a direct call's arguments after its leading numbers (in `values`), as
    /// `direct_args` makes them.
    fn other_args(&self, mut values: Vec<Value>, args: &[Arg<'_>], unkept: Option<&Value>) -> Result<Vec<Value>, Error> {
        for (i, a) in args.iter().enumerate() {
            match a {
                Arg::Number(n) => push_made(&mut values, || Value::Number(*n)),
                Arg::Later => {
                    self.keep_receiver(unkept);
                    return self.with_later_args(values, &args[i..]);
                }
                // An operand a direct request's caller walks in: the walk runs Python code.
                Arg::Value(proto::Value::Walked(_)) => {
                    self.keep_receiver(unkept);
                    values.push(self.direct_arg(a)?);
                }
                // A Python object (a callback's function, the commonest): its stand-in found
                // here, without `from_wire`'s match over every kind of value and its `Result`.
                Arg::Value(proto::Value::Py { id, callable }) => {
                    let stand_in = self.python.borrow_mut().received(&self.rt, id.0, *callable);
                    values.push(self.keep(Value::Object(stand_in)));
                }
                _ => values.push(self.direct_arg(a)?),
            }
        }
        Ok(values)
    }

    /// `rest` of a direct call's arguments after `made`: the containers the caller left, walked
    /// in together at the first of them, and the others as `direct_args` makes them.
    #[cold]
    fn with_later_args(&self, mut made: Vec<Value>, rest: &[Arg<'_>]) -> Result<Vec<Value>, Error> {
        let mut later = self.later_args()?.into_iter();
        for a in rest {
            made.push(match a {
                Arg::Later => later.next().ok_or_else(|| bad("the caller made fewer arguments than it left"))?,
                _ => self.direct_arg(a)?,
            });
        }
        Ok(made)
    }

    /// A direct call's argument that the caller did not leave to the host.
    fn direct_arg(&self, a: &Arg<'_>) -> Result<Value, Error> {
        match a {
            Arg::Number(n) => Ok(Value::Number(*n)),
            Arg::Value(v) => self.arg(v),
            Arg::Text(text) => Ok(Value::String((*text).into())),
            Arg::Bytes(data) => Ok(self.keep(Value::Object(bytes_to_object(&self.rt, proto::BufferKind::Buffer, data)?))),
            Arg::Later => Err(bad("an argument left to the host out of turn")),
        }
    }

    /// The end of a request that took lent memory (`Value::Lent`, in-process): a buffer over it
    /// that nothing reaches any more (the common case: the addon only read or wrote it during
    /// the call) is detached and its lend given back now, before the reply, so that Python has
    /// its memory free again when the call returns. One the addon kept (a reference, a property,
    /// a promise's value) keeps the memory until it dies, as node keeps a Buffer's.
    #[inline(always)]
    fn end_lends(&self, mark: usize) {
        if let Some(lent) = self.rt.shm().take_lent_since(mark) {
            self.end_lends_of(&lent);
        }
    }

    #[cold]
    fn end_lends_of(&self, lent: &[ObjectId]) {
        let roots = self.held.borrow().ids();
        let reachable = self.rt.reachable(&roots, lent);
        let mut heap = self.rt.heap_mut();
        for (id, kept) in lent.iter().zip(reachable) {
            if kept {
                continue;
            }
            if let Some(ObjectClass::ArrayBuffer(data)) = heap.get_mut(*id).map(|o| &mut o.class) {
                // The block goes (back to the client) with the last clone of it: this one.
                data.backing = Backing::Detached(None);
            }
        }
    }

    /// Runs `f` in a handle scope of its own: values held only by the request stay alive
    /// while it runs.
    fn scoped<R>(&self, f: impl FnOnce() -> R) -> R {
        let rt = &self.rt;
        let depth = {
            let mut handles = rt.handles_mut();
            handles.open(false);
            handles.depth() - 1
        };
        let result = f();
        rt.handles_mut().unwind_to(depth);
        result
    }

    /// Converts a wire value in and keeps it alive for the rest of the request (only objects
    /// and symbols live in the collected heap: the rest need no keeping).
    pub(crate) fn arg(&self, v: &proto::Value) -> Result<Value, Error> {
        let value = match from_wire(&self.rt, &self.python, v) {
            Ok(value) => value,
            // A walked operand (made kept already) is no value `from_wire` knows: looked for
            // only when it refuses one, off the way of every other argument.
            Err(failure) => {
                return match v {
                    proto::Value::Walked(n) => self.walked_operand(*n),
                    _ => Err(failure.into()),
                }
            }
        };
        Ok(match value {
            Value::Object(_) | Value::Symbol(_) => self.keep(value),
            _ => value,
        })
    }

    /// Keeps `value` alive for the rest of the request: an object or a symbol, the values that
    /// live in the collected heap (anything else needs no keeping, and is not pushed). Inlined,
    /// as `Cx::handle`, since it is on every argument's path.
    #[inline(always)]
    pub(crate) fn keep(&self, value: Value) -> Value {
        keep_held(&mut self.rt.handles_mut(), &value);
        value
    }

    pub(crate) fn call(&self, f: &Value, this: Value, args: &[proto::Value]) -> Result<OpOutput, Error> {
        Ok(OpOutput::Value(self.call_value(f, this, args)?))
    }

    /// `call`'s value as it comes, for a caller that looks at it before any wrapping.
    #[inline(always)]
    fn call_value(&self, f: &Value, this: Value, args: &[proto::Value]) -> Result<Value, Error> {
        // A loop, not `collect`: through `Result`'s adapter it cost twice as much.
        let mut values = self.rt.args_vec(args.len());
        for a in args {
            // Numbers are written straight into their slot: made first and then moved (through
            // `arg`'s `Result`, or a local all arms share), a value was written piece by piece
            // and read back whole at once, a store-forwarding stall per argument.
            match a {
                proto::Value::Number(n) => push_made(&mut values, || Value::Number(*n)),
                _ => values.push(self.arg(a)?),
            }
        }
        Ok(self.rt.call_owned(f, this, values)?)
    }

    pub(crate) fn object_arg(&self, v: &proto::Value) -> Result<ObjectId, Error> {
        match self.arg(v)? {
            Value::Object(id) => Ok(id),
            other => Err(bad(format!("expected an object, got {}", self.rt.typeof_string(&other)))),
        }
    }

    pub(crate) fn key_arg(&self, v: &proto::Value) -> Result<PropertyKey, Error> {
        let k = self.arg(v)?;
        Ok(self.rt.to_property_key(&k)?)
    }

    fn run(&self, op: &Op) -> Result<OpOutput, Error> {
        match op {
            Op::Ping => Ok(OpOutput::Value(Value::Undefined)),
            Op::Load { path } => self.load_addon(path),
            Op::DescribeClass { proto } => self.describe_class(ObjectId::from_bits(proto.0)),
            Op::Call { func, this, args } => {
                let f = self.arg(func)?;
                let this = self.arg(this)?;
                self.call(&f, this, args)
            }
            Op::Construct { ctor, args } => self.construct(ctor, args),
            Op::Get { target, key } => self.get(target, key),
            Op::Set { target, key, value } => self.set(target, key, value),
            Op::Has { target, key } => self.has(target, key),
            Op::Delete { target, key } => self.delete(target, key),
            Op::OwnKeys { target } => self.own_keys(target),
            Op::OwnPropertyDescriptors { target } => self.own_property_descriptors(target),
            Op::DefineProperty { target, key, descriptor } => self.define_property(target, key, descriptor),
            Op::GetPrototype { target } => self.get_prototype(target),
            Op::SetPrototype { target, proto } => self.set_prototype(target, proto),
            Op::TypeOf { value } => self.type_of(value),
            Op::InstanceOf { value, ctor } => self.instance_of(value, ctor),
            Op::StrictEquals { a, b } => self.strict_equals(a, b),
            Op::NewObject { props } => self.new_object(props),
            Op::NewArray { items } => self.new_array(items),
            Op::NewSymbol { description } => self.new_symbol(description.as_deref()),
            Op::SymbolFor { key } => self.symbol_for(key),
            Op::GlobalThis => self.global_this(),
            Op::Gc => self.gc(),
            Op::CollectCycles => self.collect_cycles_op(),
            Op::NewBuffer { kind, len } => self.new_buffer(*kind, *len),
            Op::NewDeferred => self.new_deferred(),
            Op::SettleDeferred { deferred, fulfilled, value } => self.settle_deferred(*deferred, *fulfilled, value),
            Op::Subscribe { promise, subscription } => self.subscribe_op(promise, *subscription),
            Op::AdoptDescriptor { id } => self.adopt_descriptor(*id),
            Op::CloseDescriptor { fd } => self.close_descriptor(*fd),
            _ => Err(bad("unsupported request")),
        }
    }

    fn construct(&self, ctor: &proto::Value, args: &[proto::Value]) -> Result<OpOutput, Error> {
        let c = self.arg(ctor)?;
        let args = args.iter().map(|a| self.arg(a)).collect::<Result<Vec<_>, _>>()?;
        Ok(OpOutput::Value(self.rt.construct(&c, &args)?))
    }
}
