//! The handle-scope stack: every `napi_value` an addon holds is a slot here.
//!
//! Slots are numbered from 1 so that a null `napi_value` is never a valid handle. Closing a scope
//! lowers the stack's top to where the scope began; an escapable scope reserves its escape slot
//! in the parent before it opens. As in V8, a closed scope's slots keep their values until new
//! handles reuse them: node-addon-api callbacks routinely return a value made inside a
//! `Napi::HandleScope` that closes before the host reads the result (node-pty's `open`). Those
//! stale slots are not roots, and are dropped once every scope is closed.
//!
//! The first slots hold `undefined`, `null`, `false` and `true` for ever, below every scope, as
//! V8's roots do: `napi_get_undefined` and its kin answer them without making a handle, and
//! `napi_get_cb_info` fills the room past a callback's arguments with the one `undefined`.

use super::native::CallScope;
use super::object_id::ObjectId;
use super::value::Value;

/// An open handle scope.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    /// Length of the value stack when the scope opened.
    pub start: usize,
    /// For escapable scopes, the slot (in the parent) that `escape` writes.
    pub escape_slot: Option<usize>,
    /// Whether `escape` was called (a second call is refused).
    pub escaped: bool,
}

/// What `HandleStack::enter_callback` made: the depth to unwind to (none when the caller's scope
/// is the callback's, which the caller closes), the floor to put back, and the receiver's handle.
#[derive(Clone, Copy, Debug)]
pub struct CallbackScope {
    depth: Option<usize>,
    floor: (usize, usize),
    pub this: usize,
}

/// Appends `values`, none of which owns memory, to `to` as copies of their words: such a value
/// is plain words, so its copy is its clone (what `extend_from_slice` makes, through a match on
/// each value's kind, about half of `napi_get_cb_info` for two numbers).
#[inline(always)]
fn copy_plain(to: &mut Vec<Value>, values: &[Value]) {
    debug_assert!(!values.iter().any(Value::owns_memory));
    to.reserve(values.len());
    let len = to.len();
    // SAFETY: `reserve` made room for `values.len()` more past `len`, and `values` (borrowed)
    // cannot overlap `to` (borrowed mutably). None of them owns memory (the caller's word,
    // checked above in debug builds): a `Value` that owns none holds no pointer, reference count
    // or other resource and has no drop of its own, so the bitwise copy is a clone and both
    // copies may be dropped or forgotten independently.
    unsafe {
        let end = to.as_mut_ptr().add(len);
        // A callback's one or two arguments copied as words, in line: a `memcpy` call for them
        // (its own dispatch on the length) was about a tenth of `napi_get_cb_info`.
        match values {
            [one] => end.write(std::ptr::read(one)),
            [first, second] => {
                end.write(std::ptr::read(first));
                end.add(1).write(std::ptr::read(second));
            }
            _ => std::ptr::copy_nonoverlapping(values.as_ptr(), end, values.len()),
        }
        to.set_len(len + values.len());
    }
}

/// The handles and the scopes they live in, innermost last.
pub struct HandleStack {
    /// Live slots are `values[..top]`; those above are stale (see the module's comment).
    values: Vec<Value>,
    top: usize,
    /// No value at or past this slot owns memory (a string, a BigInt): past it, what a closing
    /// of every scope lets go of is forgotten, not dropped one by one. A call's handles are
    /// mostly numbers and objects, and their drop loop was about a tenth of an addon's call.
    owners_end: usize,
    scopes: Vec<Scope>,
    /// Scopes at or below this depth belong to the host (the scope around each native call), so
    /// an addon cannot close them.
    floor: usize,
    /// Scopes closed implicitly because an enclosing scope was closed first; Node counts scopes
    /// rather than checking their order, so their own later close still answers ok.
    closed_early: usize,
}

/// Why a scope operation was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ScopeError {
    /// Not the innermost open scope (`napi_handle_scope_mismatch`).
    Mismatch,
    /// `napi_escape_handle` already called (`napi_escape_called_twice`).
    EscapedTwice,
}

/// The values of the constant handles, in order from handle 1.
const CONSTANTS: [Value; 4] = [Value::Undefined, Value::Null, Value::Bool(false), Value::Bool(true)];

