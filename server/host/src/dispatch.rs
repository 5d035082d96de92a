//! Serving one request: convert the arguments in, do the operation with JS semantics, convert
//! the result out.

use std::path::Path;

use napi_protocol::{self as proto, Failure, FailureKind, Op, Outcome};

use super::wire::{from_wire, held_value, primitive, ToWire};
use super::Host;
use napi_functions::lifecycle::{load_module, LoadError, LoadedModule};
use napi_runtime::property::{Descriptor, PropertyKey, Slot};
use napi_runtime::{push_made, ObjectId, Value};

/// How a request failed before or instead of running JS.
enum Error {
    Failed(Failure),
    Thrown(Value),
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        Error::Failed(f)
    }
}

impl From<napi_runtime::Thrown> for Error {
    fn from(t: napi_runtime::Thrown) -> Self {
        Error::Thrown(t.0)
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::Failed(Failure { kind: FailureKind::BadRequest, message: message.into() })
}

/// What a request produces: a value to send (by the usual rules, or forced by reference).
enum Answer {
    Value(Value),
    Reference(ObjectId),
    Wire(proto::Value),
}

impl Host {
    pub(super) fn dispatch(&self, op: &Op) -> Outcome {
        let result = self.scoped(|| self.run(op));
        self.outcome(result)
    }

    /// A direct call (in-process): its function and receiver, held by the client, kept for the
    /// call, then called with its arguments.
    pub(super) fn dispatch_call(&self, call: &crate::inprocess::Call<'_>) -> Outcome {
        let result = self.scoped(|| {
            let f = self.keep(held_value(&self.rt, call.func)?);
            let this = match call.this {
                Some(id) => self.keep(held_value(&self.rt, id)?),
                None => Value::Undefined,
            };
            self.call(&f, this, call.args)
        });
        self.outcome(result)
    }

    /// Runs `f` in a handle scope of its own: values held only by the request stay alive
    /// while it runs.
    fn scoped<R>(&self, f: impl FnOnce() -> R) -> R {
        let rt = &self.rt;
        let depth = rt.handles.borrow().depth();
        rt.handles.borrow_mut().open(false);
        let result = f();
        rt.handles.borrow_mut().unwind_to(depth);
        result
    }

    /// What a request's result crosses as.
    fn outcome(&self, result: Result<Answer, Error>) -> Outcome {
        let rt = &self.rt;
        match result {
            Ok(answer) => {
                // A primitive needs nothing of the held objects (most answers of calls).
                if let Answer::Value(v) = &answer {
                    if let Some(p) = primitive(v) {
                        return Outcome::Ok(p);
                    }
                }
                let mut held = self.held.borrow_mut();
                let mut w = ToWire::new(rt, &mut held);
                Outcome::Ok(match answer {
                    Answer::Value(v) => w.value(&v),
                    Answer::Reference(id) => w.by_reference(id),
                    Answer::Wire(v) => v,
                })
            }
            Err(Error::Failed(f)) => Outcome::Failed(f),
            Err(Error::Thrown(v)) => self.thrown(&v),
        }
    }

    /// Converts a wire value in and keeps it alive for the rest of the request (only objects
    /// and symbols live in the collected heap: the rest need no keeping).
    fn arg(&self, v: &proto::Value) -> Result<Value, Error> {
        let value = from_wire(&self.rt, v)?;
        Ok(match value {
            Value::Object(_) | Value::Symbol(_) => self.keep(value),
            _ => value,
        })
    }

    /// Keeps `value` alive for the rest of the request. Inlined, as `Cx::handle` (D49).
    #[inline(always)]
    fn keep(&self, value: Value) -> Value {
        // Objects and symbols, the values kept, are made again in their slot from their id: a
        // clone copies the value whole, just after it was written in pieces (D49, D52).
        self.rt.handles.borrow_mut().push_with(|| match &value {
            Value::Object(id) => Value::Object(*id),
            Value::Symbol(id) => Value::Symbol(*id),
            other => other.clone(),
        });
        value
    }

    fn call(&self, f: &Value, this: Value, args: &[proto::Value]) -> Result<Answer, Error> {
        Ok(Answer::Value(self.call_value(f, this, args)?))
    }

    /// `call`'s value as it comes, for a caller that looks at it before any wrapping.
    #[inline(always)]
    fn call_value(&self, f: &Value, this: Value, args: &[proto::Value]) -> Result<Value, Error> {
        // A loop, not `collect`: through `Result`'s adapter it cost twice as much.
        let mut values = self.rt.args_vec(args.len());
        for a in args {
            // Numbers are written straight into their slot: made first and then moved (through
            // `arg`'s `Result`, or a local all arms share), a value was written piece by piece
            // and read back whole at once, a store-forwarding stall per argument (D49, D51).
            match a {
                proto::Value::Number(n) => push_made(&mut values, || Value::Number(*n)),
                _ => values.push(self.arg(a)?),
            }
        }
        Ok(self.rt.call_owned(f, this, values)?)
    }

