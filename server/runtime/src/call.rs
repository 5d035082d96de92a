//! Calling and constructing functions, and `instanceof`.

use std::borrow::Cow;

use super::native::{CallScope, NativeCall};
use super::object::{Callable, Object, ObjectClass};
use super::object_id::ObjectId;
use super::property::{Property, PropertyKey, Slot};
use super::value::Value;
use super::{JsResult, Runtime, MAX_DEPTH};

impl Runtime {
    /// Inlined: returned from a call, the callable went through memory on every call.
    #[inline(always)]
    fn callable_of(&self, func: &Value) -> JsResult<(ObjectId, Callable)> {
        let found = match func {
            Value::Object(id) => self.heap.borrow().get(*id).and_then(|o| callable_in(*id, o)).map(|c| (*id, c)),
            _ => None,
        };
        found.ok_or_else(|| self.not_a_function(func))
    }

    #[cold]
    #[inline(never)]
    fn not_a_function(&self, func: &Value) -> super::Thrown {
        self.type_error(format!("{} is not a function", func.to_display(self)))
    }

    /// `func.call(this, ...args)`.
    pub fn call(&self, func: &Value, this: Value, args: &[Value]) -> JsResult<Value> {
        let (_, callable) = self.callable_of(func)?;
        self.invoke(callable, this, Cow::Borrowed(args), None, CallScope::Own)
    }

    /// `call` with arguments the caller no longer needs: a native callback's frame takes them
    /// as they are, with no copy.
    pub fn call_owned(&self, func: &Value, this: Value, args: Vec<Value>) -> JsResult<Value> {
        let (_, callable) = self.callable_of(func)?;
        self.call_found(callable, this, args)
    }

    /// `call_owned` of what its caller found a function runs (`Runtime::call_target_at`, in
    /// the look at the heap that tested it: `napi_call_function`'s, where `callable_of` looked
    /// again).
    #[inline(always)]
    pub fn call_found(&self, callable: Callable, this: Value, args: Vec<Value>) -> JsResult<Value> {
        self.invoke(callable, this, Cow::Owned(args), None, CallScope::Own)
    }

    /// `call_owned` for a caller that opened the innermost handle scope for this call alone and
    /// closes it after: a native function's handles go there ([`CallScope::Callers`]), with no
    /// scope of its own opened and closed inside it. Another function it calls in turn opens
    /// its own.
    pub fn call_in_scope(&self, func: &Value, this: Value, args: Vec<Value>) -> JsResult<Value> {
        let (_, callable) = self.callable_of(func)?;
        self.invoke(callable, this, Cow::Owned(args), None, CallScope::Callers)
    }

    /// [`Runtime::call_in_scope`] of what its caller found `func` runs (`callable_in`, in a look
    /// at the heap it made anyway): `None` if `func` cannot be called, which throws here.
    #[inline(always)]
    pub fn call_found_in_scope(&self, func: &Value, callable: Option<Callable>, this: Value, args: Vec<Value>) -> JsResult<Value> {
        let Some(callable) = callable else { return Err(self.not_a_function(func)) };
        self.invoke(callable, this, Cow::Owned(args), None, CallScope::Callers)
    }

    fn invoke(
        &self,
        callable: Callable,
        this: Value,
        args: Cow<'_, [Value]>,
        new_target: Option<ObjectId>,
        scope: CallScope,
    ) -> JsResult<Value> {
        let depth = self.depth.get();
        if self.out_of_stack(depth) {
            return Err(self.too_deep());
        }
        self.depth.set(depth + 1);
        // An addon's function is the call on every path from Python: its arm stays here, the
        // others are out of line, so the hot instructions sit together.
        let result = match callable {
            Callable::Native { env, cb, data, receiver } => {
                if let Some(proto) = receiver {
                    if !self.inherits(&this, proto) {
                        self.depth.set(depth);
                        return Err(self.illegal_invocation());
                    }
                }
                let this = self.sloppy_receiver(this);
                let args = match args {
                    Cow::Owned(args) => args,
                    Cow::Borrowed(args) => {
                        let mut owned = self.args_vec(args.len());
                        owned.extend_from_slice(args);
                        owned
                    }
                };
                let frame = self.push_frame(this, args, new_target, data);
                self.native.invoke(self, NativeCall { env, cb, frame, this, scope })
            }
            other => self.invoke_other(other, this, args, new_target),
        };
        self.depth.set(depth);
        result
    }

