//! `String`, `String.fromCharCode`/`fromCodePoint`/`raw`, and the `String.prototype` methods
//! that take no regular expression. Strings are UTF-16 code units, as JS sees them, so the
//! methods work on units (surrogate pairs count twice, lone surrogates survive). The methods
//! that may take a RegExp (`match`, `replace`, `search`, `split`...) are in `string_regexp`.

use unicode_normalization::UnicodeNormalization;

use super::super::collections::IterationKind;
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::realm::{Builder, Realm};
use super::super::string::{code_point, JsString};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{adopt_prototype, arg, class_of, relative_index, this_string, to_integer, units_value};
use super::define::symbol_method;
use super::iterator::new_iterator;

/// The longest string V8 makes (2^29 - 24 units); longer is "Invalid string length".
pub const MAX_LENGTH: usize = (1 << 29) - 24;

pub fn install(b: &mut Builder, realm: &Realm) {
    let string = b.constructor(realm.global, "String", 1, string_ctor, realm.string_prototype);
    b.method(string, "fromCharCode", 1, from_char_code);
    b.method(string, "fromCodePoint", 1, from_code_point);
    b.method(string, "raw", 1, raw);
    let p = realm.string_prototype;
    b.method(p, "toString", 0, to_string);
    b.method(p, "valueOf", 0, value_of);
    b.method(p, "at", 1, at);
    b.method(p, "charAt", 1, char_at);
    b.method(p, "charCodeAt", 1, char_code_at);
    b.method(p, "codePointAt", 1, code_point_at);
    b.method(p, "concat", 1, concat);
    b.method(p, "endsWith", 1, ends_with);
    b.method(p, "includes", 1, includes);
    b.method(p, "indexOf", 1, index_of);
    b.method(p, "lastIndexOf", 1, last_index_of);
    b.method(p, "localeCompare", 1, locale_compare);
    b.method(p, "normalize", 0, normalize);
    b.method(p, "padEnd", 1, pad_end);
    b.method(p, "padStart", 1, pad_start);
    b.method(p, "repeat", 1, repeat);
    b.method(p, "slice", 2, slice);
    b.method(p, "startsWith", 1, starts_with);
    b.method(p, "substring", 2, substring);
    b.method(p, "substr", 2, substr);
    b.method(p, "toLowerCase", 0, to_lower_case);
    b.method(p, "toUpperCase", 0, to_upper_case);
    b.method(p, "toLocaleLowerCase", 0, to_lower_case);
    b.method(p, "toLocaleUpperCase", 0, to_upper_case);
    b.method(p, "trim", 0, trim);
    // trimLeft and trimRight are the very trimStart and trimEnd functions (Annex B).
    let start = b.method(p, "trimStart", 0, trim_start);
    let end = b.method(p, "trimEnd", 0, trim_end);
    b.value(p, "trimLeft", Value::Object(start));
    b.value(p, "trimRight", Value::Object(end));
    b.method(p, "isWellFormed", 0, is_well_formed);
    b.method(p, "toWellFormed", 0, to_well_formed);
    symbol_method(b, p, realm.symbol_iterator, "[Symbol.iterator]", 0, iterator);
    for (name, length) in [
        ("anchor", 1),
        ("big", 0),
        ("blink", 0),
        ("bold", 0),
        ("fixed", 0),
        ("fontcolor", 1),
        ("fontsize", 1),
        ("italics", 0),
        ("link", 1),
        ("small", 0),
        ("strike", 0),
        ("sub", 0),
        ("sup", 0),
    ] {
        b.method(p, name, length, html_method(name));
    }
}

fn string_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let s = match args.first() {
        None => JsString::from(""),
        Some(Value::Symbol(s)) if nt.is_none() => rt.symbol_display(*s).into(),
        Some(v) => rt.to_string(v)?,
    };
    match nt {
        None => Ok(Value::String(s)),
        Some(nt) => {
            let id = rt.to_object(&Value::String(s)).expect("strings box");
            adopt_prototype(rt, id, nt)?;
            Ok(Value::Object(id))
        }
    }
}