    fn object_arg(&self, v: &proto::Value) -> Result<ObjectId, Error> {
        match self.arg(v)? {
            Value::Object(id) => Ok(id),
            other => Err(bad(format!("expected an object, got {}", self.rt.typeof_string(&other)))),
        }
    }

    fn key_arg(&self, v: &proto::Value) -> Result<PropertyKey, Error> {
        let k = self.arg(v)?;
        Ok(self.rt.to_property_key(&k)?)
    }

    fn run(&self, op: &Op) -> Result<Answer, Error> {
        let rt = &self.rt;
        Ok(match op {
            Op::Ping => Answer::Value(Value::Undefined),
            Op::Load { path } => match self.load(rt, Path::new(&path)) {
                Ok(module) => {
                    tracing::debug!(path, version = module.version, registration = module.registration, "loaded");
                    let exports = module.exports.clone();
                    let info = module_info(&module);
                    self.modules.borrow_mut().push(module);
                    let mut answer = self.exports_answer(&exports);
                    if let proto::Value::Array(parts) = &mut answer {
                        parts.push(info);
                    }
                    Answer::Wire(answer)
                }
                Err(LoadError::Refused(message)) => return Err(Failure { kind: FailureKind::Load, message }.into()),
                // The thrown value goes to the client as a JS exception (node's require() throws
                // it); the module stays, to be torn down with the others.
                Err(LoadError::Threw { module, thrown }) => {
                    self.modules.borrow_mut().push(module);
                    return Err(Error::Thrown(thrown));
                }
            },
            Op::Call { func, this, args } => {
                let f = self.arg(func)?;
                let this = self.arg(this)?;
                self.call(&f, this, args)?
            }
            Op::Construct { ctor, args } => {
                let c = self.arg(&ctor)?;
                let args = args.iter().map(|a| self.arg(a)).collect::<Result<Vec<_>, _>>()?;
                Answer::Value(rt.construct(&c, &args)?)
            }
            Op::Get { target, key } => {
                let t = self.arg(&target)?;
                let k = self.key_arg(&key)?;
                Answer::Value(rt.get(&t, &k)?)
            }
            Op::Set { target, key, value } => {
                let t = self.arg(&target)?;
                let k = self.key_arg(&key)?;
                let v = self.arg(&value)?;
                rt.set_strict(&t, k, v)?;
                Answer::Value(Value::Undefined)
            }
            Op::Has { target, key } => {
                let t = self.object_arg(&target)?;
                let k = self.key_arg(&key)?;
                Answer::Value(Value::Bool(rt.has(t, &k)))
            }
            Op::Delete { target, key } => {
                let t = self.object_arg(&target)?;
                let k = self.key_arg(&key)?;
                // Strict mode, as for writes: refusing to delete throws.
                if !rt.delete(t, &k) {
                    let name = rt.to_string(&k.to_value()).map(|s| s.to_rust_string()).unwrap_or_default();
                    return Err(rt.type_error(format!("Cannot delete property '{name}' of #<{}>", rt.class_name(t))).into());
                }
                Answer::Value(Value::Bool(true))
            }
            Op::OwnKeys { target } => {
                let t = self.object_arg(&target)?;
                let keys = rt.own_keys(t).iter().map(PropertyKey::to_value).collect();
                Answer::Value(Value::Object(rt.new_array(keys)))
            }
            Op::OwnPropertyDescriptors { target } => {
                let t = self.object_arg(&target)?;
                let mut held = self.held.borrow_mut();
                let mut w = ToWire::new(rt, &mut held);
                let mut pairs = Vec::new();
                for key in rt.own_keys(t) {
                    let Some(p) = rt.get_own_property(t, &key) else { continue };
                    // Each descriptor a dict, even with `get`/`set` functions in it.
                    let desc = rt.descriptor_object(&p);
                    pairs.push(proto::Value::Array(vec![w.value(&key.to_value()), w.copy_plain(desc)]));
                }
                Answer::Wire(proto::Value::Array(pairs))
            }
            Op::DefineProperty { target, key, descriptor } => {
                let t = self.object_arg(&target)?;
                let k = self.key_arg(&key)?;
                let desc = self.descriptor(&descriptor)?;
                let name = rt.to_string(&k.to_value()).map(|s| s.to_rust_string()).unwrap_or_default();
                if !rt.define_own_property(t, k, desc)? {
                    return Err(rt.type_error(format!("Cannot redefine property: {name}")).into());
                }
                Answer::Value(Value::Undefined)
            }
            Op::GetPrototype { target } => {
                // By reference: a prototype is wanted as the object itself, not a copy.
                let t = self.object_arg(&target)?;
                match rt.prototype_of(t) {
                    Some(p) => Answer::Reference(p),
                    None => Answer::Value(Value::Null),
                }
            }
            Op::SetPrototype { target, proto } => {
                let t = self.object_arg(&target)?;
                let p = match self.arg(&proto)? {
                    Value::Object(p) => Some(p),
                    Value::Null => None,
                    other => {
                        return Err(rt
                            .type_error(format!("Object prototype may only be an Object or null: {}", other.to_display(rt)))
                            .into())
                    }
                };
                if !rt.set_prototype(t, p) {
                    return Err(rt.type_error("Cyclic __proto__ value or object is not extensible".into()).into());
                }
                Answer::Value(Value::Undefined)
            }
            Op::TypeOf { value } => {
                let v = self.arg(&value)?;
                Answer::Value(Value::str(rt.typeof_string(&v)))
            }
            Op::InstanceOf { value, ctor } => {
                let v = self.arg(&value)?;
                let c = self.arg(&ctor)?;
                Answer::Value(Value::Bool(rt.instance_of(&v, &c)?))
            }
            Op::StrictEquals { a, b } => {
                let (a, b) = (self.arg(&a)?, self.arg(&b)?);
                Answer::Value(Value::Bool(rt.strict_equals(&a, &b)))
            }
            Op::NewObject { props } => {
                let obj = rt.new_plain_object();
                for (k, v) in props {
                    let key = self.key_arg(k)?;
                    let value = self.arg(v)?;
                    rt.set(&Value::Object(obj), key, value)?;
                }
                rt.heap.borrow_mut().obj_mut(obj).by_reference = true;
                Answer::Reference(obj)
            }
            Op::NewArray { items } => {
                let items = items.iter().map(|i| self.arg(i)).collect::<Result<Vec<_>, _>>()?;
                let arr = rt.new_array(items);
                rt.heap.borrow_mut().obj_mut(arr).by_reference = true;
                Answer::Reference(arr)
            }
            Op::NewSymbol { description } => Answer::Value(Value::Symbol(rt.new_symbol(description.as_deref().map(Into::into)))),
            Op::SymbolFor { key } => Answer::Value(Value::Symbol(rt.symbol_for(key.as_str().into()))),
            Op::DescribeClass { proto } => Answer::Wire(self.describe_class(ObjectId::from_bits(proto.0))?),
            Op::Gc => Answer::Value(Value::Number(self.collect() as f64)),
            Op::GlobalThis => Answer::Reference(rt.realm.global),
            Op::NewDeferred => {
                use napi_runtime::references::Reference;
                let p = rt.new_promise();
                // A strong reference keeps the promise alive until the client settles it.
                let env = napi_runtime::EnvId(0);
                let id = rt.refs.borrow_mut().create(Reference { env, value: Value::Object(p), count: 1, collected: false });
                let promise = ToWire::new(rt, &mut self.held.borrow_mut()).by_reference(p);
                Answer::Wire(proto::Value::Array(vec![promise, proto::Value::Number(id as f64)]))
            }
            Op::SettleDeferred { deferred, fulfilled, value } => {
                let v = self.arg(&value)?;
                let taken = rt.refs.borrow_mut().delete(*deferred as usize);
                let Some(napi_runtime::references::Reference { value: Value::Object(p), .. }) = taken else {
                    return Err(bad("no such deferred promise (already settled?)"));
                };
                if *fulfilled {
                    rt.resolve_promise(p, v);
                } else {
                    rt.reject_promise(p, v);
                }
                Answer::Value(Value::Undefined)
            }
            Op::Subscribe { promise, subscription } => {
                let p = self.object_arg(&promise)?;
                if !rt.is_promise(&Value::Object(p)) {
                    return Err(bad("only a promise can be subscribed to"));
                }
                self.subscribe(p, *subscription);
                Answer::Value(Value::Undefined)
            }
            Op::NewBuffer { kind, len } => {
                let len = usize::try_from(*len)
                    .ok()
                    .filter(|l| *l <= napi_functions::buffers::MAX_BUFFER_LENGTH)
                    .ok_or_else(|| rt.range_error("Array buffer allocation failed".into()))?;
                if len % kind.element_size() != 0 {
                    return Err(bad(format!("{len} bytes do not make whole elements of {} bytes", kind.element_size())));
                }
                Answer::Value(Value::Object(super::wire::new_buffer(rt, *kind, len)?))
            }
            _ => return Err(bad("unsupported request")),
        })
    }