    /// The object a sloppy-mode function (a native one) gets as `this` for `this`: the global
    /// object for a nullish one, a primitive boxed. Taken by value and let go of here: matched
    /// in place in `invoke`, the value lived on past the call, and its drop (a look at its kind)
    /// came after it, with what that look needed kept across the call.
    #[inline(always)]
    fn sloppy_receiver(&self, this: Value) -> ObjectId {
        match this {
            Value::Undefined | Value::Null => self.realm.global,
            Value::Object(id) => id,
            prim => self.to_object(&prim).expect("primitives box"),
        }
    }

    /// Pushes a native call's frame, written field by field where it goes: made whole first and
    /// then moved in, the frame (its receiver above all, made just before) was written in pieces
    /// and read back in wider loads, two store-forwarding stalls on every call. Answers its
    /// place, counted from 1.
    #[inline(always)]
    fn push_frame(&self, this: ObjectId, args: Vec<Value>, new_target: Option<ObjectId>, data: usize) -> usize {
        // Without a branch an argument: a call has few, and `any`'s early exit cost more.
        let args_own_memory = args.iter().fold(false, |owns, v| owns | v.owns_memory());
        let mut frames = self.frames.borrow_mut();
        frames.reserve(1);
        let len = frames.len();
        let slot = frames.spare_capacity_mut()[0].as_mut_ptr();
        // SAFETY: `slot` is the vector's first spare slot, valid for writes; each field is
        // written once, and only then does `set_len` make the frame part of the vector.
        unsafe {
            std::ptr::addr_of_mut!((*slot).this).write(this);
            std::ptr::addr_of_mut!((*slot).args).write(args);
            std::ptr::addr_of_mut!((*slot).new_target).write(new_target);
            std::ptr::addr_of_mut!((*slot).data).write(data);
            std::ptr::addr_of_mut!((*slot).args_own_memory).write(args_own_memory);
            frames.set_len(len + 1);
        }
        len + 1
    }

    /// `invoke` for the callables that are not an addon's functions.
    #[inline(never)]
    fn invoke_other(&self, callable: Callable, this: Value, args: Cow<'_, [Value]>, new_target: Option<ObjectId>) -> JsResult<Value> {
        match callable {
            Callable::Native { .. } => unreachable!("invoke calls native functions itself"),
            Callable::Builtin(f) => f(self, this, &args, new_target),
            Callable::Resolver { promise, reject } => {
                let v = args.first().cloned().unwrap_or(Value::Undefined);
                if reject {
                    self.reject_promise(promise, v);
                } else {
                    self.resolve_promise(promise, v);
                }
                Ok(Value::Undefined)
            }
            Callable::Finally { on_finally, reject } => {
                let v = args.first().cloned().unwrap_or(Value::Undefined);
                match self.call(&Value::Object(on_finally), Value::Undefined, &[]) {
                    Err(e) => Err(e),
                    Ok(_) if reject => Err(super::Thrown(v)),
                    Ok(_) => Ok(v),
                }
            }
            Callable::Bound(bound) => {
                let mut all = Vec::with_capacity(bound.args.len() + args.len());
                all.extend(bound.args.iter().cloned());
                all.extend(args.iter().cloned());
                match new_target {
                    // `new bound(...)`: constructs the target, `new.target` becoming the target
                    // when it was the bound function itself.
                    Some(_) => self.construct(&Value::Object(bound.target), &all),
                    None => self.call(&Value::Object(bound.target), bound.this.clone(), &all),
                }
            }
            Callable::BuiltinWith(f, captured) => f(self, &captured, this, &args),
            Callable::Proxy(p) => match new_target {
                Some(nt) => self.proxy_construct(p, args, nt),
                None => self.proxy_call(p, this, args),
            },
            Callable::Python(id) => {
                let outside = self.outside.borrow().clone();
                match outside {
                    Some(o) => o.call_python(self, id, this, args.into_owned()),
                    None => Err(self.type_error("Python functions cannot be called in this host".into())),
                }
            }
        }
    }