impl Default for HandleStack {
    fn default() -> HandleStack {
        HandleStack { values: CONSTANTS.to_vec(), top: CONSTANTS.len(), owners_end: 0, scopes: Vec::new(), floor: 0, closed_early: 0 }
    }
}

impl HandleStack {
    /// The handle that always holds `undefined`.
    pub const UNDEFINED: usize = 1;
    /// The handle that always holds `null`.
    pub const NULL: usize = 2;

    /// The handle that always holds `b`.
    #[inline(always)]
    pub const fn boolean(b: bool) -> usize {
        3 + b as usize
    }

    /// A handle for `v` in the innermost scope. Inlined: called out of line, the value was
    /// written to the stack piece by piece and read back whole, a store-forwarding stall that
    /// cost more than the rest of the call.
    #[inline(always)]
    pub fn push(&mut self, v: Value) -> usize {
        let slot = self.top;
        self.note_owner(&v, slot + 1);
        if slot < self.values.len() {
            if slot < self.owners_end {
                self.replace_owner(slot, v);
            } else {
                // The stale value there owns no memory (none at or past `owners_end` does): it
                // is forgotten, as closing every scope forgets it. Its drop, a match on its kind
                // with a call for each kind that owns memory, kept the Node-API functions that
                // make a value saving registers for those calls.
                std::mem::forget(std::mem::replace(&mut self.values[slot], v));
            }
        } else {
            super::push_made(&mut self.values, move || v);
        }
        self.top += 1;
        self.top
    }

    /// `push` of the value `make` makes, made where it goes: a value made first and then moved
    /// in was written piece by piece and read back whole, the stall `push` is inlined against,
    /// which inlining alone does not remove for a value made at the call.
    #[inline(always)]
    pub fn push_with(&mut self, make: impl FnOnce() -> Value) -> usize {
        let slot = self.top;
        // Unequal means below (the top is never past the length): told so, the compiler knows
        // the slot is the length below and keeps one count for both.
        if slot != self.values.len() {
            return self.push(make());
        }
        // Made in its slot by `push_made`, after the room is (see there). The length and the
        // top are one count here: the top is set from the length `push_made` leaves, not kept
        // across its rare call. A value's kind is known where `make` is inlined: the note costs
        // a scalar nothing.
        let owners_end = &mut self.owners_end;
        super::push_made(&mut self.values, || {
            let v = make();
            if v.owns_memory() {
                *owners_end = (*owners_end).max(slot + 1);
            }
            v
        });
        self.top = self.values.len();
        self.top
    }

    /// Writes `v` over the stale value at `slot`, which may own memory: dropped here, out of
    /// the way of every value made.
    #[cold]
    #[inline(never)]
    fn replace_owner(&mut self, slot: usize, v: Value) {
        self.values[slot] = v;
    }

    /// Notes that a value written below slot `end` may own memory, if `v` does.
    #[inline(always)]
    fn note_owner(&mut self, v: &Value, end: usize) {
        if v.owns_memory() {
            self.owners_end = self.owners_end.max(end);
        }
    }

    /// Handles for clones of `values`, in order: consecutive, the first's answered. For a
    /// callback's arguments (`napi_get_cb_info`, on every call): one look at the room for all
    /// of them, each cloned where its slot is, where `push` looked again for each. `own_memory`
    /// is whether one of them may own memory (`CallFrame::args_own_memory`, known already).
    #[inline(always)]
    pub fn push_cloned(&mut self, values: &[Value], own_memory: bool) -> usize {
        debug_assert!(own_memory || !values.iter().any(Value::owns_memory));
        let first = self.top + 1;
        if self.top == self.values.len() {
            if own_memory {
                self.values.extend_from_slice(values);
                self.owners_end = self.owners_end.max(self.top + values.len());
            } else {
                copy_plain(&mut self.values, values);
            }
            self.top += values.len();
        } else {
            // Stale slots above the top, rare: each reused in turn.
            for v in values {
                self.push_with(|| v.clone());
            }
        }
        first
    }

    /// The value of a handle, live or stale.
    #[inline(always)]
    pub fn get(&self, handle: usize) -> Option<&Value> {
        handle.checked_sub(1).and_then(|i| self.values.get(i))
    }

