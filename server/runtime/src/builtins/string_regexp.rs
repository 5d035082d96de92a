//! The `String.prototype` methods that may take a regular expression: `match`, `matchAll`,
//! `replace`, `replaceAll`, `search` and `split`. Each first asks its argument for the matching
//! well-known-symbol method (`[Symbol.replace]`...), as the spec does, so a RegExp (or any object
//! that defines one) does the work; a plain string argument is handled here.

use super::super::object_id::ObjectId;
use super::super::property::PropertyKey;
use super::super::realm::{Builder, Realm};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, describe, this_string, units_value};
use super::string::find_units;

pub fn install(b: &mut Builder, realm: &Realm) {
    let p = realm.string_prototype;
    b.method(p, "match", 1, string_match);
    b.method(p, "matchAll", 1, match_all);
    b.method(p, "replace", 2, replace);
    b.method(p, "replaceAll", 2, replace_all);
    b.method(p, "search", 1, search);
    b.method(p, "split", 2, split);
}

/// `GetMethod(v, symbol)` when `v` is neither undefined nor null.
fn delegate(rt: &Runtime, v: &Value, symbol: ObjectId) -> JsResult<Option<Value>> {
    if v.is_nullish() {
        return Ok(None);
    }
    let m = rt.get(v, &PropertyKey::Symbol(symbol))?;
    if m.is_nullish() {
        return Ok(None);
    }
    if !rt.is_callable(&m) {
        return Err(rt.type_error(format!("{} is not a function", describe(rt, &m))));
    }
    Ok(Some(m))
}

/// `new RegExp(pattern, flags)` then `rx[symbol](s)`.
fn via_new_regexp(rt: &Runtime, pattern: &Value, flags: &str, symbol: ObjectId, s: Value) -> JsResult<Value> {
    let source = match pattern {
        Value::Undefined => "".into(),
        v => rt.to_string(v)?,
    };
    let rx = Value::Object(rt.new_regexp(&source, flags, rt.realm.regexp_prototype)?);
    let m = rt.get(&rx, &PropertyKey::Symbol(symbol))?;
    rt.call(&m, rx, &[s])
}

fn string_match(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let sym = rt.realm.symbol_match;
    let regexp = arg(args, 0);
    if this.is_nullish() {
        return Err(rt.type_error("String.prototype.match called on null or undefined".into()));
    }
    if let Some(m) = delegate(rt, &regexp, sym)? {
        return rt.call(&m, regexp, &[this]);
    }
    let s = this_string(rt, &this, "match")?;
    via_new_regexp(rt, &regexp, "", sym, Value::String(s))
}

fn match_all(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let sym = rt.realm.symbol_match_all;
    let regexp = arg(args, 0);
    if this.is_nullish() {
        return Err(rt.type_error("String.prototype.matchAll called on null or undefined".into()));
    }
    if !regexp.is_nullish() {
        if super::regexp::is_regexp(rt, &regexp)? {
            let flags = rt.get_named(&regexp, "flags")?;
            if flags.is_nullish() {
                return Err(rt.type_error("String.prototype.matchAll called with a non-global RegExp argument".into()));
            }
            if !rt.to_string(&flags)?.to_rust_string().contains('g') {
                return Err(rt.type_error("String.prototype.matchAll called with a non-global RegExp argument".into()));
            }
        }
        if let Some(m) = delegate(rt, &regexp, sym)? {
            return rt.call(&m, regexp, &[this]);
        }
    }
    let s = this_string(rt, &this, "matchAll")?;
    via_new_regexp(rt, &regexp, "g", sym, Value::String(s))
}

fn search(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let sym = rt.realm.symbol_search;
    let regexp = arg(args, 0);
    if this.is_nullish() {
        return Err(rt.type_error("String.prototype.search called on null or undefined".into()));
    }
    if let Some(m) = delegate(rt, &regexp, sym)? {
        return rt.call(&m, regexp, &[this]);
    }
    let s = this_string(rt, &this, "search")?;
    via_new_regexp(rt, &regexp, "", sym, Value::String(s))
}

