//! Names that Python wrappers like to use for themselves: a class made only by a static factory
//! named `new` (Rust's constructor idiom, so the class has no JS constructor), with methods named
//! `call`, `apply`, `bind`, `close` and `path`, as database and file-handle libraries have them.
//! Each is reached by its JS spelling from Python (`tests/api/test_js_names.py`).

use napi_derive::napi;

#[napi]
pub struct Connection {
    uri: String,
    open: bool,
    calls: u32,
}

#[napi]
impl Connection {
    /// `Connection.new(uri)`: the only way to make one (`new Connection()` throws in node).
    #[napi(factory)]
    pub fn new(uri: String) -> Self {
        Connection { uri, open: true, calls: 0 }
    }

    /// `c.call(query)`: counts the call, answers what it ran.
    #[napi]
    pub fn call(&mut self, query: String) -> String {
        self.calls += 1;
        format!("{} ran {query} (call {})", self.uri, self.calls)
    }

    /// `c.apply(a, b)`: a method named like `Function.prototype.apply`.
    #[napi]
    pub fn apply(&self, a: i32, b: i32) -> i32 {
        a * b
    }

    /// `c.bind(port)`: a method named like `Function.prototype.bind`.
    #[napi]
    pub fn bind(&self, port: u32) -> String {
        format!("{} bound to {port}", self.uri)
    }

    /// `c.close()`: true the first time, false after.
    #[napi]
    pub fn close(&mut self) -> bool {
        std::mem::replace(&mut self.open, false)
    }

    /// `c.path()`: the URI it was made with.
    #[napi]
    pub fn path(&self) -> String {
        self.uri.clone()
    }

    /// `c.isOpen` (getter).
    #[napi(getter)]
    pub fn is_open(&self) -> bool {
        self.open
    }
}
