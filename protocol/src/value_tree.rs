//! [`Value`] as a tree of any depth, handled without recursion.
//!
//! A value is as deep as JavaScript or Python made it: a 100,000-deep array is ordinary data to
//! both. So nothing that walks a value recurses, since a recursive walk would need stack in
//! proportion to the depth: dropping, cloning, comparing and printing one here, encoding and
//! decoding it in `codec`, converting it at either end. A walk keeps its own stack, on the heap,
//! and what bounds a value is its size ([`MAX_VALUES`]), not its depth.

use std::fmt;
use std::hash::Hash;

use rustc_hash::FxHashSet;
use smallvec::SmallVec;

use crate::value::Value;

/// Containers a walk keeps on its own stack without allocating: most values nest no deeper.
const SHALLOW: usize = 8;

/// The most values one message, or one conversion, carries: every value counts once, a
/// container and each of its elements (an object's property values; keys ride with them). About
/// 256 MiB once decoded, as much as the largest frame.
pub const MAX_VALUES: u64 = 1 << 22;

/// The message of a value refused for its size, the same wherever it is counted.
pub fn too_many_values() -> String {
    format!("the value holds more than {MAX_VALUES} values (arrays' and objects' elements counted), napi_python's limit on one value")
}

/// Counts the values of a conversion against [`MAX_VALUES`].
#[derive(Clone, Copy, Debug)]
pub struct ValueBudget {
    left: u64,
}

impl Default for ValueBudget {
    fn default() -> Self {
        ValueBudget { left: MAX_VALUES }
    }
}

impl ValueBudget {
    /// A budget of `n` values (below the limit, to test what happens at the limit).
    pub fn of(n: u64) -> Self {
        ValueBudget { left: n }
    }

    /// Takes `n` values from what is left; false (and nothing taken) when fewer are.
    #[inline]
    pub fn take(&mut self, n: u64) -> bool {
        match self.left.checked_sub(n) {
            Some(left) => {
                self.left = left;
                true
            }
            None => false,
        }
    }
}

/// Where a conversion puts a value as it walks it in pre-order: a container opened with its
/// length, then each of its elements (an object's property: its key, then its value); a value
/// that is no array or object as a leaf. A sink closes a container once it has had as many
/// elements as it was opened with. [`TreeBuilder`] makes a [`Value`] tree of the steps (what
/// crosses a process boundary); in-process the host's heap and the client's Python objects are
/// sinks too, so a value goes from one side's objects straight into the other's.
pub trait ValueSink {
    type Error;
    /// A value that is no array or object.
    fn leaf(&mut self, v: Value) -> Result<(), Self::Error>;
    /// A string leaf, lent: a sink that makes its own copy of the text (the heap, Python objects)
    /// copies it from where it lies, with no `Value::String` made between.
    fn text(&mut self, text: &str) -> Result<(), Self::Error> {
        self.leaf(string_value(text.to_owned()))
    }
    /// Opens an array of `len` elements (an empty one is finished at once).
    fn open_array(&mut self, len: usize) -> Result<(), Self::Error>;
    /// Opens an object of `len` properties, as [`ValueSink::open_array`].
    fn open_object(&mut self, len: usize) -> Result<(), Self::Error>;
    /// The key of the innermost object's next property, lent: a sink keeps its own copy.
    fn key(&mut self, key: &str) -> Result<(), Self::Error>;
    /// An array of leaves, the commonest container, whole: a sink may make it at once.
    fn leaves(&mut self, items: Vec<Value>) -> Result<(), Self::Error> {
        self.open_array(items.len())?;
        items.into_iter().try_for_each(|v| self.leaf(v))
    }
    /// An object whose property values are all leaves, whole (`keys[i]` names `values[i]`): a
    /// sink may make it at once.
    fn leaf_object(&mut self, keys: &[&str], values: Vec<Value>) -> Result<(), Self::Error> {
        self.open_object(values.len())?;
        keys.iter().zip(values).try_for_each(|(k, v)| {
            self.key(k)?;
            self.leaf(v)
        })
    }
}