/// `replace` and `replaceAll` with a string pattern: every occurrence (`all`) or the first.
fn replace_string(rt: &Runtime, this: &Value, args: &[Value], all: bool) -> JsResult<Value> {
    let method = if all { "replaceAll" } else { "replace" };
    let s = this_string(rt, this, method)?.to_utf16();
    let search = rt.to_string(&arg(args, 0))?.to_utf16();
    let replace_value = arg(args, 1);
    let functional = rt.is_callable(&replace_value);
    let replacement = if functional { Vec::new() } else { rt.to_string(&replace_value)?.to_utf16() };
    let advance = search.len().max(1);
    let mut positions = Vec::new();
    let mut from = 0;
    while let Some(p) = find_units(&s, &search, from) {
        positions.push(p);
        if !all {
            break;
        }
        from = p + advance;
        if from > s.len() {
            break;
        }
    }
    let mut out = Vec::new();
    let mut end = 0;
    for p in positions {
        out.extend_from_slice(&s[end..p]);
        if functional {
            let r = rt.call(&replace_value, Value::Undefined, &[units_value(&search), Value::Number(p as f64), units_value(&s)])?;
            out.extend(rt.to_string(&r)?.to_utf16());
        } else {
            out.extend(super::regexp::substitution(rt, &search, &s, p, &[], &Value::Undefined, &replacement)?);
        }
        end = p + search.len();
    }
    out.extend_from_slice(&s[end..]);
    if out.len() > super::string::MAX_LENGTH {
        return Err(rt.range_error("Invalid string length".into()));
    }
    Ok(units_value(&out))
}

fn replace(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if this.is_nullish() {
        return Err(rt.type_error("String.prototype.replace called on null or undefined".into()));
    }
    let pattern = arg(args, 0);
    if let Some(m) = delegate(rt, &pattern, rt.realm.symbol_replace)? {
        return rt.call(&m, pattern, &[this, arg(args, 1)]);
    }
    replace_string(rt, &this, args, false)
}

fn replace_all(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if this.is_nullish() {
        return Err(rt.type_error("String.prototype.replaceAll called on null or undefined".into()));
    }
    let pattern = arg(args, 0);
    if !pattern.is_nullish() {
        if super::regexp::is_regexp(rt, &pattern)? {
            let flags = rt.get_named(&pattern, "flags")?;
            if flags.is_nullish() || !rt.to_string(&flags)?.to_rust_string().contains('g') {
                return Err(rt.type_error("String.prototype.replaceAll called with a non-global RegExp argument".into()));
            }
        }
        if let Some(m) = delegate(rt, &pattern, rt.realm.symbol_replace)? {
            return rt.call(&m, pattern, &[this, arg(args, 1)]);
        }
    }
    replace_string(rt, &this, args, true)
}

fn split(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if this.is_nullish() {
        return Err(rt.type_error("String.prototype.split called on null or undefined".into()));
    }
    let separator = arg(args, 0);
    if let Some(m) = delegate(rt, &separator, rt.realm.symbol_split)? {
        return rt.call(&m, separator, &[this, arg(args, 1)]);
    }
    let s = this_string(rt, &this, "split")?.to_utf16();
    let lim = match arg(args, 1) {
        Value::Undefined => u32::MAX,
        v => super::super::number::to_uint32(rt.to_number(&v)?),
    };
    let sep = rt.to_string(&separator)?.to_utf16();
    let mut out = Vec::new();
    if lim == 0 {
        return Ok(Value::Object(rt.new_array(out)));
    }
    if matches!(separator, Value::Undefined) {
        out.push(units_value(&s));
        return Ok(Value::Object(rt.new_array(out)));
    }
    if s.is_empty() {
        if !sep.is_empty() {
            out.push(units_value(&s));
        }
        return Ok(Value::Object(rt.new_array(out)));
    }
    if sep.is_empty() {
        for u in s.iter().take(lim as usize) {
            out.push(units_value(&[*u]));
        }
        return Ok(Value::Object(rt.new_array(out)));
    }
    let mut p = 0;
    while let Some(q) = find_units(&s, &sep, p) {
        out.push(units_value(&s[p..q]));
        if out.len() as u32 == lim {
            return Ok(Value::Object(rt.new_array(out)));
        }
        p = q + sep.len();
    }
    out.push(units_value(&s[p..]));
    Ok(Value::Object(rt.new_array(out)))
}
