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
    /// `source` compiled with `flags`, or the message of V8's SyntaxError for a bad pattern or
    /// unknown flags.
    pub fn compile(source: &JsString, flags: &str) -> Result<RegExpData, String> {
        let Some(canonical) = canonical_flags(flags) else {
            return Err(format!("Invalid flags supplied to RegExp constructor '{flags}'"));
        };
        let regress_flags = regress::Flags::new(canonical.chars().filter(|c| "imsuv".contains(*c)).map(u32::from));
        let units = source.to_utf16();
        let chars = char::decode_utf16(units.iter().copied()).map(|r| r.map_or_else(|e| u32::from(e.unpaired_surrogate()), u32::from));
        match regress::Regex::from_unicode(chars, regress_flags) {
            Ok(regex) => Ok(RegExpData { source: source.clone(), flags: canonical, regex }),
            Err(e) => Err(format!("Invalid regular expression: /{source}/{flags}: {}", v8_message(&e.text))),
        }
    }

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

/// V8's wording of the pattern errors regress reports in its own words.
fn v8_message(message: &str) -> String {
    let m = message.to_ascii_lowercase();
    let table = [
        ("unbalanced parenthesis", "Unterminated group"),
        ("unterminated group", "Unterminated group"),
        ("unbalanced bracket", "Unterminated character class"),
        ("unterminated character class", "Unterminated character class"),
        ("nothing to repeat", "Nothing to repeat"),
        ("out of order", "numbers out of order in {} quantifier"),
        ("range", "Range out of order in character class"),
        ("trailing backslash", "\\ at end of pattern"),
        ("duplicate capture group name", "Duplicate capture group name"),
        ("invalid property name", "Invalid property name"),
    ];
    table.iter().find(|(k, _)| m.contains(k)).map_or_else(|| message.to_string(), |(_, v)| v.to_string())
}
