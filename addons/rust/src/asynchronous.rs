//! Asynchronous exports: `async fn`s run on napi-rs's tokio runtime (their promises are settled
//! from tokio's threads through a threadsafe function), `AsyncTask`s run on the Node-API
//! async-work pool, and `Promise<T>` arguments (awaited in Rust through the promise's `then`).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use napi::bindgen_prelude::{AsyncTask, Buffer, Promise, Uint8Array};
use napi::{Env, Error, Result, Status, Task};
use napi_derive::napi;

async fn pause(ms: u32) {
    tokio::time::sleep(Duration::from_millis(ms.into())).await;
}

/// `sleepAdd(a, b, ms)`: resolves with `a + b` (wrapping) after `ms` milliseconds.
#[napi]
pub async fn sleep_add(a: u32, b: u32, ms: u32) -> u32 {
    pause(ms).await;
    a.wrapping_add(b)
}

/// `delayedGreeting(name, ms)`: resolves with a string after `ms` milliseconds.
#[napi]
pub async fn delayed_greeting(name: String, ms: u32) -> String {
    pause(ms).await;
    format!("Hello, {name}, {ms} ms later!")
}

/// `delayedNothing(ms)`: resolves with `undefined`.
#[napi]
pub async fn delayed_nothing(ms: u32) {
    pause(ms).await;
}

/// `asyncFail(msg, ms)`: rejects with `Error::from_reason(msg)` (code "GenericFailure").
#[napi]
pub async fn async_fail(msg: String, ms: u32) -> Result<u32> {
    pause(ms).await;
    Err(Error::from_reason(msg))
}

/// `asyncFailWithStatus(msg)`: rejects with an `InvalidArg` status before any delay.
#[napi]
pub async fn async_fail_with_status(msg: String) -> Result<String> {
    Err(Error::new(Status::InvalidArg, msg))
}

/// `asyncCheckedDiv(a, b, ms)`: `a / b` after `ms`, or a `GenericFailure` rejection for a zero
/// divisor: one export that resolves or rejects depending on its input.
#[napi]
pub async fn async_checked_div(a: i32, b: i32, ms: u32) -> Result<i32> {
    pause(ms).await;
    a.checked_div(b).ok_or_else(|| Error::new(Status::GenericFailure, format!("cannot divide {a} by {b}")))
}

/// `asyncReverseBytes(buf)`: a new Buffer with the bytes in reverse order, computed on a tokio
/// thread from the argument's bytes.
#[napi]
pub async fn async_reverse_bytes(data: Buffer) -> Buffer {
    let mut bytes = data.to_vec();
    pause(1).await;
    bytes.reverse();
    bytes.into()
}

/// `asyncXorBytes(u8array, key)`: a new Uint8Array with every byte xor'ed with `key`.
#[napi]
pub async fn async_xor_bytes(data: Uint8Array, key: u8) -> Uint8Array {
    let out: Vec<u8> = data.iter().map(|b| b ^ key).collect();
    pause(1).await;
    out.into()
}

/// `asyncSumBytes(buf)`: the sum of the bytes (a number), or an `InvalidArg` rejection for an
/// empty buffer.
#[napi]
pub async fn async_sum_bytes(data: Buffer) -> Result<u32> {
    if data.is_empty() {
        return Err(Error::new(Status::InvalidArg, "empty buffer"));
    }
    Ok(data.iter().map(|&b| u32::from(b)).sum())
}

/// `awaitPlusOne(promise)`: awaits a JS promise of a number in Rust and resolves with it + 1;
/// a rejection of the argument rejects the result.
#[napi]
pub async fn await_plus_one(value: Promise<u32>) -> Result<u32> {
    Ok(value.await?.wrapping_add(1))
}

/// `awaitBoth(a, b)`: awaits two promises of strings and joins them.
#[napi]
pub async fn await_both(a: Promise<String>, b: Promise<String>) -> Result<String> {
    let first = a.await?;
    let second = b.await?;
    Ok(format!("{first}+{second}"))
}

/// How many `Fib` tasks ran their `finally` (read by `fibFinallyCount()`).
static FIB_FINALLY: AtomicU32 = AtomicU32::new(0);

/// A Fibonacci number computed on the async-work pool: `compute` on a worker thread, `resolve`
/// (or `reject`, which rewrites the error) and then `finally` on the JS thread.
pub struct Fib {
    n: u32,
}

impl Task for Fib {
    type Output = u64;
    type JsValue = f64;

    fn compute(&mut self) -> Result<u64> {
        if self.n > 90 {
            return Err(Error::new(Status::InvalidArg, format!("fib({}) does not fit in u64", self.n)));
        }
        let (mut a, mut b) = (0u64, 1u64);
        for _ in 0..self.n {
            (a, b) = (b, a + b);
        }
        Ok(a)
    }

    fn resolve(&mut self, _env: Env, output: u64) -> Result<f64> {
        Ok(output as f64)
    }

    fn reject(&mut self, _env: Env, err: Error) -> Result<f64> {
        Err(Error::new(err.status, format!("Fib task rejected: {}", err.reason)))
    }

    fn finally(self, _env: Env) -> Result<()> {
        FIB_FINALLY.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// `fib(n)`: a Promise of the n-th Fibonacci number, from an `AsyncTask`.
#[napi]
pub fn fib(n: u32) -> AsyncTask<Fib> {
    AsyncTask::new(Fib { n })
}

/// `fibFinallyCount()`: how many `Fib` tasks have finished (resolved or rejected) so far.
#[napi]
pub fn fib_finally_count() -> u32 {
    FIB_FINALLY.load(Ordering::SeqCst)
}

/// A task whose `resolve` fails: the promise rejects with the error `resolve` returned.
pub struct FailingResolve {
    label: String,
}

impl Task for FailingResolve {
    type Output = usize;
    type JsValue = String;

    fn compute(&mut self) -> Result<usize> {
        Ok(self.label.len())
    }

    fn resolve(&mut self, _env: Env, output: usize) -> Result<String> {
        Err(Error::new(Status::GenericFailure, format!("resolve refused {:?} ({output} bytes)", self.label)))
    }
}

/// `failingResolve(label)`: a Promise that rejects from the task's `resolve`.
#[napi]
pub fn failing_resolve(label: String) -> AsyncTask<FailingResolve> {
    AsyncTask::new(FailingResolve { label })
}
