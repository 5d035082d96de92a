//! A class: `#[napi] struct Counter` with a constructor, methods, getters/setters, a factory
//! and a static method.

use napi::{Error, Result, Status};
use napi_derive::napi;

#[napi]
pub struct Counter {
    value: i64,
    step: i64,
}

#[napi]
impl Counter {
    /// `new Counter(initial?)`: starts at `initial` (default 0), step 1.
    #[napi(constructor)]
    pub fn new(initial: Option<i64>) -> Self {
        Counter { value: initial.unwrap_or(0), step: 1 }
    }

    /// `Counter.withStep(initial, step)`: a factory (static, returns an instance).
    #[napi(factory)]
    pub fn with_step(initial: i64, step: i64) -> Self {
        Counter { value: initial, step }
    }

    /// `Counter.describe()`: a plain static method.
    #[napi]
    pub fn describe() -> String {
        "Counter: counts by a step".to_string()
    }

    /// `c.increment()`: adds the step, returns the new value.
    #[napi]
    pub fn increment(&mut self) -> i64 {
        self.value += self.step;
        self.value
    }

    /// `c.add(n)`: adds `n`, returns the new value.
    #[napi]
    pub fn add(&mut self, n: i64) -> i64 {
        self.value += n;
        self.value
    }

    /// `c.reset()`: back to 0, returns undefined.
    #[napi]
    pub fn reset(&mut self) {
        self.value = 0;
    }

    /// `c.value` (getter).
    #[napi(getter)]
    pub fn value(&self) -> i64 {
        self.value
    }

    /// `c.value = v` (setter).
    #[napi(setter)]
    pub fn set_value(&mut self, v: i64) {
        self.value = v;
    }

    /// `c.step` (getter).
    #[napi(getter)]
    pub fn step(&self) -> i64 {
        self.step
    }

    /// `c.step = s` (setter): throws `InvalidArg` for 0, leaving the step unchanged.
    #[napi(setter)]
    pub fn set_step(&mut self, s: i64) -> Result<()> {
        if s == 0 {
            return Err(Error::new(Status::InvalidArg, "step must not be 0"));
        }
        self.step = s;
        Ok(())
    }

    /// `c.toString()`.
    #[napi]
    #[allow(clippy::inherent_to_string)]
    pub fn to_string(&self) -> String {
        format!("Counter({}, step {})", self.value, self.step)
    }
}
