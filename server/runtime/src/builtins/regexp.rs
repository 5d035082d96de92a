//! `RegExp`: construction and flags, `lastIndex`, `exec`/`test`/`toString`, the flag getters,
//! and the `[Symbol.match]`, `[Symbol.matchAll]`, `[Symbol.replace]`, `[Symbol.search]` and
//! `[Symbol.split]` methods the `String.prototype` methods defer to (ECMA-262 22.2). Matching is
//! `regress`'s, over UTF-16 code units (or code points in `u`/`v` mode).

use std::rc::Rc;

use super::super::collections::IterationKind;
use super::super::convert::ErrorKind;
use super::super::object::ObjectClass;
use super::super::object_id::ObjectId;
use super::super::property::{Property, PropertyKey};
use super::super::realm::{Builder, Realm};
use super::super::regexp::RegExpData;
use super::super::string::{code_point, JsString};
use super::super::value::Value;
use super::super::{JsResult, Runtime};
use super::coerce::{arg, class_of, describe, put, to_length, units_value};
use super::define::{getter, species_getter, symbol_method, to_string_tag};
use super::iterator::{iterator_result, new_iterator};

pub fn install(b: &mut Builder, realm: &Realm) {
    let p = realm.regexp_prototype;
    let ctor = b.constructor(realm.global, "RegExp", 2, regexp_ctor, p);
    species_getter(b, realm, ctor);
    b.method(p, "exec", 1, exec);
    b.method(p, "test", 1, test);
    b.method(p, "toString", 0, to_string);
    b.method(p, "compile", 2, compile);
    for (name, f) in [
        ("dotAll", dot_all as super::super::object::BuiltinFn),
        ("flags", flags),
        ("global", global),
        ("hasIndices", has_indices),
        ("ignoreCase", ignore_case),
        ("multiline", multiline),
        ("source", source),
        ("sticky", sticky),
        ("unicode", unicode),
        ("unicodeSets", unicode_sets),
    ] {
        getter(b, p, name, f);
    }
    symbol_method(b, p, realm.symbol_match, "[Symbol.match]", 1, symbol_match);
    symbol_method(b, p, realm.symbol_match_all, "[Symbol.matchAll]", 1, symbol_match_all);
    symbol_method(b, p, realm.symbol_replace, "[Symbol.replace]", 2, symbol_replace);
    symbol_method(b, p, realm.symbol_search, "[Symbol.search]", 1, symbol_search);
    symbol_method(b, p, realm.symbol_split, "[Symbol.split]", 2, symbol_split);
    let it = realm.regexp_string_iterator_prototype;
    b.method(it, "next", 0, string_iterator_next);
    to_string_tag(b, realm, it, "RegExp String Iterator");
}