    /// The last live handle (the constants' included).
    pub fn len(&self) -> usize {
        self.top
    }

    /// Whether no handle is live but the constants.
    pub fn is_empty(&self) -> bool {
        self.top == CONSTANTS.len()
    }

    /// How many scopes are open (what `unwind_to` takes back to).
    pub fn depth(&self) -> usize {
        self.scopes.len()
    }

    /// Opens a scope; returns its id (depth, from 1).
    pub fn open(&mut self, escapable: bool) -> usize {
        let escape_slot = escapable.then(|| self.push(Value::Undefined) - 1);
        self.scopes.push(Scope { start: self.top, escape_slot, escaped: false });
        self.scopes.len()
    }

    /// Closes scope `id` and any scope opened inside it. Node only refuses a close when no
    /// scope is open at all (closing out of order is undefined behaviour there; here it closes
    /// the inner scopes too, so no handle outlives its scope).
    pub fn close(&mut self, id: usize) -> Result<(), ScopeError> {
        if id > self.floor && id <= self.scopes.len() {
            self.closed_early += self.scopes.len() - id;
            self.unwind_to(id - 1);
            return Ok(());
        }
        if id > self.floor && self.closed_early > 0 {
            self.closed_early -= 1;
            return Ok(());
        }
        Err(ScopeError::Mismatch)
    }

    /// Closes every scope above depth `depth` (cleanup after a callback that left scopes open).
    pub fn unwind_to(&mut self, depth: usize) {
        while self.scopes.len() > depth {
            let scope = self.scopes.pop().expect("checked non-empty");
            self.top = scope.start;
        }
        if self.scopes.is_empty() {
            self.let_go_above_top();
        }
    }

    /// Lets go of the values above the top, every scope being closed: dropped where one may own
    /// memory, otherwise forgotten.
    #[inline(always)]
    fn let_go_above_top(&mut self) {
        if self.owners_end > self.top {
            self.drop_above_top();
        } else if self.top < self.values.len() {
            // SAFETY: shortening keeps `values[..top]` as they are; the values past it are
            // numbers, booleans, objects, symbols, null or undefined (none at or past
            // `owners_end` is a string or a BigInt: `note_owner` is told of every value
            // written), whose drop does nothing, so forgetting them leaks nothing.
            unsafe { self.values.set_len(self.top) };
        }
    }

    /// Drops the values above the top, some of which may own memory. Out of line and cold: in
    /// line, its loop of drops made `unwind_to`, after every call, save and restore five
    /// registers for a case nearly no call has.
    #[cold]
    #[inline(never)]
    fn drop_above_top(&mut self) {
        self.values.truncate(self.top);
        self.owners_end = self.top;
    }

    /// Makes every scope open now the host's; returns the previous floor for `restore_floor`.
    pub fn raise_floor(&mut self) -> (usize, usize) {
        let saved = (self.floor, self.closed_early);
        self.floor = self.scopes.len();
        self.closed_early = 0;
        saved
    }

    /// Gives the addon back the scopes `raise_floor` made the host's.
    pub fn restore_floor(&mut self, saved: (usize, usize)) {
        (self.floor, self.closed_early) = saved;
    }

    /// Opens a native callback's scope (or, for [`CallScope::Callers`], takes the innermost
    /// one, which its caller opened for it), makes it the host's (`raise_floor`), and makes the
    /// handle of its receiver there, in one borrow of the stack; `leave_callback` takes the
    /// answer back to undo it.
    #[inline(always)]
    pub fn enter_callback(&mut self, this: ObjectId, scope: CallScope) -> CallbackScope {
        let depth = match scope {
            CallScope::Own => {
                let depth = self.scopes.len();
                self.scopes.push(Scope { start: self.top, escape_slot: None, escaped: false });
                Some(depth)
            }
            CallScope::Callers => None,
        };
        let floor = self.raise_floor();
        // Made in its slot (`push_with`): pushed whole, the receiver was written to the stack
        // twice on its way there.
        let this = self.push_with(move || Value::Object(this));
        CallbackScope { depth, floor, this }
    }