    /// Whether a recursion `depth` calls deep must stop: at the depth cap, or where the thread's
    /// stack has only its reserve left (a small thread's stack ends long before the cap).
    #[inline(always)]
    pub(crate) fn out_of_stack(&self, depth: usize) -> bool {
        depth >= MAX_DEPTH || self.stack.get().reached()
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn too_deep(&self) -> super::Thrown {
        self.range_error("Maximum call stack size exceeded".into())
    }

    #[cold]
    #[inline(never)]
    fn illegal_invocation(&self) -> super::Thrown {
        self.type_error("Illegal invocation".into())
    }

    /// `new ctor(...args)` (with `new.target` = ctor).
    pub fn construct(&self, ctor: &Value, args: &[Value]) -> JsResult<Value> {
        let (id, callable) = self.callable_of(ctor)?;
        if !self.is_constructor(id) {
            return Err(self.type_error(format!("{} is not a constructor", self.constructor_display(ctor))));
        }
        if let Callable::Builtin(_) | Callable::Bound(_) | Callable::Proxy(_) = callable {
            // Built-in constructors make their own instances (an Error, a wrapper...).
            return self.invoke(callable, Value::Undefined, Cow::Borrowed(args), Some(id), CallScope::Own);
        }
        let proto = self.constructor_prototype(id);
        let this = self.heap.borrow_mut().new_object(ObjectClass::Plain, Some(proto));
        let result = self.invoke(callable, Value::Object(this), Cow::Borrowed(args), Some(id), CallScope::Own)?;
        Ok(match result {
            Value::Object(_) => result,
            _ => Value::Object(this),
        })
    }

    /// Whether `id` can be called with `new`: every function but the arrow-like built-ins
    /// (methods such as `Math.max` and the resolving functions), as in V8.
    pub fn is_constructor(&self, id: ObjectId) -> bool {
        let heap = self.heap.borrow();
        let Some(o) = heap.get(id) else { return false };
        if let ObjectClass::Proxy(p) = &o.class {
            return p.constructor;
        }
        match o.function().map(|f| &f.callable) {
            None => false,
            // Built-in constructors have a `prototype`, but for Proxy, which is marked a class.
            Some(Callable::Builtin(_)) => o.props.contains_key(&PropertyKey::name("prototype")) || o.function().is_some_and(|f| f.is_class),
            Some(Callable::Bound(b)) => {
                let target = b.target;
                drop(heap);
                self.is_constructor(target)
            }
            Some(Callable::Resolver { .. } | Callable::Finally { .. } | Callable::BuiltinWith(..)) => false,
            Some(Callable::Native { .. } | Callable::Python(_)) => true,
            Some(Callable::Proxy(_)) => unreachable!("a proxy's class is Proxy"),
        }
    }

    /// How V8 names a callee in "x is not a constructor".
    fn constructor_display(&self, v: &Value) -> String {
        match v {
            Value::Object(id) if self.is_callable(v) => match self.stored_property(*id, &PropertyKey::name("name")) {
                Some(Property { slot: Slot::Data(Value::String(s)), .. }) if !s.is_empty() => s.to_rust_string(),
                _ => "anonymous".into(),
            },
            other => other.to_display(self),
        }
    }

    /// `ctor.prototype`, creating it on first use for functions made by `napi_create_function`
    /// (V8 materialises it lazily too).
    fn constructor_prototype(&self, ctor: ObjectId) -> ObjectId {
        let key = PropertyKey::name("prototype");
        match self.stored_property(ctor, &key) {
            Some(Property { slot: Slot::Data(Value::Object(p)), .. }) => p,
            Some(_) => self.realm.object_prototype,
            None => {
                let proto = self.new_plain_object();
                let mut heap = self.heap.borrow_mut();
                heap.put(proto, PropertyKey::name("constructor"), Property::hidden(Value::Object(ctor)));
                let p = Property { configurable: false, ..Property::hidden(Value::Object(proto)) };
                heap.put(ctor, key, p);
                proto
            }
        }
    }

    /// Whether `proto` is on `v`'s ordinary prototype chain (V8's receiver checks do not run
    /// proxy traps; `instanceof` does, in `ordinary_has_instance`).
    pub fn inherits(&self, v: &Value, proto: ObjectId) -> bool {
        let Value::Object(mut cur) = v.clone() else { return false };
        while let Some(p) = self.stored_prototype(cur) {
            if p == proto {
                return true;
            }
            cur = p;
        }
        false
    }

    /// `v instanceof ctor`: `ctor[Symbol.hasInstance]` when it is not the ordinary one of
    /// `Function.prototype`, else `OrdinaryHasInstance` (bound functions test their target).
    pub fn instance_of(&self, v: &Value, ctor: &Value) -> JsResult<bool> {
        if !matches!(ctor, Value::Object(_)) {
            return Err(self.type_error("Right-hand side of 'instanceof' is not an object".into()));
        }
        let has_instance = self.get(ctor, &PropertyKey::Symbol(self.realm.symbol_has_instance))?;
        if !has_instance.is_nullish() && !self.is_ordinary_has_instance(&has_instance) {
            let r = self.call(&has_instance, ctor.clone(), std::slice::from_ref(v))?;
            return Ok(self.to_boolean(&r));
        }
        self.ordinary_has_instance(ctor, v)
    }

    /// Whether `f` is `Function.prototype[Symbol.hasInstance]`, which `OrdinaryHasInstance`
    /// does directly.
    fn is_ordinary_has_instance(&self, f: &Value) -> bool {
        let key = PropertyKey::Symbol(self.realm.symbol_has_instance);
        match self.stored_property(self.realm.function_prototype, &key) {
            Some(Property { slot: Slot::Data(own), .. }) => self.strict_equals(&own, f),
            _ => false,
        }
    }

    /// `OrdinaryHasInstance(ctor, v)`.
    pub fn ordinary_has_instance(&self, ctor: &Value, v: &Value) -> JsResult<bool> {
        if !self.is_callable(ctor) {
            return Err(self.type_error("Right-hand side of 'instanceof' is not callable".into()));
        }
        if let Value::Object(id) = ctor {
            let bound = match self.heap.borrow().get(*id).and_then(|o| o.function()).map(|f| f.callable.clone()) {
                Some(Callable::Bound(b)) => Some(b.target),
                _ => None,
            };
            if let Some(target) = bound {
                return self.instance_of(v, &Value::Object(target));
            }
        }
        // A primitive is no instance of anything, before the prototype is even read (which
        // may run a getter, and throws when it is no object).
        let Value::Object(obj) = v else { return Ok(false) };
        let proto = match self.get_named(ctor, "prototype")? {
            Value::Object(p) => p,
            other => {
                return Err(self.type_error(format!("Function has non-object prototype '{}' in instanceof check", other.to_display(self))))
            }
        };
        self.has_in_prototype_chain(*obj, proto)
    }
}

/// What calling `o`, the object `id` names, runs, if it can be called: copied out of the heap.
#[inline(always)]
pub fn callable_in(id: ObjectId, o: &Object) -> Option<Callable> {
    match &o.class {
        // An addon's function (every call from Python) and a Python function's stand-in (every
        // Python callback an addon calls) are copied field by field here: the derived clone was
        // a call with a match over every kind of callable.
        ObjectClass::Function(f) => Some(match &f.callable {
            &Callable::Native { env, cb, data, receiver } => Callable::Native { env, cb, data, receiver },
            &Callable::Python(id) => Callable::Python(id),
            other => other.clone(),
        }),
        ObjectClass::Proxy(p) if p.callable => Some(Callable::Proxy(id)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::super::string::JsString;
    use super::super::{NoNative, SPARE_ARGS_ROOM};
    use super::*;

    /// A vector's allocation: its address and its room.
    fn allocation(v: &Vec<Value>) -> (*const Value, usize) {
        (v.as_ptr(), v.capacity())
    }

    /// Pushes a frame of `args` and pops it: the spare vector's allocation then. It is empty.
    fn popped(rt: &Runtime, args: Vec<Value>) -> (*const Value, usize) {
        rt.push_frame(rt.realm.global, args, None, 0);
        rt.pop_frame();
        let spare = rt.spare_args.borrow();
        assert!(spare.is_empty());
        allocation(&spare)
    }

    /// A popped frame's argument vector is kept, emptied, for the next call's (`args_vec`): the
    /// same allocation whether its values own memory (dropped then) or not (forgotten), and
    /// whether a spare vector was there already or not; a large one is let go.
    #[test]
    fn a_popped_frames_arguments_are_let_go_and_their_vector_kept_for_the_next_call() {
        let rt = Runtime::new(Box::new(NoNative));
        let text: Rc<str> = Rc::from("argument");
        let string = || Value::String(JsString::Text(text.clone()));
        let mut plain = rt.args_vec(2);
        plain.extend([Value::Number(1.0), Value::Object(rt.realm.global)]);
        let kept = allocation(&plain);
        assert_eq!(popped(&rt, plain), kept, "plain, no spare before it");
        let owning = vec![Value::Number(1.0), string()];
        let kept = allocation(&owning);
        assert_eq!(popped(&rt, owning), kept, "owning, with a spare before it");
        assert_eq!(Rc::strong_count(&text), 1, "the string argument dropped");
        let plain = vec![Value::Null; 3];
        let kept = allocation(&plain);
        assert_eq!(popped(&rt, plain), kept, "plain, with a spare before it");
        let large = vec![string(); SPARE_ARGS_ROOM + 1];
        assert_eq!(popped(&rt, large), kept, "a large vector is not kept");
        assert_eq!(Rc::strong_count(&text), 1, "its strings dropped");
        assert!(rt.frames.borrow().is_empty());
    }
}
