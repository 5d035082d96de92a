//! napi-rs threadsafe functions: JS callbacks called from Rust threads (in the order made, with
//! napi-rs's error-first convention), and from a tokio task that awaits what the callback
//! returns.

use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Error, Result, Status};
use napi_derive::napi;

/// `callFromThread(callback, count)`: a Rust thread calls `callback(null, i)` for each i in
/// 0..count, then `callback(error)` once with an `InvalidArg` error saying it is done.
#[napi]
pub fn call_from_thread(callback: ThreadsafeFunction<u32>, count: u32) {
    std::thread::spawn(move || {
        for i in 0..count {
            callback.call(Ok(i), ThreadsafeFunctionCallMode::Blocking);
        }
        let done = Error::new(Status::InvalidArg, format!("no more values after {count}"));
        callback.call(Err(done), ThreadsafeFunctionCallMode::Blocking);
    });
}

/// `askJs(callback, x)`: calls `callback(null, x)` from a tokio task and resolves with the
/// number it returns (or rejects with why it could not).
#[napi]
pub async fn ask_js(callback: ThreadsafeFunction<u32, u32>, x: u32) -> Result<u32> {
    callback.call_async(Ok(x)).await
}