    /// Closes a native callback's scope and every scope it left open (its caller's closes them
    /// when the scope was the caller's), and gives the addon back the scopes below it; answers
    /// the value of the callback's answer handle `ret`.
    #[inline(always)]
    pub fn leave_callback(&mut self, scope: CallbackScope, ret: usize) -> Value {
        let value = self.answer_of(ret);
        self.restore_floor(scope.floor);
        if let Some(depth) = scope.depth {
            self.unwind_to(depth);
        }
        value
    }

    /// A copy of the value of handle `ret` (live or stale), undefined for no handle: a callback's
    /// answer.
    #[inline(always)]
    fn answer_of(&self, ret: usize) -> Value {
        // Handle 0 wraps to an index past any end.
        let i = ret.wrapping_sub(1);
        match self.values.get(i) {
            Some(value) => self.copy_at(i, value),
            None => Value::Undefined,
        }
    }

    /// A copy of the value of a handle, live or stale (`None` for no such handle).
    #[inline(always)]
    pub fn copy_of(&self, handle: usize) -> Option<Value> {
        // Handle 0 wraps to an index past any end.
        let i = handle.wrapping_sub(1);
        self.values.get(i).map(|value| self.copy_at(i, value))
    }

    /// Copies of the values of `handles` (live or stale), appended to `to` in order, in one
    /// borrow of the stack: false, with `to` as far as it got, at the first of no slot.
    #[inline(always)]
    pub fn copy_all(&self, handles: impl Iterator<Item = usize>, to: &mut Vec<Value>) -> bool {
        for handle in handles {
            match self.copy_of(handle) {
                Some(value) => to.push(value),
                None => return false,
            }
        }
        true
    }

    /// A copy of `value`, the value in slot `i`. Past `owners_end` (a number, an object,
    /// undefined: nearly always) its words are copied, where `clone` went through a jump on its
    /// kind. (`answer_of` does not go through `copy_of`: its `Option` was tested again after.)
    #[inline(always)]
    fn copy_at(&self, i: usize, value: &Value) -> Value {
        if i < self.owners_end {
            return value.clone();
        }
        // SAFETY: the value at `i` owns no memory (none at or past `owners_end` does:
        // `note_owner` is told of every value written). Such a value is plain words with no drop
        // of its own, so the bitwise copy is a clone, and both copies may be dropped or
        // forgotten independently.
        unsafe { std::ptr::read(value) }
    }

    /// Copies `v` into the escape slot of scope `id`; returns the slot's handle.
    pub fn escape(&mut self, id: usize, v: Value) -> Result<usize, ScopeError> {
        let scope = id.checked_sub(1).and_then(|i| self.scopes.get_mut(i)).ok_or(ScopeError::Mismatch)?;
        let slot = scope.escape_slot.ok_or(ScopeError::Mismatch)?;
        if scope.escaped {
            return Err(ScopeError::EscapedTwice);
        }
        scope.escaped = true;
        self.note_owner(&v, slot + 1);
        self.values[slot] = v;
        Ok(slot + 1)
    }

    /// Whether scope `id` is open and escapable.
    pub fn is_escapable(&self, id: usize) -> bool {
        id.checked_sub(1).and_then(|i| self.scopes.get(i)).is_some_and(|s| s.escape_slot.is_some())
    }