/// The string `this` is (a string or a String wrapper), for `toString`/`valueOf`.
fn this_string_value(rt: &Runtime, this: &Value, method: &str) -> JsResult<JsString> {
    match this {
        Value::String(s) => Ok(s.clone()),
        Value::Object(id) => match class_of(rt, &Value::Object(*id)).as_ref() {
            Some(ObjectClass::Primitive(Value::String(s))) => Ok(s.clone()),
            _ => Err(rt.type_error(format!("String.prototype.{method} requires that 'this' be a String"))),
        },
        _ => Err(rt.type_error(format!("String.prototype.{method} requires that 'this' be a String"))),
    }
}

fn to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_string_value(rt, &this, "toString").map(Value::String)
}

fn value_of(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_string_value(rt, &this, "valueOf").map(Value::String)
}

/// The units of `this` after `RequireObjectCoercible` and `ToString`.
fn units(rt: &Runtime, this: &Value, method: &str) -> JsResult<Vec<u16>> {
    Ok(this_string(rt, this, method)?.to_utf16())
}

fn checked(rt: &Runtime, units: Vec<u16>) -> JsResult<Value> {
    if units.len() > MAX_LENGTH {
        return Err(rt.range_error("Invalid string length".into()));
    }
    Ok(units_value(&units))
}

fn from_char_code(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let units: JsResult<Vec<u16>> = args.iter().map(|a| Ok(super::super::number::to_uint32(rt.to_number(a)?) as u16)).collect();
    Ok(units_value(&units?))
}

fn from_code_point(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut out = Vec::new();
    for a in args {
        let n = rt.to_number(a)?;
        if n.fract() != 0.0 || !(0.0..=1114111.0).contains(&n) {
            return Err(rt.range_error(format!("Invalid code point {}", rt.to_string(&Value::Number(n))?)));
        }
        push_code_point(&mut out, n as u32);
    }
    checked(rt, out)
}

fn push_code_point(out: &mut Vec<u16>, cp: u32) {
    if cp < 0x10000 {
        out.push(cp as u16);
    } else {
        let c = cp - 0x10000;
        out.push(0xd800 + (c >> 10) as u16);
        out.push(0xdc00 + (c & 0x3ff) as u16);
    }
}

/// `String.raw({raw}, ...subs)`: the raw strings with the substitutions between them.
fn raw(rt: &Runtime, _: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let cooked = super::object::require_object(rt, &arg(args, 0))?;
    let raw = rt.get_named(&Value::Object(cooked), "raw")?;
    let raw = Value::Object(super::object::require_object(rt, &raw)?);
    let len = super::coerce::length_of(rt, &raw)?;
    let mut out = Vec::new();
    let mut i = 0.0;
    while i < len {
        out.extend(rt.to_string(&super::coerce::get_index(rt, &raw, i)?)?.to_utf16());
        if i + 1.0 < len {
            if let Some(sub) = args.get(i as usize + 1) {
                out.extend(rt.to_string(sub)?.to_utf16());
            }
        }
        i += 1.0;
    }
    checked(rt, out)
}

fn at(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "at")?;
    let rel = to_integer(rt, &arg(args, 0))?;
    let k = if rel >= 0.0 { rel } else { s.len() as f64 + rel };
    Ok(if k < 0.0 || k >= s.len() as f64 { Value::Undefined } else { units_value(&s[k as usize..k as usize + 1]) })
}

fn char_at(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "charAt")?;
    let k = to_integer(rt, &arg(args, 0))?;
    Ok(if k < 0.0 || k >= s.len() as f64 { Value::str("") } else { units_value(&s[k as usize..k as usize + 1]) })
}

fn char_code_at(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "charCodeAt")?;
    let k = to_integer(rt, &arg(args, 0))?;
    Ok(Value::Number(if k < 0.0 || k >= s.len() as f64 { f64::NAN } else { f64::from(s[k as usize]) }))
}

fn code_point_at(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "codePointAt")?;
    let k = to_integer(rt, &arg(args, 0))?;
    Ok(if k < 0.0 || k >= s.len() as f64 { Value::Undefined } else { Value::Number(f64::from(code_point(&s, k as usize).0)) })
}

fn concat(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let mut s = units(rt, &this, "concat")?;
    for a in args {
        s.extend(rt.to_string(a)?.to_utf16());
        if s.len() > MAX_LENGTH {
            return Err(rt.range_error("Invalid string length".into()));
        }
    }
    Ok(units_value(&s))
}

