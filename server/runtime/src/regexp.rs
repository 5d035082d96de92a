//! A compiled regular expression: what a RegExp object holds. Compiled by `regress`, an engine
//! written for ECMAScript's regular-expression semantics (backtracking, lookbehind, named
//! groups, `u` and `v` modes, UTF-16 matching), not Rust's `regex`, whose syntax and matching
//! rules differ. The JS-facing methods are in `builtins/regexp.rs`.

use super::string::JsString;

#[derive(Debug)]
pub struct RegExpData {
    /// The pattern as written (what `source` escapes).
    pub source: JsString,
    /// The flags in canonical order ("dgimsuvy").
    pub flags: String,
    pub regex: regress::Regex,
}

impl RegExpData {
    pub fn has(&self, flag: char) -> bool {
        self.flags.contains(flag)
    }
}

/// Puts `flags` in the order `RegExp.prototype.flags` lists them, or `None` when one is unknown
/// or repeated (or both `u` and `v`), which the constructor refuses.
pub fn canonical_flags(flags: &str) -> Option<String> {
    const ORDER: &str = "dgimsuvy";
    let mut seen = [false; 8];
    for c in flags.chars() {
        let i = ORDER.find(c)?;
        if seen[i] {
            return None;
        }
        seen[i] = true;
    }
    if seen[5] && seen[6] {
        return None;
    }
    Some(ORDER.chars().zip(seen).filter(|(_, s)| *s).map(|(c, _)| c).collect())
}