    fn descriptor(&self, d: &proto::Descriptor) -> Result<Descriptor, Error> {
        let accessor = |v: &Option<proto::Value>| -> Result<Option<Option<ObjectId>>, Error> {
            match v {
                None => Ok(None),
                Some(v) => match self.arg(v)? {
                    Value::Undefined => Ok(Some(None)),
                    f @ Value::Object(id) if self.rt.is_callable(&f) => Ok(Some(Some(id))),
                    _ => Err(self.rt.type_error("Getter and setter must be functions".into()).into()),
                },
            }
        };
        let value = d.value.as_ref().map(|v| self.arg(v)).transpose()?;
        Ok(Descriptor {
            value,
            get: accessor(&d.get)?,
            set: accessor(&d.set)?,
            writable: d.writable,
            enumerable: d.enumerable,
            configurable: d.configurable,
        })
    }

    /// `[exports by reference, own data properties by value]`: the client caches the
    /// exports from this one answer.
    fn exports_answer(&self, exports: &Value) -> proto::Value {
        let rt = &self.rt;
        let mut held = self.held.borrow_mut();
        let mut w = ToWire::new(rt, &mut held);
        let Value::Object(id) = exports else { return proto::Value::Array(vec![w.value(exports), proto::Value::Object(Vec::new())]) };
        let props: Vec<(String, Value)> = rt
            .own_keys(*id)
            .into_iter()
            .filter_map(|k| {
                let p = rt.get_own_property(*id, &k)?;
                // Non-enumerable ones too: C addons define their methods with `napi_default`.
                match (&k, p.slot) {
                    (PropertyKey::String(s), Slot::Data(v)) => Some((s.to_rust_string(), v)),
                    (PropertyKey::Index(i), Slot::Data(v)) => Some((i.to_string(), v)),
                    _ => None,
                }
            })
            .collect();
        let head = if rt.is_callable(exports) { w.value(exports) } else { w.by_reference(*id) };
        let props = props.into_iter().map(|(k, v)| (k, w.value(&v))).collect();
        proto::Value::Array(vec![head, proto::Value::Object(props)])
    }

