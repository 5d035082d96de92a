//! A sink that keeps what its inner sink refused, for a walk whose error type is another's.

use napi_protocol::value_tree::ValueSink;
use napi_protocol::Value;

/// A sink whose refusals are kept here, its user told only that it refused (`refused()`).
pub struct Keeping<'s, S: ValueSink + ?Sized, E> {
    sink: &'s mut S,
    pub kept: Option<S::Error>,
    refused: fn() -> E,
}

impl<'s, S: ValueSink + ?Sized, E> Keeping<'s, S, E> {
    pub fn new(sink: &'s mut S, refused: fn() -> E) -> Self {
        Keeping { sink, kept: None, refused }
    }

    fn kept(&mut self, r: Result<(), S::Error>) -> Result<(), E> {
        r.map_err(|e| {
            self.kept = Some(e);
            (self.refused)()
        })
    }
}

impl<S: ValueSink + ?Sized, E> ValueSink for Keeping<'_, S, E> {
    type Error = E;

    fn leaf(&mut self, v: Value) -> Result<(), E> {
        let r = self.sink.leaf(v);
        self.kept(r)
    }

    fn text(&mut self, text: &str) -> Result<(), E> {
        let r = self.sink.text(text);
        self.kept(r)
    }

    fn open_array(&mut self, len: usize) -> Result<(), E> {
        let r = self.sink.open_array(len);
        self.kept(r)
    }

    fn open_object(&mut self, len: usize) -> Result<(), E> {
        let r = self.sink.open_object(len);
        self.kept(r)
    }

    fn key(&mut self, key: &str) -> Result<(), E> {
        let r = self.sink.key(key);
        self.kept(r)
    }

    fn leaves(&mut self, items: Vec<Value>) -> Result<(), E> {
        let r = self.sink.leaves(items);
        self.kept(r)
    }

    fn leaf_object(&mut self, keys: &[&str], values: Vec<Value>) -> Result<(), E> {
        let r = self.sink.leaf_object(keys, values);
        self.kept(r)
    }
}