/// The search string of `startsWith`/`endsWith`/`includes`, which refuse a RegExp.
fn search_string(rt: &Runtime, v: &Value, method: &str) -> JsResult<Vec<u16>> {
    if super::regexp::is_regexp(rt, v)? {
        return Err(rt.type_error(format!("First argument to String.prototype.{method} must not be a regular expression")));
    }
    Ok(rt.to_string(v)?.to_utf16())
}

/// The first index >= `from` where `needle` occurs in `hay`.
pub(super) fn find_units(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return (from <= hay.len()).then_some(from);
    }
    if needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

fn starts_with(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "startsWith")?;
    let needle = search_string(rt, &arg(args, 0), "startsWith")?;
    let start = relative_clamp(rt, args.get(1), s.len(), 0.0)?;
    Ok(Value::Bool(s[start..].starts_with(&needle)))
}

fn ends_with(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "endsWith")?;
    let needle = search_string(rt, &arg(args, 0), "endsWith")?;
    let end = relative_clamp(rt, args.get(1), s.len(), s.len() as f64)?;
    Ok(Value::Bool(s[..end].ends_with(&needle)))
}

/// A position argument clamped to 0..len (no counting from the end), `undefined` = `default`.
fn relative_clamp(rt: &Runtime, v: Option<&Value>, len: usize, default: f64) -> JsResult<usize> {
    let n = match v {
        None | Some(Value::Undefined) => default,
        Some(v) => to_integer(rt, v)?,
    };
    Ok(n.clamp(0.0, len as f64) as usize)
}

fn includes(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "includes")?;
    let needle = search_string(rt, &arg(args, 0), "includes")?;
    let start = relative_clamp(rt, args.get(1), s.len(), 0.0)?;
    Ok(Value::Bool(find_units(&s, &needle, start).is_some()))
}

fn index_of(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "indexOf")?;
    let needle = rt.to_string(&arg(args, 0))?.to_utf16();
    let start = relative_clamp(rt, args.get(1), s.len(), 0.0)?;
    Ok(Value::Number(find_units(&s, &needle, start).map_or(-1.0, |i| i as f64)))
}

fn last_index_of(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "lastIndexOf")?;
    let needle = rt.to_string(&arg(args, 0))?.to_utf16();
    let pos = rt.to_number(&arg(args, 1))?;
    let pos = if pos.is_nan() { f64::INFINITY } else { pos.trunc() };
    let start = pos.clamp(0.0, s.len() as f64) as usize;
    if needle.len() > s.len() {
        return Ok(Value::Number(-1.0));
    }
    let last = start.min(s.len() - needle.len());
    Ok(Value::Number((0..=last).rev().find(|&i| s[i..i + needle.len()] == needle[..]).map_or(-1.0, |i| i as f64)))
}

/// Where a character sorts among the ASCII symbols in the root collation order ICU uses:
/// whitespace, then punctuation and symbols in this order, then digits, then letters.
fn symbol_rank(c: char) -> Option<u32> {
    const ORDER: &str = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
    if c.is_whitespace() {
        return Some(0);
    }
    ORDER.find(c).map(|i| i as u32 + 1)
}

/// A three-level comparison key in the spirit of the root collation: base characters first
/// (case and accents ignored), then accents, then case (lower before upper).
/// Primary keys (class, base), secondary keys (accents), tertiary keys (upper case).
type CollationKey = (Vec<(u32, u32)>, Vec<Vec<char>>, Vec<bool>);

fn collation_levels(s: &str) -> CollationKey {
    let mut primary = Vec::new();
    let mut secondary = Vec::new();
    let mut tertiary = Vec::new();
    for c in s.chars() {
        let decomposed: Vec<char> = std::iter::once(c).nfd().collect();
        let base = decomposed[0];
        let marks: Vec<char> = decomposed[1..].to_vec();
        let lower = base.to_lowercase().next().unwrap_or(base);
        let class = match symbol_rank(base) {
            Some(r) => (0, r),
            None if base.is_ascii_digit() => (1, base as u32),
            None => (2, lower as u32),
        };
        primary.push(class);
        secondary.push(marks);
        tertiary.push(base.is_uppercase());
    }
    (primary, secondary, tertiary)
}

