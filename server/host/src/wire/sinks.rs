//! Why a copy stops ([`Stop`], [`TooLarge`]) and the sinks a copy goes through.

use std::marker::PhantomData;

use napi_protocol as proto;
use proto::value_tree::{TreeBuilder, ValueSink};
use proto::{Failure, FailureKind};

/// A value of more than `napi_protocol::MAX_VALUES` values: not copied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLarge;

impl TooLarge {
    pub fn message(self) -> String {
        format!("{} (pass it by reference, e.g. as a JSON string or an object of the addon's)", proto::too_many_values())
    }
}

impl From<TooLarge> for Failure {
    fn from(t: TooLarge) -> Failure {
        Failure { kind: FailureKind::TooLarge, message: t.message() }
    }
}

/// A copy of a container into the sink it is given ([`ToWire::value_or_copy`](super::ToWire::value_or_copy)).
pub type CopyInto<'a, E> = dyn FnMut(&mut dyn ValueSink<Error = E>) -> Result<(), Stop<E>> + 'a;

/// A sink whose leaves `before` sees first.
pub(crate) struct Looking<'s, E, F> {
    pub sink: &'s mut dyn ValueSink<Error = E>,
    pub before: F,
}

impl<E, F: FnMut(&proto::Value)> ValueSink for Looking<'_, E, F> {
    type Error = E;

    fn leaf(&mut self, v: proto::Value) -> Result<(), E> {
        (self.before)(&v);
        self.sink.leaf(v)
    }

    fn text(&mut self, text: &str) -> Result<(), E> {
        self.sink.text(text)
    }

    fn open_array(&mut self, len: usize) -> Result<(), E> {
        self.sink.open_array(len)
    }

    fn open_object(&mut self, len: usize) -> Result<(), E> {
        self.sink.open_object(len)
    }

    fn key(&mut self, key: &str) -> Result<(), E> {
        self.sink.key(key)
    }

    fn leaves(&mut self, items: Vec<proto::Value>) -> Result<(), E> {
        // Leaves of an array of leaves are no buffers: nothing to look at.
        self.sink.leaves(items)
    }

    fn leaf_object(&mut self, keys: &[&str], values: Vec<proto::Value>) -> Result<(), E> {
        // Nor are the scalars of an object of leaves.
        self.sink.leaf_object(keys, values)
    }
}

/// A tree builder as a sink of the error another sink has (an in-process caller's): it never
/// refuses.
pub(super) struct RefusingNothing<E>(pub(super) TreeBuilder, pub(super) PhantomData<fn() -> E>);

impl<E> ValueSink for RefusingNothing<E> {
    type Error = E;

    fn leaf(&mut self, v: proto::Value) -> Result<(), E> {
        let Ok(()) = self.0.leaf(v);
        Ok(())
    }

    fn text(&mut self, text: &str) -> Result<(), E> {
        let Ok(()) = self.0.text(text);
        Ok(())
    }

    fn open_array(&mut self, len: usize) -> Result<(), E> {
        let Ok(()) = ValueSink::open_array(&mut self.0, len);
        Ok(())
    }

    fn open_object(&mut self, len: usize) -> Result<(), E> {
        let Ok(()) = ValueSink::open_object(&mut self.0, len);
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<(), E> {
        let Ok(()) = ValueSink::key(&mut self.0, key);
        Ok(())
    }

    fn leaves(&mut self, items: Vec<proto::Value>) -> Result<(), E> {
        let Ok(()) = self.0.leaves(items);
        Ok(())
    }
}

/// Why a copy stopped: the value is too large, or its sink refused a part.
#[derive(Debug)]
pub enum Stop<E> {
    TooLarge,
    Sink(E),
}

impl Stop<std::convert::Infallible> {
    /// A tree builder refuses nothing: only the size stops its copy.
    pub(super) fn too_large(self) -> TooLarge {
        TooLarge
    }
}
