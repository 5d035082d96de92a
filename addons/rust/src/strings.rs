//! Strings and `Option<T>` in and out.

use napi_derive::napi;

/// `greet(name)`: `"Hello, <name>!"`.
#[napi]
pub fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

/// `greetMaybe(name?)`: `"Hello, stranger!"` when `name` is `undefined` or `null`.
#[napi]
pub fn greet_maybe(name: Option<String>) -> String {
    match name {
        Some(n) => format!("Hello, {n}!"),
        None => "Hello, stranger!".to_string(),
    }
}

/// `reverse(s)`: reversed by Unicode scalar value.
#[napi]
pub fn reverse(s: String) -> String {
    s.chars().rev().collect()
}

/// `toUpper(s)`: Unicode upper case.
#[napi]
pub fn to_upper(s: String) -> String {
    s.to_uppercase()
}

/// `utf8Length(s)`: length of the UTF-8 encoding in bytes.
#[napi]
pub fn utf8_length(s: String) -> u32 {
    s.len() as u32
}

/// `charCount(s)`: number of Unicode scalar values.
#[napi]
pub fn char_count(s: String) -> u32 {
    s.chars().count() as u32
}

/// `repeatStr(s, times, sep?)`: `s` repeated, joined by `sep` (default `""`).
#[napi]
pub fn repeat_str(s: String, times: u32, sep: Option<String>) -> String {
    vec![s; times as usize].join(sep.as_deref().unwrap_or(""))
}

/// `findIndex(haystack, needle)`: byte index of `needle`, or `null` when absent.
#[napi]
pub fn find_index(haystack: String, needle: String) -> Option<u32> {
    haystack.find(&needle).map(|i| i as u32)
}

/// `doubleOrNull(n?)`: `2n`, or `null` when `n` is `undefined`/`null`.
#[napi]
pub fn double_or_null(n: Option<i32>) -> Option<i32> {
    n.map(|v| v.wrapping_mul(2))
}
