//! JavaScript strings.
//!
//! JS strings are sequences of UTF-16 code units and may hold lone surrogates. Almost every string
//! an addon or Python makes is well-formed, so those are kept as UTF-8 (`Rc<str>`), which is what
//! the wire and most addons want; only ill-formed UTF-16 is kept as code units.

use std::fmt;
use std::rc::Rc;

#[derive(Clone)]
pub enum JsString {
    Text(Rc<str>),
    /// UTF-16 that does not decode to Unicode (it holds a lone surrogate).
    Units(Rc<[u16]>),
}

impl JsString {
    pub fn from_utf16(units: &[u16]) -> JsString {
        match String::from_utf16(units) {
            Ok(s) => JsString::Text(s.into()),
            Err(_) => JsString::Units(units.into()),
        }
    }

    /// Latin-1: each byte is one code point U+0000..U+00FF.
    pub fn from_latin1(bytes: &[u8]) -> JsString {
        JsString::Text(bytes.iter().map(|&b| b as char).collect::<String>().into())
    }

    /// Decodes UTF-8 as V8 does: each maximal invalid subsequence becomes U+FFFD.
    pub fn from_utf8_lossy(bytes: &[u8]) -> JsString {
        // Valid UTF-8 (nearly every string) is checked by the faster validator first.
        match std::str::from_utf8(bytes) {
            Ok(text) => JsString::Text(text.into()),
            Err(_) => JsString::Text(String::from_utf8_lossy(bytes).into()),
        }
    }

    /// The text, with lone surrogates replaced by U+FFFD (what UTF-8 output gives in Node).
    pub fn to_rust_string(&self) -> String {
        match self {
            JsString::Text(s) => String::from(&**s),
            JsString::Units(u) => String::from_utf16_lossy(u),
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            JsString::Text(s) => Some(s),
            JsString::Units(_) => None,
        }
    }

    pub fn to_utf16(&self) -> Vec<u16> {
        match self {
            JsString::Text(s) => s.encode_utf16().collect(),
            JsString::Units(u) => u.to_vec(),
        }
    }

    /// Length of the UTF-8 `to_rust_string` gives, without making it.
    pub fn len_utf8(&self) -> usize {
        match self {
            JsString::Text(s) => s.len(),
            // A lone surrogate becomes U+FFFD: three bytes, as any unit of U+0800..U+FFFF.
            JsString::Units(u) => char::decode_utf16(u.iter().copied()).map(|c| c.map_or(3, char::len_utf8)).sum(),
        }
    }

    /// Length in UTF-16 code units, as `String.prototype.length`.
    pub fn len_utf16(&self) -> usize {
        match self {
            JsString::Text(s) => s.chars().map(char::len_utf16).sum(),
            JsString::Units(u) => u.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            JsString::Text(s) => s.is_empty(),
            JsString::Units(u) => u.is_empty(),
        }
    }
}

/// The code point at unit `k` of `s` (a surrogate pair read whole, a lone surrogate as itself),
/// and how many units it takes: ECMA-262's `CodePointAt`, which the string, its iterator and
/// regular expressions' unicode mode step by.
pub fn code_point(s: &[u16], k: usize) -> (u32, usize) {
    let first = s[k];
    if (0xd800..0xdc00).contains(&first) {
        if let Some(&second) = s.get(k + 1) {
            if (0xdc00..0xe000).contains(&second) {
                return (0x10000 + ((u32::from(first) - 0xd800) << 10) + (u32::from(second) - 0xdc00), 2);
            }
        }
    }
    (u32::from(first), 1)
}

impl PartialEq for JsString {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            // Names an addon repeats share one string (the name cache): equal without a look.
            (JsString::Text(a), JsString::Text(b)) => Rc::ptr_eq(a, b) || a == b,
            _ => self.to_utf16() == other.to_utf16(),
        }
    }
}

impl Eq for JsString {}

impl std::hash::Hash for JsString {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Well-formed Units never exist (from_utf16 makes Text), so hashing by variant content is
        // consistent with `eq`.
        match self {
            JsString::Text(s) => s.hash(state),
            JsString::Units(u) => u.hash(state),
        }
    }
}

impl From<&str> for JsString {
    fn from(s: &str) -> Self {
        JsString::Text(s.into())
    }
}

impl From<String> for JsString {
    fn from(s: String) -> Self {
        JsString::Text(s.into())
    }
}

impl fmt::Debug for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_rust_string())
    }
}

impl fmt::Display for JsString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rust_string())
    }
}