/// The compiled pattern of `v`, if it is a RegExp object.
pub(super) fn regexp_data(rt: &Runtime, v: &Value) -> Option<Rc<RegExpData>> {
    match v {
        Value::Object(id) => match rt.heap.borrow().get(*id).map(|o| &o.class) {
            Some(ObjectClass::RegExp(d)) => Some(d.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `IsRegExp`: `[Symbol.match]` when defined, else whether it is a RegExp object.
pub(super) fn is_regexp(rt: &Runtime, v: &Value) -> JsResult<bool> {
    if !matches!(v, Value::Object(_)) {
        return Ok(false);
    }
    let m = rt.get(v, &PropertyKey::Symbol(rt.realm.symbol_match))?;
    if !matches!(m, Value::Undefined) {
        return Ok(rt.to_boolean(&m));
    }
    Ok(regexp_data(rt, v).is_some())
}

fn regexp_ctor(rt: &Runtime, _: Value, args: &[Value], nt: Option<ObjectId>) -> JsResult<Value> {
    let pattern = arg(args, 0);
    let flags = arg(args, 1);
    let pattern_is_regexp = is_regexp(rt, &pattern)?;
    let ctor = rt.get_named(&Value::Object(rt.realm.global), "RegExp")?;
    if nt.is_none() && pattern_is_regexp && matches!(flags, Value::Undefined) {
        let c = rt.get_named(&pattern, "constructor")?;
        if rt.strict_equals(&c, &ctor) {
            return Ok(pattern);
        }
    }
    let (source, flags) = if let Some(data) = regexp_data(rt, &pattern) {
        let f = match flags {
            Value::Undefined => data.flags.clone(),
            f => rt.to_string(&f)?.to_rust_string(),
        };
        (data.source.clone(), f)
    } else if pattern_is_regexp {
        let s = rt.get_named(&pattern, "source")?;
        let f = match flags {
            Value::Undefined => rt.get_named(&pattern, "flags")?,
            f => f,
        };
        (string_or_empty(rt, &s)?, string_or_empty(rt, &f)?.to_rust_string())
    } else {
        (string_or_empty(rt, &pattern)?, string_or_empty(rt, &flags)?.to_rust_string())
    };
    let proto = match nt {
        Some(nt) => match rt.get_named(&Value::Object(nt), "prototype")? {
            Value::Object(p) => p,
            _ => rt.realm.regexp_prototype,
        },
        None => rt.realm.regexp_prototype,
    };
    Ok(Value::Object(rt.new_regexp(&source, &flags, proto)?))
}

/// `undefined` as "", anything else through `ToString`.
fn string_or_empty(rt: &Runtime, v: &Value) -> JsResult<JsString> {
    match v {
        Value::Undefined => Ok("".into()),
        v => rt.to_string(v),
    }
}

/// `RegExp.prototype.compile` (Annex B): recompiles `this` in place.
fn compile(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Some(_) = regexp_data(rt, &this) else {
        return Err(incompatible(rt, "RegExp.prototype.compile", &this));
    };
    let pattern = arg(args, 0);
    let (source, flags) = match regexp_data(rt, &pattern) {
        Some(d) => {
            if !matches!(arg(args, 1), Value::Undefined) {
                return Err(rt.type_error("Cannot supply flags when constructing one RegExp from another".into()));
            }
            (d.source.clone(), d.flags.clone())
        }
        None => (string_or_empty(rt, &pattern)?, string_or_empty(rt, &arg(args, 1))?.to_rust_string()),
    };
    let data = RegExpData::compile(&source, &flags).map_err(|m| rt.error(ErrorKind::SyntaxError, m))?;
    let Value::Object(id) = this else { unreachable!() };
    rt.heap.borrow_mut().obj_mut(id).class = ObjectClass::RegExp(Rc::new(data));
    put(rt, &this, PropertyKey::name("lastIndex"), Value::Number(0.0))?;
    Ok(this)
}

fn incompatible(rt: &Runtime, method: &str, this: &Value) -> super::super::Thrown {
    rt.type_error(format!("Method {method} called on incompatible receiver {}", describe(rt, this)))
}

/// A match: the ranges of the whole match and each group (in UTF-16 units), and the names.
struct Found {
    groups: Vec<Option<std::ops::Range<usize>>>,
    names: Vec<(String, usize)>,
}

/// Runs `data` over `units` from `start`, the leftmost match.
fn find(data: &RegExpData, units: &[u16], start: usize) -> Option<Found> {
    let m = if data.has('u') || data.has('v') {
        data.regex.find_from_utf16(units, start).next()
    } else {
        data.regex.find_from_ucs2(units, start).next()
    }?;
    let groups = m.groups().collect();
    let mut names = Vec::new();
    for (name, _) in m.named_groups() {
        // The index of the (first matching) group of that name.
        let index = (1..=m.captures.len()).find(|&i| m.group(i).is_some() && m.named_group(name) == m.group(i)).unwrap_or(0);
        names.push((name.to_string(), index));
    }
    Some(Found { groups, names })
}

/// `RegExpBuiltinExec`: honours and updates `lastIndex` for `g` and `y`; `None` for no match.
fn builtin_exec(rt: &Runtime, r: &Value, data: &RegExpData, s: &JsString) -> JsResult<Option<Value>> {
    let units = s.to_utf16();
    let global_or_sticky = data.has('g') || data.has('y');
    let mut last_index = if global_or_sticky { to_length(rt, &rt.get_named(r, "lastIndex")?)? } else { 0.0 };
    if !global_or_sticky {
        // Read anyway, as the spec does (a getter on lastIndex runs).
        to_length(rt, &rt.get_named(r, "lastIndex")?)?;
        last_index = 0.0;
    }
    if last_index > units.len() as f64 {
        if global_or_sticky {
            put(rt, r, PropertyKey::name("lastIndex"), Value::Number(0.0))?;
        }
        return Ok(None);
    }
    let start = last_index as usize;
    let found = find(data, &units, start).filter(|f| !data.has('y') || f.groups[0].as_ref().is_some_and(|g| g.start == start));
    let Some(found) = found else {
        if global_or_sticky {
            put(rt, r, PropertyKey::name("lastIndex"), Value::Number(0.0))?;
        }
        return Ok(None);
    };
    let whole = found.groups[0].clone().expect("the whole match");
    if global_or_sticky {
        put(rt, r, PropertyKey::name("lastIndex"), Value::Number(whole.end as f64))?;
    }
    let items: Vec<Value> = found.groups.iter().map(|g| g.as_ref().map_or(Value::Undefined, |g| units_value(&units[g.clone()]))).collect();
    let arr = rt.new_array(items);
    rt.create_data_property(arr, PropertyKey::name("index"), Value::Number(whole.start as f64))?;
    rt.create_data_property(arr, PropertyKey::name("input"), Value::String(s.clone()))?;
    let groups = if found.names.is_empty() {
        Value::Undefined
    } else {
        let g = rt.heap.borrow_mut().new_object(ObjectClass::Plain, None);
        for (name, index) in &found.names {
            let v = found.groups.get(*index).cloned().flatten().filter(|_| *index > 0).map_or(Value::Undefined, |r| units_value(&units[r]));
            rt.create_data_property(g, PropertyKey::name(name), v)?;
        }
        Value::Object(g)
    };
    rt.create_data_property(arr, PropertyKey::name("groups"), groups)?;
    if data.has('d') {
        let pairs: Vec<Value> = found
            .groups
            .iter()
            .map(|g| match g {
                Some(g) => Value::Object(rt.new_array(vec![Value::Number(g.start as f64), Value::Number(g.end as f64)])),
                None => Value::Undefined,
            })
            .collect();
        let indices = rt.new_array(pairs.clone());
        let index_groups = if found.names.is_empty() {
            Value::Undefined
        } else {
            let g = rt.heap.borrow_mut().new_object(ObjectClass::Plain, None);
            for (name, index) in &found.names {
                let v = if *index > 0 { pairs.get(*index).cloned().unwrap_or(Value::Undefined) } else { Value::Undefined };
                rt.create_data_property(g, PropertyKey::name(name), v)?;
            }
            Value::Object(g)
        };
        rt.create_data_property(indices, PropertyKey::name("groups"), index_groups)?;
        rt.create_data_property(arr, PropertyKey::name("indices"), Value::Object(indices))?;
    }
    Ok(Some(Value::Object(arr)))
}

/// `RegExpExec`: a user `exec` when there is one, else the built-in.
fn regexp_exec(rt: &Runtime, r: &Value, s: &JsString) -> JsResult<Option<Value>> {
    let exec_fn = rt.get_named(r, "exec")?;
    let builtin = rt.get_named(&Value::Object(rt.realm.regexp_prototype), "exec")?;
    if rt.is_callable(&exec_fn) && !rt.strict_equals(&exec_fn, &builtin) {
        let result = rt.call(&exec_fn, r.clone(), &[Value::String(s.clone())])?;
        return match result {
            Value::Null => Ok(None),
            Value::Object(_) => Ok(Some(result)),
            _ => Err(rt.type_error(format!("{} is not an object or null", result.to_display(rt)))),
        };
    }
    let Some(data) = regexp_data(rt, r) else {
        return Err(incompatible(rt, "RegExp.prototype.exec", r));
    };
    builtin_exec(rt, r, &data, s)
}

fn exec(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let Some(data) = regexp_data(rt, &this) else {
        return Err(incompatible(rt, "RegExp.prototype.exec", &this));
    };
    let s = rt.to_string(&arg(args, 0))?;
    Ok(builtin_exec(rt, &this, &data, &s)?.unwrap_or(Value::Null))
}

fn test(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(_)) {
        return Err(incompatible(rt, "RegExp.prototype.test", &this));
    }
    let s = rt.to_string(&arg(args, 0))?;
    // A RegExp with the built-in `exec` only needs to know whether it matches: no result array
    // (bench_builtins: building it was most of a `test`).
    if let Some(data) = regexp_data(rt, &this) {
        let exec_fn = rt.get_named(&this, "exec")?;
        let builtin = rt.get_named(&Value::Object(rt.realm.regexp_prototype), "exec")?;
        if rt.strict_equals(&exec_fn, &builtin) {
            return builtin_matches(rt, &this, &data, &s).map(Value::Bool);
        }
    }
    Ok(Value::Bool(regexp_exec(rt, &this, &s)?.is_some()))
}

/// `RegExpBuiltinExec` reduced to whether it matches, with the same `lastIndex` updates.
fn builtin_matches(rt: &Runtime, r: &Value, data: &RegExpData, s: &JsString) -> JsResult<bool> {
    let global_or_sticky = data.has('g') || data.has('y');
    let last_index = to_length(rt, &rt.get_named(r, "lastIndex")?)?;
    let start = if global_or_sticky { last_index } else { 0.0 };
    let found = {
        let units = s.to_utf16();
        if start > units.len() as f64 {
            None
        } else {
            let start = start as usize;
            let m = if data.has('u') || data.has('v') {
                data.regex.find_from_utf16(&units, start).next()
            } else {
                data.regex.find_from_ucs2(&units, start).next()
            };
            m.filter(|m| !data.has('y') || m.start() == start).map(|m| m.end())
        }
    };
    if global_or_sticky {
        put(rt, r, PropertyKey::name("lastIndex"), Value::Number(found.map_or(0.0, |e| e as f64)))?;
    }
    Ok(found.is_some())
}

fn to_string(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(_)) {
        return Err(incompatible(rt, "RegExp.prototype.toString", &this));
    }
    let source = rt.to_string(&rt.get_named(&this, "source")?)?;
    let flags = rt.to_string(&rt.get_named(&this, "flags")?)?;
    Ok(Value::String(format!("/{source}/{flags}").into()))
}

/// `EscapeRegExpPattern`: the source as it would be written between slashes.
fn escape_source(source: &JsString) -> String {
    let s = source.to_rust_string();
    if s.is_empty() {
        return "(?:)".into();
    }
    let mut out = String::new();
    let mut in_class = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(n) = chars.next() {
                    match n {
                        '\n' => out.push('n'),
                        '\r' => out.push('r'),
                        '\u{2028}' => out.push_str("u2028"),
                        '\u{2029}' => out.push_str("u2029"),
                        n => out.push(n),
                    }
                }
            }
            '/' if !in_class => out.push_str("\\/"),
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A flag getter: the flag of a RegExp, `undefined` on `RegExp.prototype` itself.
fn flag_getter(rt: &Runtime, this: &Value, flag: char, name: &str) -> JsResult<Value> {
    if let Some(data) = regexp_data(rt, this) {
        return Ok(Value::Bool(data.has(flag)));
    }
    if matches!(this, Value::Object(id) if *id == rt.realm.regexp_prototype) {
        return Ok(Value::Undefined);
    }
    Err(rt.type_error(format!("RegExp.prototype.{name} getter called on non-RegExp object")))
}

macro_rules! flag_getters {
    ($($fn_name:ident => ($flag:literal, $name:literal)),* $(,)?) => {
        $(fn $fn_name(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
            flag_getter(rt, &this, $flag, $name)
        })*
    };
}

flag_getters! {
    dot_all => ('s', "dotAll"), global => ('g', "global"), has_indices => ('d', "hasIndices"),
    ignore_case => ('i', "ignoreCase"), multiline => ('m', "multiline"), sticky => ('y', "sticky"),
    unicode => ('u', "unicode"), unicode_sets => ('v', "unicodeSets"),
}

fn source(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if let Some(data) = regexp_data(rt, &this) {
        return Ok(Value::String(escape_source(&data.source).into()));
    }
    if matches!(this, Value::Object(id) if id == rt.realm.regexp_prototype) {
        return Ok(Value::str("(?:)"));
    }
    Err(rt.type_error("RegExp.prototype.source getter called on non-RegExp object".into()))
}

/// `flags`: generic, built from the flag properties of any object.
fn flags(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    if !matches!(this, Value::Object(_)) {
        return Err(rt.type_error(format!("RegExp.prototype.flags getter called on non-object {}", describe(rt, &this))));
    }
    let mut out = String::new();
    for (c, name) in [
        ('d', "hasIndices"),
        ('g', "global"),
        ('i', "ignoreCase"),
        ('m', "multiline"),
        ('s', "dotAll"),
        ('u', "unicode"),
        ('v', "unicodeSets"),
        ('y', "sticky"),
    ] {
        if rt.to_boolean(&rt.get_named(&this, name)?) {
            out.push(c);
        }
    }
    Ok(Value::String(out.into()))
}

/// The flags string of `rx` (`Get(rx, "flags")`).
fn flags_of(rt: &Runtime, rx: &Value) -> JsResult<String> {
    Ok(rt.to_string(&rt.get_named(rx, "flags")?)?.to_rust_string())
}

/// `AdvanceStringIndex`: one unit, or a whole surrogate pair in unicode mode.
fn advance(units: &[u16], i: usize, unicode: bool) -> usize {
    if !unicode || i + 1 >= units.len() {
        return i + 1;
    }
    i + code_point(units, i).1
}

fn this_object(rt: &Runtime, this: &Value, method: &str) -> JsResult<()> {
    if matches!(this, Value::Object(_)) {
        Ok(())
    } else {
        Err(incompatible(rt, &format!("RegExp.prototype.{method}"), this))
    }
}

fn symbol_match(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_object(rt, &this, "@@match")?;
    let s = rt.to_string(&arg(args, 0))?;
    let flags = flags_of(rt, &this)?;
    if !flags.contains('g') {
        return Ok(regexp_exec(rt, &this, &s)?.unwrap_or(Value::Null));
    }
    let unicode = flags.contains('u') || flags.contains('v');
    put(rt, &this, PropertyKey::name("lastIndex"), Value::Number(0.0))?;
    let units = s.to_utf16();
    let mut found = Vec::new();
    while let Some(result) = regexp_exec(rt, &this, &s)? {
        let matched = rt.to_string(&rt.get(&result, &PropertyKey::Index(0))?)?;
        if matched.is_empty() {
            let last = to_length(rt, &rt.get_named(&this, "lastIndex")?)? as usize;
            put(rt, &this, PropertyKey::name("lastIndex"), Value::Number(advance(&units, last, unicode) as f64))?;
        }
        found.push(Value::String(matched));
    }
    Ok(if found.is_empty() { Value::Null } else { Value::Object(rt.new_array(found)) })
}

/// A RegExp like `rx` (its source, the given flags) with `rx`'s `lastIndex`: what the spec's
/// `SpeciesConstructor` gives for a plain RegExp.
fn clone_regexp(rt: &Runtime, rx: &Value, flags: &str) -> JsResult<Value> {
    let source = match regexp_data(rt, rx) {
        Some(d) => d.source.clone(),
        None => rt.to_string(&rt.get_named(rx, "source")?)?,
    };
    let copy = Value::Object(rt.new_regexp(&source, flags, rt.realm.regexp_prototype)?);
    let last = to_length(rt, &rt.get_named(rx, "lastIndex")?)?;
    put(rt, &copy, PropertyKey::name("lastIndex"), Value::Number(last))?;
    Ok(copy)
}

fn symbol_match_all(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_object(rt, &this, "@@matchAll")?;
    let s = rt.to_string(&arg(args, 0))?;
    let flags = flags_of(rt, &this)?;
    let matcher = clone_regexp(rt, &this, &flags)?;
    let Value::Object(matcher_id) = matcher else { unreachable!() };
    let boxed = rt.to_object(&Value::String(s)).expect("strings box");
    // The iterator keeps the matcher as its target and the string in a hidden property.
    let kind = IterationKind::RegExpMatches { global: flags.contains('g'), unicode: flags.contains('u') || flags.contains('v') };
    let it = new_iterator(rt, matcher_id, kind, rt.realm.regexp_string_iterator_prototype);
    let Value::Object(it_id) = it else { unreachable!() };
    rt.heap.borrow_mut().put(it_id, PropertyKey::Symbol(rt.realm.symbol_match_all), Property::hidden(Value::Object(boxed)));
    Ok(it)
}

fn string_iterator_next(rt: &Runtime, this: Value, _: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    let state = match class_of(rt, &this) {
        Some(ObjectClass::Iterator(s)) if matches!(s.kind, IterationKind::RegExpMatches { .. }) => s,
        _ => return Err(incompatible(rt, "%RegExpStringIterator%.prototype.next", &this)),
    };
    let IterationKind::RegExpMatches { global, unicode } = state.kind else { unreachable!() };
    let Some(matcher) = state.target else { return Ok(iterator_result(rt, Value::Undefined, true)) };
    let Value::Object(it) = this else { unreachable!() };
    let boxed = rt.get(&this, &PropertyKey::Symbol(rt.realm.symbol_match_all))?;
    let s = rt.to_string(&boxed)?;
    let matcher = Value::Object(matcher);
    let finish = || {
        if let Some(ObjectClass::Iterator(st)) = rt.heap.borrow_mut().get_mut(it).map(|o| &mut o.class) {
            st.target = None;
        }
    };
    match regexp_exec(rt, &matcher, &s)? {
        None => {
            finish();
            Ok(iterator_result(rt, Value::Undefined, true))
        }
        Some(result) => {
            if !global {
                finish();
                return Ok(iterator_result(rt, result, false));
            }
            let matched = rt.to_string(&rt.get(&result, &PropertyKey::Index(0))?)?;
            if matched.is_empty() {
                let last = to_length(rt, &rt.get_named(&matcher, "lastIndex")?)? as usize;
                let units = s.to_utf16();
                put(rt, &matcher, PropertyKey::name("lastIndex"), Value::Number(advance(&units, last, unicode) as f64))?;
            }
            Ok(iterator_result(rt, result, false))
        }
    }
}

/// `GetSubstitution`: expands `$$`, `$&`, `` $` ``, `$'`, `$n`, `$nn` and `$<name>`.
pub(super) fn substitution(
    rt: &Runtime,
    matched: &[u16],
    s: &[u16],
    position: usize,
    captures: &[Value],
    named: &Value,
    replacement: &[u16],
) -> JsResult<Vec<u16>> {
    let mut out = Vec::new();
    let tail = (position + matched.len()).min(s.len());
    let m = captures.len();
    let mut i = 0;
    while i < replacement.len() {
        let c = replacement[i];
        if c != b'$' as u16 || i + 1 >= replacement.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = replacement[i + 1];
        match char::from_u32(u32::from(n)).unwrap_or('\0') {
            '$' => {
                out.push(b'$' as u16);
                i += 2;
            }
            '&' => {
                out.extend_from_slice(matched);
                i += 2;
            }
            '`' => {
                out.extend_from_slice(&s[..position.min(s.len())]);
                i += 2;
            }
            '\'' => {
                out.extend_from_slice(&s[tail..]);
                i += 2;
            }
            d @ '0'..='9' => {
                let one = d as usize - '0' as usize;
                let two = replacement
                    .get(i + 2)
                    .and_then(|&u| char::from_u32(u32::from(u)))
                    .filter(char::is_ascii_digit)
                    .map(|e| one * 10 + (e as usize - '0' as usize));
                let (index, used) = match two {
                    Some(t) if t >= 1 && t <= m => (t, 3),
                    _ => (one, 2),
                };
                if index >= 1 && index <= m {
                    if let v @ Value::String(_) = &captures[index - 1] {
                        out.extend(rt.to_string(v)?.to_utf16());
                    }
                    i += used;
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            '<' if !matches!(named, Value::Undefined) => {
                let close = replacement[i + 2..].iter().position(|&u| u == b'>' as u16);
                match close {
                    None => {
                        out.push(c);
                        i += 1;
                    }
                    Some(len) => {
                        let name = JsString::from_utf16(&replacement[i + 2..i + 2 + len]);
                        let v = rt.get(named, &PropertyKey::from_string(name))?;
                        if !matches!(v, Value::Undefined) {
                            out.extend(rt.to_string(&v)?.to_utf16());
                        }
                        i += len + 3;
                    }
                }
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn symbol_replace(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_object(rt, &this, "@@replace")?;
    let s = rt.to_string(&arg(args, 0))?;
    let units = s.to_utf16();
    let replace_value = arg(args, 1);
    let functional = rt.is_callable(&replace_value);
    let replacement = if functional { Vec::new() } else { rt.to_string(&replace_value)?.to_utf16() };
    let flags = flags_of(rt, &this)?;
    let global = flags.contains('g');
    let unicode = flags.contains('u') || flags.contains('v');
    if global {
        put(rt, &this, PropertyKey::name("lastIndex"), Value::Number(0.0))?;
    }
    let mut results = Vec::new();
    while let Some(result) = regexp_exec(rt, &this, &s)? {
        results.push(result.clone());
        if !global {
            break;
        }
        let matched = rt.to_string(&rt.get(&result, &PropertyKey::Index(0))?)?;
        if matched.is_empty() {
            let last = to_length(rt, &rt.get_named(&this, "lastIndex")?)? as usize;
            put(rt, &this, PropertyKey::name("lastIndex"), Value::Number(advance(&units, last, unicode) as f64))?;
        }
    }
    let mut out = Vec::new();
    let mut next = 0usize;
    for result in results {
        let n = super::coerce::length_of(rt, &result)?.max(1.0) as usize;
        let matched = rt.to_string(&rt.get(&result, &PropertyKey::Index(0))?)?.to_utf16();
        let position = super::coerce::to_integer(rt, &rt.get_named(&result, "index")?)?.clamp(0.0, units.len() as f64) as usize;
        let mut captures = Vec::new();
        for k in 1..n {
            let c = rt.get(&result, &PropertyKey::Index(k as u32))?;
            captures.push(if matches!(c, Value::Undefined) { c } else { Value::String(rt.to_string(&c)?) });
        }
        let named = rt.get_named(&result, "groups")?;
        let text = if functional {
            let mut call_args = vec![units_value(&matched)];
            call_args.extend(captures.iter().cloned());
            call_args.push(Value::Number(position as f64));
            call_args.push(Value::String(s.clone()));
            if !matches!(named, Value::Undefined) {
                call_args.push(named.clone());
            }
            rt.to_string(&rt.call(&replace_value, Value::Undefined, &call_args)?)?.to_utf16()
        } else {
            let named = if matches!(named, Value::Undefined) { named } else { Value::Object(super::object::require_object(rt, &named)?) };
            substitution(rt, &matched, &units, position, &captures, &named, &replacement)?
        };
        if position >= next {
            out.extend_from_slice(&units[next..position]);
            out.extend(text);
            next = position + matched.len();
        }
    }
    if next < units.len() {
        out.extend_from_slice(&units[next..]);
    }
    Ok(units_value(&out))
}

fn symbol_search(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_object(rt, &this, "@@search")?;
    let s = rt.to_string(&arg(args, 0))?;
    let previous = rt.get_named(&this, "lastIndex")?;
    if !rt.same_value(&previous, &Value::Number(0.0)) {
        put(rt, &this, PropertyKey::name("lastIndex"), Value::Number(0.0))?;
    }
    let result = regexp_exec(rt, &this, &s)?;
    let current = rt.get_named(&this, "lastIndex")?;
    if !rt.same_value(&current, &previous) {
        put(rt, &this, PropertyKey::name("lastIndex"), previous)?;
    }
    match result {
        None => Ok(Value::Number(-1.0)),
        Some(r) => rt.get_named(&r, "index"),
    }
}

fn symbol_split(rt: &Runtime, this: Value, args: &[Value], _: Option<ObjectId>) -> JsResult<Value> {
    this_object(rt, &this, "@@split")?;
    let s = rt.to_string(&arg(args, 0))?;
    let units = s.to_utf16();
    let flags = flags_of(rt, &this)?;
    let unicode = flags.contains('u') || flags.contains('v');
    let lim = match arg(args, 1) {
        Value::Undefined => u32::MAX,
        v => super::super::number::to_uint32(rt.to_number(&v)?),
    };
    let splitter_flags: String = if flags.contains('y') { flags.clone() } else { format!("{flags}y") };
    let splitter = clone_regexp(rt, &this, &splitter_flags)?;
    let mut out = Vec::new();
    if lim == 0 {
        return Ok(Value::Object(rt.new_array(out)));
    }
    if units.is_empty() {
        if regexp_exec(rt, &splitter, &s)?.is_none() {
            out.push(Value::String(s));
        }
        return Ok(Value::Object(rt.new_array(out)));
    }
    let size = units.len();
    let (mut p, mut q) = (0usize, 0usize);
    while q < size {
        put(rt, &splitter, PropertyKey::name("lastIndex"), Value::Number(q as f64))?;
        let Some(z) = regexp_exec(rt, &splitter, &s)? else {
            q = advance(&units, q, unicode);
            continue;
        };
        let e = (to_length(rt, &rt.get_named(&splitter, "lastIndex")?)? as usize).min(size);
        if e == p {
            q = advance(&units, q, unicode);
            continue;
        }
        out.push(units_value(&units[p..q]));
        if out.len() as u32 == lim {
            return Ok(Value::Object(rt.new_array(out)));
        }
        p = e;
        let captures = (super::coerce::length_of(rt, &z)? as usize).saturating_sub(1);
        for i in 1..=captures {
            out.push(rt.get(&z, &PropertyKey::Index(i as u32))?);
            if out.len() as u32 == lim {
                return Ok(Value::Object(rt.new_array(out)));
            }
        }
        q = p;
    }
    out.push(units_value(&units[p..]));
    Ok(Value::Object(rt.new_array(out)))
}