fn locale_compare(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let a = this_string(rt, &this, "localeCompare")?.to_rust_string();
    let b = rt.to_string(&arg(args, 0))?.to_rust_string();
    let (ka, kb) = (collation_levels(&a), collation_levels(&b));
    let order = ka.0.cmp(&kb.0).then_with(|| ka.1.cmp(&kb.1)).then_with(|| ka.2.cmp(&kb.2)).then_with(|| a.cmp(&b));
    Ok(Value::Number(match order {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}

fn normalize(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = this_string(rt, &this, "normalize")?;
    let form = match arg(args, 0) {
        Value::Undefined => "NFC".to_string(),
        v => rt.to_string(&v)?.to_rust_string(),
    };
    let units = s.to_utf16();
    // Lone surrogates pass through unchanged; the well-formed runs between them are normalized.
    let mut out: Vec<u16> = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<u16>| -> Option<()> {
        let n: String = match form.as_str() {
            "NFC" => run.nfc().collect(),
            "NFD" => run.nfd().collect(),
            "NFKC" => run.nfkc().collect(),
            "NFKD" => run.nfkd().collect(),
            _ => return None,
        };
        out.extend(n.encode_utf16());
        run.clear();
        Some(())
    };
    for r in char::decode_utf16(units.iter().copied()) {
        match r {
            Ok(c) => run.push(c),
            Err(e) => {
                if flush(&mut run, &mut out).is_none() {
                    break;
                }
                out.push(e.unpaired_surrogate());
            }
        }
    }
    if flush(&mut run, &mut out).is_none() {
        return Err(rt.range_error("The normalization form should be one of NFC, NFD, NFKC, NFKD.".into()));
    }
    Ok(units_value(&out))
}

fn pad(rt: &Runtime, this: &Value, args: &[Value], method: &str, at_start: bool) -> JsResult<Value> {
    let s = units(rt, this, method)?;
    let max = super::coerce::to_length(rt, &arg(args, 0))?;
    if max <= s.len() as f64 {
        return Ok(units_value(&s));
    }
    let filler = match arg(args, 1) {
        Value::Undefined => vec![b' ' as u16],
        v => rt.to_string(&v)?.to_utf16(),
    };
    if filler.is_empty() {
        return Ok(units_value(&s));
    }
    if max > MAX_LENGTH as f64 {
        return Err(rt.range_error("Invalid string length".into()));
    }
    let fill_len = max as usize - s.len();
    let fill: Vec<u16> = filler.iter().copied().cycle().take(fill_len).collect();
    Ok(units_value(&if at_start { [fill, s].concat() } else { [s, fill].concat() }))
}

fn pad_start(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    pad(rt, &this, args, "padStart", true)
}

fn pad_end(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    pad(rt, &this, args, "padEnd", false)
}

fn repeat(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "repeat")?;
    let n = to_integer(rt, &arg(args, 0))?;
    if n < 0.0 || n.is_infinite() {
        return Err(rt.range_error(format!("Invalid count value: {}", rt.to_string(&Value::Number(n))?)));
    }
    if s.is_empty() || n == 0.0 {
        return Ok(Value::str(""));
    }
    if n * s.len() as f64 > MAX_LENGTH as f64 {
        return Err(rt.range_error("Invalid string length".into()));
    }
    Ok(units_value(&s.repeat(n as usize)))
}

fn slice(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "slice")?;
    let len = s.len() as f64;
    let from = relative_index(rt, args.first(), len, 0.0)? as usize;
    let to = relative_index(rt, args.get(1), len, len)? as usize;
    Ok(units_value(&s[from..to.max(from)]))
}

fn substring(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "substring")?;
    let a = relative_clamp(rt, args.first(), s.len(), 0.0)?;
    let b = relative_clamp(rt, args.get(1), s.len(), s.len() as f64)?;
    Ok(units_value(&s[a.min(b)..a.max(b)]))
}

fn substr(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = units(rt, &this, "substr")?;
    let len = s.len() as f64;
    let start = relative_index(rt, args.first(), len, 0.0)?;
    let count = match arg(args, 1) {
        Value::Undefined => len,
        v => to_integer(rt, &v)?,
    };
    let end = (start + count).min(len);
    if start >= end {
        return Ok(Value::str(""));
    }
    Ok(units_value(&s[start as usize..end as usize]))
}