    /// Every value a live handle holds (GC roots).
    pub fn values(&self) -> &[Value] {
        &self.values[..self.top]
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::super::string::JsString;
    use super::*;

    /// A stale slot reused for a new handle takes the new value, and lets go of the old: a
    /// string (below `owners_end`) dropped then, a number (past it) written over.
    #[test]
    fn a_reused_stale_slot_drops_a_string_it_held_and_takes_the_new_value() {
        let text: Rc<str> = Rc::from("stale");
        let mut h = HandleStack::default();
        let outer = h.open(false);
        let inner = h.open(false);
        let string = h.push(Value::String(JsString::Text(text.clone())));
        let number = h.push(Value::Number(1.0));
        h.close(inner).unwrap();
        assert_eq!(Rc::strong_count(&text), 2, "stale, kept until its slot is reused");
        assert_eq!(h.push(Value::Number(2.0)), string);
        assert_eq!(Rc::strong_count(&text), 1, "dropped as its slot was reused");
        assert_eq!(h.push(Value::Bool(true)), number);
        assert!(matches!(h.get(string), Some(Value::Number(n)) if *n == 2.0));
        assert!(matches!(h.get(number), Some(Value::Bool(true))));
        h.close(outer).unwrap();
    }

    /// The constant handles hold their values below every scope: closing every scope, reusing
    /// stale slots and escaping leave them as they are, and the first handle made is past them.
    #[test]
    fn the_constant_handles_outlive_every_scope_and_are_never_written_over() {
        let constants = |h: &HandleStack| {
            matches!(
                [HandleStack::UNDEFINED, HandleStack::NULL, HandleStack::boolean(false), HandleStack::boolean(true)].map(|c| h.get(c)),
                [Some(Value::Undefined), Some(Value::Null), Some(Value::Bool(false)), Some(Value::Bool(true))]
            )
        };
        let mut h = HandleStack::default();
        assert!(constants(&h) && h.is_empty());
        for _ in 0..2 {
            let outer = h.open(false);
            let inner = h.open(true);
            let first = h.push(Value::Number(1.0));
            assert_eq!(first, CONSTANTS.len() + 2, "past the constants and the escape slot");
            h.escape(inner, Value::Number(2.0)).unwrap();
            h.close(inner).unwrap();
            h.push_cloned(&[Value::Number(3.0), Value::Number(4.0)], false);
            h.close(outer).unwrap();
            assert!(constants(&h) && h.is_empty());
            h.unwind_to(0);
            assert!(constants(&h) && h.is_empty());
            assert_eq!(h.values().len(), CONSTANTS.len(), "the constants the only roots left");
        }
    }

    #[test]
    fn closing_a_scope_drops_its_handles_but_keeps_the_escaped_one() {
        let mut h = HandleStack::default();
        let outer = h.open(false);
        let esc = h.open(true);
        let inner_handle = h.push(Value::Number(1.0));
        let escaped = h.escape(esc, Value::Number(2.0)).unwrap();
        assert_eq!(h.escape(esc, Value::Number(3.0)), Err(ScopeError::EscapedTwice));
        h.close(esc).unwrap();
        // Stale, as in V8: readable until a new handle reuses the slot, and no longer a root.
        assert!(matches!(h.get(inner_handle), Some(Value::Number(n)) if *n == 1.0));
        assert!(h.values().iter().all(|v| !matches!(v, Value::Number(n) if *n == 1.0)));
        let reused = h.push(Value::Number(4.0));
        assert_eq!(reused, inner_handle);
        assert!(matches!(h.get(inner_handle), Some(Value::Number(n)) if *n == 4.0));
        assert!(matches!(h.get(escaped), Some(Value::Number(n)) if *n == 2.0));
        h.close(outer).unwrap();
        assert!(h.is_empty());
        assert!(h.get(inner_handle).is_none(), "dropped once every scope is closed");
        assert_eq!(h.close(outer), Err(ScopeError::Mismatch));
    }

    /// A callback's scope, its own or its caller's: the addon cannot close the scopes below it,
    /// what it leaves open is closed (by the callback's end, or by the caller's when the scope
    /// was the caller's), and its answer is read before that.
    #[test]
    fn a_callback_in_its_own_or_its_callers_scope_leaves_the_stack_as_it_found_it() {
        for scope in [CallScope::Own, CallScope::Callers] {
            let mut h = HandleStack::default();
            let depth = h.depth();
            h.open(false);
            let kept = h.push(Value::Number(1.0));
            let this = ObjectId::from_bits(7 << 32 | 3);
            let cb = h.enter_callback(this, scope);
            assert!(matches!(h.get(cb.this), Some(Value::Object(id)) if *id == this));
            let callers = h.depth();
            assert_eq!(h.close(callers), Err(ScopeError::Mismatch), "{scope:?}: the host's scopes are not the addon's to close");
            // The addon opens a scope and returns a value made in it without closing it.
            h.open(false);
            let answer = h.push(Value::Number(2.0));
            let value = h.leave_callback(cb, answer);
            assert!(matches!(value, Value::Number(n) if n == 2.0));
            match scope {
                CallScope::Own => assert_eq!(h.depth(), depth + 1, "the callback closed its own scope and the one it left"),
                CallScope::Callers => assert_eq!(h.depth(), depth + 2, "the scope left open is the caller's to close"),
            }
            assert!(matches!(h.get(kept), Some(Value::Number(n)) if *n == 1.0));
            h.unwind_to(depth);
            assert!(h.is_empty(), "{scope:?}");
            assert_eq!(h.floor, 0, "{scope:?}: the floor is put back");
        }
    }

    /// A callback's answer, whatever its slot: a string (which owns memory) comes out as a
    /// clone that keeps its own count, a number past the last string as itself; no handle, or
    /// one past every slot, answers undefined.
    #[test]
    fn a_callbacks_answer_is_its_handles_value_owned_or_plain() {
        let text: Rc<str> = Rc::from("answer");
        let mut h = HandleStack::default();
        h.open(false);
        let cb = h.enter_callback(ObjectId::from_bits(1), CallScope::Own);
        let string = h.push(Value::String(JsString::Text(text.clone())));
        let number = h.push(Value::Number(2.5));
        assert!(number > h.owners_end && string <= h.owners_end, "the number past the last owner, the string not");
        let answers = [string, number, 0, number + 1].map(|ret| h.answer_of(ret));
        assert_eq!(Rc::strong_count(&text), 3, "the answer's clone, the handle's and ours");
        assert!(matches!(&answers[0], Value::String(JsString::Text(t)) if Rc::ptr_eq(t, &text)));
        assert!(matches!(answers[1], Value::Number(n) if n == 2.5));
        assert!(matches!(answers[2..], [Value::Undefined, Value::Undefined]));
        let value = h.leave_callback(cb, number);
        assert!(matches!(value, Value::Number(n) if n == 2.5));
        drop(answers);
        h.unwind_to(0);
        assert_eq!(Rc::strong_count(&text), 1, "the handle's let go with its scope, the answer's dropped");
    }

    #[test]
    fn a_value_made_in_place_replaces_a_stale_one_and_releases_it() {
        use crate::string::JsString;
        let text: std::rc::Rc<str> = "stale".into();
        let mut h = HandleStack::default();
        h.open(false);
        let inner = h.open(false);
        let stale = h.push(Value::String(JsString::Text(text.clone())));
        assert_eq!(std::rc::Rc::strong_count(&text), 2);
        h.close(inner).unwrap();
        // The stale slot is reused, and the string it held let go.
        assert_eq!(h.push_with(|| Value::Number(5.0)), stale);
        assert_eq!(std::rc::Rc::strong_count(&text), 1);
        assert!(matches!(h.get(stale), Some(Value::Number(n)) if *n == 5.0));
        // Past the stack's end, the value goes into a new slot.
        let appended = h.push_with(|| Value::Bool(true));
        assert_eq!(appended, stale + 1);
        assert!(matches!(h.get(appended), Some(Value::Bool(true))));
        assert_eq!(h.len(), CONSTANTS.len() + 2);
    }

    /// Closing every scope forgets the values that own nothing without dropping them, so each
    /// way a string can come into a slot (pushed, cloned in with arguments, escaped) must still
    /// see it let go of then, wherever it lies among them.
    #[test]
    fn closing_every_scope_releases_each_string_however_it_came_in() {
        use crate::string::JsString;
        let text: std::rc::Rc<str> = "owned".into();
        let string = || Value::String(JsString::Text(text.clone()));
        let ways: [fn(&mut HandleStack, Value); 3] = [
            |h, v| {
                h.push(v);
            },
            |h, v| {
                h.push_cloned(&[Value::Number(1.0), v], true);
            },
            |h, v| {
                let outer = h.depth();
                let esc = h.open(true);
                h.escape(esc, v).unwrap();
                h.close(esc).unwrap();
                assert_eq!(h.depth(), outer);
            },
        ];
        for (way, put) in ways.iter().enumerate() {
            let mut h = HandleStack::default();
            h.open(false);
            h.push(Value::Number(0.0));
            put(&mut h, string());
            h.push(Value::Bool(true));
            assert_eq!(std::rc::Rc::strong_count(&text), 2, "way {way}");
            h.unwind_to(0);
            assert_eq!(std::rc::Rc::strong_count(&text), 1, "way {way}: the string let go of");
            assert!(h.get(CONSTANTS.len() + 1).is_none(), "way {way}: every value gone");
            // Numbers only the next time: forgotten, and gone as well.
            h.open(false);
            h.push(Value::Number(2.0));
            h.unwind_to(0);
            assert!(h.get(CONSTANTS.len() + 1).is_none(), "way {way}");
        }
    }

    #[test]
    fn cloned_values_get_consecutive_handles_above_the_top_and_over_stale_slots() {
        let values = [Value::Number(1.0), Value::Bool(true), Value::Null];
        let same = |h: &HandleStack, first: usize| {
            (0..values.len()).all(|i| h.get(first + i).is_some_and(|v| format!("{v:?}") == format!("{:?}", values[i])))
        };
        let mut h = HandleStack::default();
        h.open(false);
        let first = h.push_cloned(&values, false);
        assert!(same(&h, first) && h.len() == first - 1 + values.len());
        // Four stale slots above the top: the clones reuse the first three, in order.
        let inner = h.open(false);
        let stale = h.push_cloned(&[Value::Undefined, Value::Undefined, Value::Undefined, Value::Undefined], false);
        h.close(inner).unwrap();
        let over_stale = h.push_cloned(&values, false);
        assert_eq!(over_stale, stale);
        assert!(same(&h, over_stale) && h.len() == over_stale - 1 + values.len());
        assert_eq!(h.push(Value::Number(9.0)), over_stale + values.len(), "the top is past them");
    }

    #[test]
    fn plain_values_of_every_count_are_copied_whole_and_in_order() {
        // One and two take their own copies (a callback's usual arguments), more the bulk one.
        let values = [Value::Number(1.5), Value::Bool(true), Value::Null, Value::Number(-2.0), Value::Undefined];
        for count in 0..=values.len() {
            let mut h = HandleStack::default();
            h.open(false);
            let below = h.push(Value::Number(7.0));
            let first = h.push_cloned(&values[..count], false);
            assert_eq!(first, below + 1);
            let copied: Vec<String> = (0..count).map(|i| format!("{:?}", h.get(first + i).unwrap())).collect();
            let expected: Vec<String> = values[..count].iter().map(|v| format!("{v:?}")).collect();
            assert_eq!(copied, expected, "{count} values");
            assert_eq!(h.len(), below + count);
            assert_eq!(format!("{:?}", h.get(below).unwrap()), format!("{:?}", Value::Number(7.0)), "the one below is kept");
        }
    }

    /// `copy_of` answers a value that owns memory as a clone (a string's count goes up) and one
    /// that owns none as its copy, for a live or a stale handle; no handle, or none past the
    /// end, answers `None`. `push_with` through `push_made` grows a full stack and notes a
    /// string it makes as owning memory, so that closing every scope drops it.
    #[test]
    fn a_handle_is_copied_as_its_value_and_a_string_made_in_place_is_dropped_at_the_end() {
        let text: Rc<str> = Rc::from("copied");
        let mut h = HandleStack::default();
        let scope = h.open(false);
        let string = h.push(Value::String(JsString::Text(text.clone())));
        let number = h.push(Value::Number(3.5));
        let copy = h.copy_of(string);
        assert!(matches!(&copy, Some(Value::String(JsString::Text(t))) if Rc::ptr_eq(t, &text)));
        assert_eq!(Rc::strong_count(&text), 3, "cloned, not copied as words");
        drop(copy);
        assert!(matches!(h.copy_of(number), Some(Value::Number(n)) if n == 3.5));
        assert!(h.copy_of(0).is_none() && h.copy_of(number + 1).is_none());
        h.close(scope).unwrap();
        assert_eq!(Rc::strong_count(&text), 1, "dropped once every scope closed");
        let scope = h.open(false);
        while h.values.len() < h.values.capacity() {
            h.push(Value::Null);
        }
        let made = h.push_with(|| Value::String(JsString::Text(text.clone())));
        assert_eq!((made, h.len(), h.values.len()), (h.values.len(), made, made), "the top and the length are the new slot");
        assert!(matches!(h.copy_of(made), Some(Value::String(_))));
        assert_eq!(Rc::strong_count(&text), 2);
        h.close(scope).unwrap();
        assert_eq!(Rc::strong_count(&text), 1, "noted as owning memory: dropped, not forgotten");
    }
}
