//! What the Node-API functions an addon calls on every call ask of a handle's value (its type,
//! whether it is a view, a view's buffer and memory), read where the value and its object lie:
//! no borrow flag counted up and down, no copy of the value or of the view made to read two
//! fields of it, and a view's buffer found in the same look at the heap as the view. Each
//! answer is plain data; `Runtime::number_at` reads a number the same way.

use super::call::callable_in;
use super::handles::HandleStack;
use super::heap::Heap;
use super::object::{Backing, Callable, ObjectClass, TypedArrayKind, View};
use super::object_id::ObjectId;
use super::value::{Type, Value};
use super::Runtime;

/// What kind of view a value is, if any: what `napi_is_typedarray`, `napi_is_dataview` and
/// `napi_is_buffer` tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    /// Not a view (a primitive, or an object of another class).
    None,
    /// A DataView.
    DataView,
    /// A typed array of this element type (a Node Buffer is a Uint8Array).
    Typed(TypedArrayKind),
}

/// A view as the info functions report it: the view's own fields and its buffer's memory.
#[derive(Clone, Copy, Debug)]
pub struct ViewAt {
    /// The element type; `None` for a DataView.
    pub kind: Option<TypedArrayKind>,
    pub buffer: ObjectId,
    pub byte_offset: usize,
    /// Elements for typed arrays, bytes for DataViews.
    pub length: usize,
    /// The buffer's first byte; null once it is detached, and for an empty buffer (V8 gives an
    /// empty backing store no memory: node's `data` is NULL there).
    pub base: *mut u8,
}

impl ViewAt {
    /// The view's first byte: null where the buffer has no memory.
    #[inline(always)]
    pub fn data(&self) -> *mut u8 {
        if self.base.is_null() {
            self.base
        } else {
            self.base.wrapping_add(self.byte_offset)
        }
    }
}

/// A buffer's memory where a shared look can read it: `None` for memory the host owns (a
/// boxed slice, `Backing::Owned`), whose address for writing is taken through a mutable borrow.
#[inline(always)]
fn shared_base(heap: &Heap, buffer: ObjectId) -> Option<*mut u8> {
    let Some(ObjectClass::ArrayBuffer(data)) = heap.get(buffer).map(|o| &o.class) else {
        // A view always holds its buffer, which lives as long as the view: no memory to report
        // otherwise, as for a detached one.
        return Some(std::ptr::null_mut());
    };
    let (ptr, len) = match &data.backing {
        Backing::Shared(block) => (block.ptr(), block.len()),
        Backing::External { ptr, len } => (*ptr as *mut u8, *len),
        Backing::Detached(_) => return Some(std::ptr::null_mut()),
        Backing::Owned(bytes) if bytes.is_empty() => return Some(std::ptr::null_mut()),
        Backing::Owned(_) => return None,
    };
    Some(if len == 0 { std::ptr::null_mut() } else { ptr })
}

impl Runtime {
    /// `f` of the handles and the heap, borrowed with no flag counted: for the reads below,
    /// made on every Node-API call that asks about an argument.
    ///
    /// `f` must borrow neither cell mutably nor call anything that could (only the reads in
    /// this file pass one, each reading fields and nothing else).
    #[inline(always)]
    fn read_unguarded<R>(&self, f: impl FnOnce(&HandleStack, &Heap) -> R) -> R {
        // SAFETY: both references are dropped before this function returns, and `f` (this
        // file's, reading fields, or reading the heap through `heap()`) neither borrows these
        // cells mutably nor calls anything that could; a mutable borrow in force answers an
        // error instead, which panics as `handles()` and `heap()` would.
        let handles = unsafe { self.handles.try_borrow_unguarded() }.expect("the handles are not being changed");
        // SAFETY: as above.
        let heap = unsafe { self.heap.try_borrow_unguarded() }.expect("the heap is not being changed");
        f(handles, heap)
    }

    /// The type of the value of a handle, live or stale (`napi_typeof`): `None` for no such
    /// handle.
    #[inline(always)]
    pub fn type_at(&self, handle: usize) -> Option<Type> {
        self.read_unguarded(|handles, _| Some(self.type_of(handles.get(handle)?)))
    }

    /// What kind of view the value of a handle is (`napi_is_typedarray` and its kin): `None`
    /// for no such handle.
    #[inline(always)]
    pub fn view_kind_at(&self, handle: usize) -> Option<ViewKind> {
        self.read_unguarded(|handles, heap| {
            Some(match view_in(handles.get(handle)?, heap) {
                Some(View { kind: Some(kind), .. }) => ViewKind::Typed(*kind),
                Some(View { kind: None, .. }) => ViewKind::DataView,
                None => ViewKind::None,
            })
        })
    }

    /// The view the value of a handle is, with its buffer's memory (the info functions):
    /// `None` for no such handle, `Some(None)` for a value that is no view.
    #[inline(always)]
    pub fn view_at(&self, handle: usize) -> Option<Option<ViewAt>> {
        let found = self.read_unguarded(|handles, heap| {
            let Some(view) = view_in(handles.get(handle)?, heap) else { return Some(None) };
            let at = ViewAt {
                kind: view.kind,
                buffer: view.buffer,
                byte_offset: view.byte_offset,
                length: view.length,
                base: std::ptr::null_mut(),
            };
            Some(Some((at, shared_base(heap, view.buffer))))
        })?;
        let Some((mut view, base)) = found else { return Some(None) };
        view.base = base.unwrap_or_else(|| self.owned_base(view.buffer));
        Some(Some(view))
    }

    /// The function the value of a handle is, if it is one (an object the runtime can call: a
    /// function, or a proxy of one): `None` for no such handle, `Some(None)` for any other
    /// value. For `napi_call_function` and its kin, on every call: the value was cloned out of
    /// its slot through a jump on its kind and tested by a second, counted borrow of the heap.
    #[inline(always)]
    pub fn callable_at(&self, handle: usize) -> Option<Option<ObjectId>> {
        self.read_unguarded(|handles, heap| {
            let Value::Object(id) = handles.get(handle)? else { return Some(None) };
            Some(heap.get(*id).is_some_and(|o| o.is_callable()).then_some(*id))
        })
    }

    /// What calling the value of a handle runs (`callable_at`'s test, the callable copied out
    /// in the same look), for `Runtime::call_found`: `None` for no such handle, `Some(None)`
    /// for a value that cannot be called. `napi_call_function`'s, on every call: the function
    /// was looked up again by `call_owned`.
    #[inline(always)]
    pub fn call_target_at(&self, handle: usize) -> Option<Option<Callable>> {
        self.read_unguarded(|handles, heap| {
            let Value::Object(id) = handles.get(handle)? else { return Some(None) };
            Some(heap.get(*id).and_then(|o| callable_in(*id, o)))
        })
    }

    /// The first byte of a buffer whose memory the host owns, taken through a mutable borrow
    /// (the address an addon writes through): rare, for a host without shared memory.
    #[cold]
    #[inline(never)]
    fn owned_base(&self, buffer: ObjectId) -> *mut u8 {
        let mut heap = self.heap.borrow_mut();
        match heap.get_mut(buffer).map(|o| &mut o.class) {
            Some(ObjectClass::ArrayBuffer(data)) => data.memory().0,
            _ => std::ptr::null_mut(),
        }
    }
}

/// The view `value` is, where it lies in `heap`.
#[inline(always)]
fn view_in<'h>(value: &Value, heap: &'h Heap) -> Option<&'h View> {
    let Value::Object(id) = value else { return None };
    match &heap.get(*id)?.class {
        ObjectClass::View(view) => Some(view),
        _ => None,
    }
}