/// Case mapping over the well-formed runs (Unicode's full mappings, final sigma included);
/// lone surrogates stay as they are.
fn map_case(s: &JsString, upper: bool) -> Value {
    match s {
        JsString::Text(t) => Value::String(if upper { t.to_uppercase() } else { t.to_lowercase() }.into()),
        JsString::Units(u) => {
            let mut out = Vec::new();
            for r in char::decode_utf16(u.iter().copied()) {
                match r {
                    Ok(c) => {
                        let mapped: String = if upper { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
                        out.extend(mapped.encode_utf16());
                    }
                    Err(e) => out.push(e.unpaired_surrogate()),
                }
            }
            units_value(&out)
        }
    }
}

fn to_lower_case(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(map_case(&this_string(rt, &this, "toLowerCase")?, false))
}

fn to_upper_case(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(map_case(&this_string(rt, &this, "toUpperCase")?, true))
}

/// Whether a unit is JS whitespace or a line terminator (what `trim` removes).
pub(super) fn is_space_unit(u: u16) -> bool {
    char::from_u32(u32::from(u)).is_some_and(super::super::number::is_js_whitespace)
}

fn trim_with(rt: &Runtime, this: &Value, method: &str, start: bool, end: bool) -> JsResult<Value> {
    let s = units(rt, this, method)?;
    let mut a = 0;
    let mut b = s.len();
    if start {
        while a < b && is_space_unit(s[a]) {
            a += 1;
        }
    }
    if end {
        while b > a && is_space_unit(s[b - 1]) {
            b -= 1;
        }
    }
    Ok(units_value(&s[a..b]))
}

fn trim(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    trim_with(rt, &this, "trim", true, true)
}

fn trim_start(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    trim_with(rt, &this, "trimStart", true, false)
}

fn trim_end(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    trim_with(rt, &this, "trimEnd", false, true)
}

fn is_well_formed(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    Ok(Value::Bool(matches!(this_string(rt, &this, "isWellFormed")?, JsString::Text(_))))
}

fn to_well_formed(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = this_string(rt, &this, "toWellFormed")?;
    Ok(Value::String(s.to_rust_string().into()))
}

fn iterator(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let s = this_string(rt, &this, "[Symbol.iterator]")?;
    let boxed = rt.to_object(&Value::String(s)).expect("strings box");
    Ok(new_iterator(rt, boxed, IterationKind::CodePoints, rt.realm.string_iterator_prototype))
}

/// `CreateHTML`: `<tag attr="value">string</tag>`, quotes in the value escaped.
fn create_html(rt: &Runtime, this: &Value, args: &[Value], method: &str) -> JsResult<Value> {
    let s = this_string(rt, this, method)?.to_rust_string();
    let (tag, attr) = match method {
        "anchor" => ("a", Some("name")),
        "big" => ("big", None),
        "blink" => ("blink", None),
        "bold" => ("b", None),
        "fixed" => ("tt", None),
        "fontcolor" => ("font", Some("color")),
        "fontsize" => ("font", Some("size")),
        "italics" => ("i", None),
        "link" => ("a", Some("href")),
        "small" => ("small", None),
        "strike" => ("strike", None),
        "sub" => ("sub", None),
        _ => ("sup", None),
    };
    let open = match attr {
        Some(a) => {
            let v = rt.to_string(&arg(args, 0))?.to_rust_string().replace('"', "&quot;");
            format!("<{tag} {a}=\"{v}\">")
        }
        None => format!("<{tag}>"),
    };
    Ok(Value::String(format!("{open}{s}</{tag}>").into()))
}

macro_rules! html {
    ($($name:ident => $method:literal),* $(,)?) => {
        $(fn $name(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
            create_html(rt, &this, args, $method)
        })*
        fn html_method(name: &str) -> super::super::object::BuiltinFn {
            match name {
                $($method => $name,)*
                _ => unreachable!("an HTML method"),
            }
        }
    };
}

html! {
    anchor => "anchor", big => "big", blink => "blink", bold => "bold", fixed => "fixed",
    fontcolor => "fontcolor", fontsize => "fontsize", italics => "italics", link => "link",
    small => "small", strike => "strike", sub => "sub", sup => "sup",
}