    /// The members of a class prototype chain: methods by reference, other members by kind.
    fn describe_class(&self, proto: ObjectId) -> Result<proto::Value, Error> {
        let rt = &self.rt;
        if rt.heap.borrow().get(proto).is_none() {
            return Err(Error::Failed(Failure { kind: FailureKind::StaleObject, message: "the class prototype is gone".into() }));
        }
        let mut members: Vec<(String, proto::Value)> = Vec::new();
        let mut cur = Some(proto);
        while let Some(p) = cur.filter(|p| *p != rt.realm.object_prototype) {
            for key in rt.own_keys(p) {
                let PropertyKey::String(name) = &key else { continue };
                let name = name.to_rust_string();
                if name == "constructor" || members.iter().any(|(n, _)| *n == name) {
                    continue;
                }
                let Some(prop) = rt.get_own_property(p, &key) else { continue };
                let member = match prop.slot {
                    Slot::Data(f @ Value::Object(_)) if rt.is_callable(&f) => {
                        let mut held = self.held.borrow_mut();
                        ToWire::new(rt, &mut held).value(&f)
                    }
                    Slot::Data(_) => proto::Value::String("data".into()),
                    Slot::Accessor { .. } => proto::Value::String("accessor".into()),
                };
                members.push((name, member));
            }
            cur = rt.prototype_of(p);
        }
        Ok(proto::Value::Object(members))
    }
}

/// How a module registered and the Node-API version it runs as, for `Addon.napi_version` and
/// `python -m napi_python inspect`.
fn module_info(module: &napi_functions::lifecycle::LoadedModule) -> proto::Value {
    proto::Value::Object(vec![
        ("version".into(), proto::Value::Number(module.version as f64)),
        ("registration".into(), proto::Value::String(module.registration.into())),
    ])
}

impl Host {
    /// Loads the addon at `path`. One with thread-local storage may tell threads apart (napi-rs
    /// does), so from then on every request of an in-process host stays on its thread (D37).
    fn load(&self, rt: &std::rc::Rc<napi_runtime::Runtime>, path: &Path) -> Result<LoadedModule, LoadError> {
        if let Some(shared) = &self.in_process {
            if super::inprocess::has_thread_locals(path) {
                shared.stay_on_host_thread();
            }
        }
        load_module(rt, path)
    }
}
