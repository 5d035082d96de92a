//! JS function arguments (`Function<Args, Return>`), called once and in loops.

use napi::bindgen_prelude::{FnArgs, Function};
use napi::Result;
use napi_derive::napi;

use crate::objects::Point;

/// `callWith(f, x)`: `f(x)`, once.
#[napi]
pub fn call_with(f: Function<i32, i32>, x: i32) -> Result<i32> {
    f.call(x)
}

/// `mapWith(items, f)`: `items.map(x => f(x))`, one call per item, in order.
#[napi]
pub fn map_with(items: Vec<i32>, f: Function<i32, i32>) -> Result<Vec<i32>> {
    items.into_iter().map(|x| f.call(x)).collect()
}

/// `filterWith(items, pred)`: the strings for which `pred` returns true.
#[napi]
pub fn filter_with(items: Vec<String>, pred: Function<String, bool>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for s in items {
        if pred.call(s.clone())? {
            out.push(s);
        }
    }
    Ok(out)
}

/// `reduceWith(items, init, f)`: left fold calling `f(acc, x)` (two arguments).
#[napi]
pub fn reduce_with(items: Vec<f64>, init: f64, f: Function<FnArgs<(f64, f64)>, f64>) -> Result<f64> {
    let mut acc = init;
    for x in items {
        acc = f.call((acc, x).into())?;
    }
    Ok(acc)
}

/// `callNTimes(n, f)`: calls `f(i)` for i in 0..n, ignoring results; returns n.
#[napi]
pub fn call_n_times(n: u32, f: Function<u32, ()>) -> Result<u32> {
    for i in 0..n {
        f.call(i)?;
    }
    Ok(n)
}

/// `describePoint(f, x, y)`: `f({x, y})`, a callback that receives an object and returns a string.
#[napi]
pub fn describe_point(f: Function<Point, String>, x: f64, y: f64) -> Result<String> {
    f.call(Point { x, y })
}