thread_local! {
    /// How many protocol containers (arrays and objects) this thread has built.
    static CONTAINERS_BUILT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// How many protocol strings this thread has made of another side's text.
    static STRINGS_MADE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// How many protocol byte strings this thread has made of another side's bytes.
    static BYTES_MADE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many protocol arrays and objects this thread has built (by a [`TreeBuilder`], or whole
/// as [`ValueSink::leaves`]): tests check that in-process conversions build none.
pub fn containers_built() -> u64 {
    CONTAINERS_BUILT.with(|c| c.get())
}

#[inline(always)]
fn built_container() {
    CONTAINERS_BUILT.with(|c| c.set(c.get() + 1));
}

/// How many protocol strings this thread has made of a Python `str` or a JS string (through
/// [`string_value`]): tests check that in-process conversions make none.
pub fn strings_made() -> u64 {
    STRINGS_MADE.with(|c| c.get())
}

/// A string leaf made of one side's text, counted (see [`strings_made`]).
#[inline]
pub fn string_value(text: String) -> Value {
    STRINGS_MADE.with(|c| c.set(c.get() + 1));
    Value::String(text)
}

/// How many protocol byte strings this thread has made of a Python object's bytes (through
/// [`bytes_value`]): tests check that in-process calls make none for a `bytes` argument.
pub fn bytes_made() -> u64 {
    BYTES_MADE.with(|c| c.get())
}

/// A buffer leaf holding a copy of one side's bytes, counted (see [`bytes_made`]).
#[inline]
pub fn bytes_value(kind: crate::BufferKind, data: &[u8]) -> Value {
    BYTES_MADE.with(|c| c.set(c.get() + 1));
    Value::Bytes { kind, data: data.to_vec() }
}

/// A container being filled by a [`TreeBuilder`].
enum Open {
    Array(Vec<Value>, usize),
    /// The properties so far, how many in all, and the key of the next one.
    Object(Vec<(String, Value)>, usize, String),
}

/// Builds a value from its pre-order walk (a container, then each of its elements), keeping the
/// containers being filled on a stack of its own.
#[derive(Default)]
pub struct TreeBuilder {
    open: SmallVec<[Open; SHALLOW]>,
    /// The value finished through [`ValueSink`], until taken.
    whole: Option<Value>,
}

impl TreeBuilder {
    /// Whether the value is not finished: something was opened and not yet filled.
    pub fn is_open(&self) -> bool {
        !self.open.is_empty()
    }

    /// Whether the next value is an object's property (whose key [`TreeBuilder::key`] sets).
    pub fn wants_key(&self) -> bool {
        matches!(self.open.last(), Some(Open::Object(..)))
    }

    /// Sets the key of the next property of the innermost object.
    pub fn key(&mut self, key: String) {
        if let Some(Open::Object(_, _, k)) = self.open.last_mut() {
            *k = key;
        }
    }

    /// Opens an array of `len` elements (which `capacity` values are reserved for); the value
    /// when it is empty and ends it.
    pub fn open_array(&mut self, len: usize, capacity: usize) -> Option<Value> {
        built_container();
        if len == 0 {
            return self.push(Value::Array(Vec::new()));
        }
        self.open.push(Open::Array(Vec::with_capacity(capacity), len));
        None
    }

    /// Opens an object of `len` properties, as [`TreeBuilder::open_array`].
    pub fn open_object(&mut self, len: usize, capacity: usize) -> Option<Value> {
        built_container();
        if len == 0 {
            return self.push(Value::Object(Vec::new()));
        }
        self.open.push(Open::Object(Vec::with_capacity(capacity), len, String::new()));
        None
    }

    /// Adds a value to the innermost container, closing those it fills; the whole value once it
    /// is finished.
    pub fn push(&mut self, mut v: Value) -> Option<Value> {
        loop {
            let full = match self.open.last_mut() {
                None => return Some(v),
                Some(Open::Array(items, len)) => {
                    items.push(v);
                    items.len() == *len
                }
                Some(Open::Object(props, len, key)) => {
                    props.push((std::mem::take(key), v));
                    props.len() == *len
                }
            };
            if !full {
                return None;
            }
            v = match self.open.pop() {
                Some(Open::Array(items, _)) => Value::Array(items),
                Some(Open::Object(props, _, _)) => Value::Object(props),
                None => unreachable!("the container just filled"),
            };
        }
    }
}

impl TreeBuilder {
    /// The value the [`ValueSink`] steps finished, if they did.
    pub fn take(&mut self) -> Option<Value> {
        self.whole.take()
    }

    fn finished(&mut self, v: Option<Value>) {
        if v.is_some() {
            self.whole = v;
        }
    }
}

impl ValueSink for TreeBuilder {
    type Error = std::convert::Infallible;

    fn leaf(&mut self, v: Value) -> Result<(), Self::Error> {
        let v = self.push(v);
        self.finished(v);
        Ok(())
    }

    fn open_array(&mut self, len: usize) -> Result<(), Self::Error> {
        let v = TreeBuilder::open_array(self, len, len);
        self.finished(v);
        Ok(())
    }

    fn open_object(&mut self, len: usize) -> Result<(), Self::Error> {
        let v = TreeBuilder::open_object(self, len, len);
        self.finished(v);
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), Self::Error> {
        TreeBuilder::key(self, key.to_owned());
        Ok(())
    }

    fn leaves(&mut self, items: Vec<Value>) -> Result<(), Self::Error> {
        built_container();
        let v = self.push(Value::Array(items));
        self.finished(v);
        Ok(())
    }
}

/// Feeds `v` to `sink` in pre-order, with a stack of its own, leaving what it allocated where it
/// lies: strings and keys are lent to the sink, and the containers keep their buffers (their
/// other leaves are moved out). An in-process client converts a relayed call's answer so, then
/// gives what is left back to the host thread that allocated it, to be freed there: freed by the
/// client's thread, each allocation went back to the other thread's arena (its lock, and lines
/// moved between CPUs), about a tenth of a call that returns an object.
pub fn feed_in_place<S: ValueSink>(v: &mut Value, sink: &mut S) -> Result<(), S::Error> {
    enum Rest<'a> {
        Items(std::slice::IterMut<'a, Value>),
        Props(std::slice::IterMut<'a, (String, Value)>),
    }
    let mut rest: SmallVec<[Rest<'_>; SHALLOW]> = SmallVec::new();
    let mut next = v;
    loop {
        match next {
            Value::Array(items) => {
                sink.open_array(items.len())?;
                rest.push(Rest::Items(items.iter_mut()));
            }
            Value::Object(props) => {
                sink.open_object(props.len())?;
                rest.push(Rest::Props(props.iter_mut()));
            }
            Value::String(text) => sink.text(text)?,
            leaf => sink.leaf(std::mem::replace(leaf, Value::Undefined))?,
        }
        next = loop {
            match rest.last_mut() {
                None => return Ok(()),
                Some(Rest::Items(items)) => match items.next() {
                    Some(v) => break v,
                    None => drop(rest.pop()),
                },
                Some(Rest::Props(props)) => match props.next() {
                    Some((k, v)) => {
                        sink.key(k)?;
                        break v;
                    }
                    None => drop(rest.pop()),
                },
            }
        };
    }
}

impl Drop for TreeBuilder {
    fn drop(&mut self) {
        // A value abandoned half built: its containers go as values, without recursion.
        while let Some(open) = self.open.pop() {
            drop(match open {
                Open::Array(items, _) => Value::Array(items),
                Open::Object(props, _, _) => Value::Object(props),
            });
        }
    }
}

/// The containers a conversion is inside of, innermost last, to tell one that contains itself.
/// The first few are looked through (no allocation, no hashing for a shallow value); deeper
/// ones are also kept in a set, so a deep value is not searched level by level.
pub struct Ancestors<T> {
    path: SmallVec<[T; SHALLOW]>,
    deep: FxHashSet<T>,
}

impl<T> Default for Ancestors<T> {
    fn default() -> Self {
        Ancestors { path: SmallVec::new(), deep: FxHashSet::default() }
    }
}

impl<T: Copy + Eq + Hash> Ancestors<T> {
    pub fn contains(&self, x: T) -> bool {
        self.path.iter().take(SHALLOW).any(|a| *a == x) || (self.path.len() > SHALLOW && self.deep.contains(&x))
    }

    /// Enters `x`; false (and nothing entered) when it is entered already.
    pub fn enter(&mut self, x: T) -> bool {
        if self.contains(x) {
            return false;
        }
        if self.path.len() >= SHALLOW {
            self.deep.insert(x);
        }
        self.path.push(x);
        true
    }

    /// Leaves the innermost container.
    pub fn leave(&mut self) {
        if let Some(x) = self.path.pop() {
            if self.path.len() >= SHALLOW {
                self.deep.remove(&x);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.path.is_empty()
    }
}

/// One step of a pre-order walk: a value that is not a container, or a container (its elements
/// come next, each property's key just before its value).
pub enum Step<'a> {
    Leaf(&'a Value),
    Array(&'a [Value]),
    Object(&'a [(String, Value)]),
    Key(&'a str),
}

/// The elements still to walk of the containers entered.
enum Rest<'a> {
    Items(std::slice::Iter<'a, Value>),
    Props(std::slice::Iter<'a, (String, Value)>),
}

/// Walks `v` in pre-order, calling `f` for each step, with a stack of its own.
pub fn walk<'a, E>(v: &'a Value, mut f: impl FnMut(Step<'a>) -> Result<(), E>) -> Result<(), E> {
    let mut rest: SmallVec<[Rest<'a>; SHALLOW]> = SmallVec::new();
    let mut next = Some(v);
    loop {
        if let Some(v) = next.take() {
            match v {
                Value::Array(items) => {
                    f(Step::Array(items))?;
                    rest.push(Rest::Items(items.iter()));
                }
                Value::Object(props) => {
                    f(Step::Object(props))?;
                    rest.push(Rest::Props(props.iter()));
                }
                _ => f(Step::Leaf(v))?,
            }
        }
        match rest.last_mut() {
            None => return Ok(()),
            Some(Rest::Items(items)) => match items.next() {
                Some(v) => next = Some(v),
                None => drop(rest.pop()),
            },
            Some(Rest::Props(props)) => match props.next() {
                Some((k, v)) => {
                    f(Step::Key(k))?;
                    next = Some(v);
                }
                None => drop(rest.pop()),
            },
        }
    }
}

/// Whether `v` holds containers, so that dropping it could go deep.
#[inline(always)]
fn has_containers(v: &Value) -> bool {
    match v {
        Value::Array(items) => items.iter().any(|i| matches!(i, Value::Array(_) | Value::Object(_))),
        Value::Object(props) => props.iter().any(|(_, v)| matches!(v, Value::Array(_) | Value::Object(_))),
        _ => false,
    }
}

impl Drop for Value {
    #[inline]
    fn drop(&mut self) {
        if has_containers(self) {
            drop_nested(self);
        }
    }
}

/// Empties each container of `v` before it goes, moving its elements to a list of our own, so
/// that no drop finds more than one level below it.
#[cold]
fn drop_nested(v: &mut Value) {
    let take = |v: &mut Value, pending: &mut Vec<Value>| match v {
        Value::Array(items) => pending.append(items),
        Value::Object(props) => pending.extend(props.drain(..).map(|(_, v)| v)),
        _ => {}
    };
    let mut pending: Vec<Value> = Vec::new();
    take(v, &mut pending);
    while let Some(mut v) = pending.pop() {
        take(&mut v, &mut pending);
    }
}

impl Clone for Value {
    fn clone(&self) -> Self {
        match self {
            Value::Array(_) | Value::Object(_) => {}
            leaf => return clone_leaf(leaf),
        }
        let mut built = TreeBuilder::default();
        let mut done = None;
        let _ = walk(self, |step| -> Result<(), ()> {
            let finished = match step {
                Step::Leaf(v) => built.push(clone_leaf(v)),
                Step::Array(items) => built.open_array(items.len(), items.len()),
                Step::Object(props) => built.open_object(props.len(), props.len()),
                Step::Key(k) => {
                    built.key(k.to_owned());
                    None
                }
            };
            if finished.is_some() {
                done = finished;
            }
            Ok(())
        });
        done.expect("a walk ends with its value built")
    }
}

/// A copy of a value that is not a container.
fn clone_leaf(v: &Value) -> Value {
    match v {
        Value::Undefined => Value::Undefined,
        Value::Null => Value::Null,
        Value::Bool(b) => Value::Bool(*b),
        Value::Number(n) => Value::Number(*n),
        Value::String(s) => Value::String(s.clone()),
        Value::BigInt(b) => Value::BigInt(b.clone()),
        Value::Date(t) => Value::Date(*t),
        Value::Bytes { kind, data } => Value::Bytes { kind: *kind, data: data.clone() },
        Value::Shared { object, kind, region } => Value::Shared { object: *object, kind: *kind, region: *region },
        Value::Upload { kind, region } => Value::Upload { kind: *kind, region: *region },
        Value::InPlace { kind, region } => Value::InPlace { kind: *kind, region: *region },
        Value::Js(r) => Value::Js(r.clone()),
        Value::Py { id, callable } => Value::Py { id: *id, callable: *callable },
        Value::Lent { kind, address, region } => Value::Lent { kind: *kind, address: *address, region: *region },
        Value::Walked(n) => Value::Walked(*n),
        Value::Array(_) | Value::Object(_) => unreachable!("containers are cloned by walking them"),
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        let mut pairs = vec![(self, other)];
        while let Some(pair) = pairs.pop() {
            match pair {
                (Value::Array(a), Value::Array(b)) if a.len() == b.len() => pairs.extend(a.iter().zip(b)),
                (Value::Object(a), Value::Object(b)) if a.len() == b.len() => {
                    for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                        if ka != kb {
                            return false;
                        }
                        pairs.push((va, vb));
                    }
                }
                (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => return false,
                (a, b) => {
                    if !leaf_eq(a, b) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

fn leaf_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Number(a), Value::Number(b)) | (Value::Date(a), Value::Date(b)) => a == b,
        (Value::String(a), Value::String(b)) => a == b,
        (Value::BigInt(a), Value::BigInt(b)) => a == b,
        (Value::Bytes { kind: k1, data: d1 }, Value::Bytes { kind: k2, data: d2 }) => k1 == k2 && d1 == d2,
        (Value::Shared { object: o1, kind: k1, region: r1 }, Value::Shared { object: o2, kind: k2, region: r2 }) => {
            o1 == o2 && k1 == k2 && r1 == r2
        }
        (Value::Upload { kind: k1, region: r1 }, Value::Upload { kind: k2, region: r2 })
        | (Value::InPlace { kind: k1, region: r1 }, Value::InPlace { kind: k2, region: r2 }) => k1 == k2 && r1 == r2,
        (Value::Js(a), Value::Js(b)) => a == b,
        (Value::Py { id: i1, callable: c1 }, Value::Py { id: i2, callable: c2 }) => i1 == i2 && c1 == c2,
        (Value::Lent { kind: k1, address: a1, region: r1 }, Value::Lent { kind: k2, address: a2, region: r2 }) => {
            k1 == k2 && a1 == a2 && r1 == r2
        }
        (Value::Walked(a), Value::Walked(b)) => a == b,
        _ => false,
    }
}

/// Containers deeper than this print as `…`: a log line of a deep value stays short, and
/// printing it recurses no deeper.
const SHOWN_DEPTH: u32 = 8;

struct Shown<'a>(&'a Value, u32);

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shown(v, depth) = *self;
        match v {
            Value::Array(_) | Value::Object(_) if depth >= SHOWN_DEPTH => f.write_str("…"),
            Value::Array(items) => f.debug_tuple("Array").field(&ShownList(items.iter().map(|i| Shown(i, depth + 1)).collect())).finish(),
            Value::Object(props) => {
                f.debug_tuple("Object").field(&ShownList(props.iter().map(|(k, v)| (k, Shown(v, depth + 1))).collect())).finish()
            }
            Value::Undefined => f.write_str("Undefined"),
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Value::Number(n) => f.debug_tuple("Number").field(n).finish(),
            Value::String(s) => f.debug_tuple("String").field(s).finish(),
            Value::BigInt(b) => f.debug_tuple("BigInt").field(b).finish(),
            Value::Date(t) => f.debug_tuple("Date").field(t).finish(),
            Value::Bytes { kind, data } => f.debug_struct("Bytes").field("kind", kind).field("data", data).finish(),
            Value::Shared { object, kind, region } => {
                f.debug_struct("Shared").field("object", object).field("kind", kind).field("region", region).finish()
            }
            Value::Upload { kind, region } => f.debug_struct("Upload").field("kind", kind).field("region", region).finish(),
            Value::InPlace { kind, region } => f.debug_struct("InPlace").field("kind", kind).field("region", region).finish(),
            Value::Js(r) => f.debug_tuple("Js").field(r).finish(),
            Value::Py { id, callable } => f.debug_struct("Py").field("id", id).field("callable", callable).finish(),
            Value::Lent { kind, address, region } => {
                f.debug_struct("Lent").field("kind", kind).field("address", address).field("region", region).finish()
            }
            Value::Walked(n) => f.debug_tuple("Walked").field(n).finish(),
        }
    }
}

struct ShownList<T>(Vec<T>);

impl<T: fmt::Debug> fmt::Debug for ShownList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.0).finish()
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Shown(self, 0).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested() -> Value {
        let leaf_list = Value::Array(vec![Value::Number(1.0), Value::String("two".into()), Value::Null]);
        let inner = Value::Object(vec![
            ("code".into(), Value::Bytes { kind: crate::BufferKind::Buffer, data: b"a{}".to_vec() }),
            ("list".into(), leaf_list),
        ]);
        Value::Array(vec![inner, Value::Array(Vec::new()), Value::String("end".into()), Value::Object(Vec::new())])
    }

    fn built(feed_with: impl FnOnce(&mut TreeBuilder)) -> Value {
        let mut tree = TreeBuilder::default();
        feed_with(&mut tree);
        tree.take().expect("a finished value")
    }

    /// Fed in place, a tree reaches a sink whole, and what stays behind is its skeleton: every
    /// container and key, every string, the other leaves taken out.
    #[test]
    fn fed_in_place_a_tree_reaches_the_sink_whole_and_its_skeleton_stays() {
        let mut v = nested();
        assert_eq!(built(|t| feed_in_place(&mut v, t).unwrap()), nested());
        let Value::Array(top) = &v else { panic!("{v:?}") };
        let Value::Object(props) = &top[0] else { panic!("{v:?}") };
        assert_eq!(props.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["code", "list"]);
        assert_eq!(props[0].1, Value::Undefined, "the buffer was taken");
        assert_eq!(props[1].1, Value::Array(vec![Value::Undefined, Value::String("two".into()), Value::Undefined]));
        assert_eq!(top[2], Value::String("end".into()));
    }
}
