//! `napi_run_script` without a JavaScript engine: the script is parsed by `oxc_parser` (a real
//! ECMAScript parser, so what is not JavaScript is refused as node refuses it) and the subset
//! addons pass is evaluated over the host's own values. Addons use it for one-line feature tests
//! and lookups: koffi runs `typeof Deno != 'undefined'`, `process.isBun`, `Symbol.dispose` and
//! `Object.prototype` in its init.
//!
//! Evaluated: expression statements (the script's value is the last one's) made of literals
//! (numbers, strings, booleans, `null`, BigInts, regular expressions, templates, arrays, plain
//! objects), global names, `this`, property reads (`.`, `[]`, `?.`), calls and `new` of any
//! function, the unary, binary, logical, conditional and comma operators, and assignments to
//! globals and properties. Everything else (functions, classes, declarations, control flow,
//! spread...) throws a SyntaxError naming the construct, before anything runs.

use std::rc::Rc;

use napi_runtime::bigint::BigInt;
use napi_runtime::convert::ErrorKind;
use napi_runtime::property::PropertyKey;
use napi_runtime::{JsResult, JsString, Runtime, Thrown, Value};
use num_traits::{ToPrimitive, Zero};
use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, AssignmentOperator, AssignmentTarget, BinaryOperator, ChainElement, Expression, LogicalOperator,
    ObjectPropertyKind, PropertyKind, Statement, UnaryOperator,
};
use oxc_span::SourceType;

/// Evaluates `source` as `napi_run_script` does: the value of its last expression statement.
pub fn run(rt: &Runtime, source: &str) -> JsResult<Value> {
    let allocator = Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, source, SourceType::script()).parse();
    if let Some(e) = parsed.diagnostics.errors().next() {
        // An error where the text ends is V8's "Unexpected end of input"; others keep oxc's
        // wording, which names the same token V8's does in its own words.
        let at_end = e.labels.iter().any(|l| l.offset() as usize >= source.trim_end().len());
        let message = if at_end { "Unexpected end of input".to_string() } else { e.message.to_string() };
        return Err(rt.error(ErrorKind::SyntaxError, message));
    }
    if parsed.panicked {
        return Err(rt.error(ErrorKind::SyntaxError, "Invalid or unexpected token".into()));
    }
    let program = parsed.program;
    for statement in &program.body {
        check_statement(rt, statement)?;
    }
    let mut last = Value::Undefined;
    for statement in &program.body {
        if let Statement::ExpressionStatement(s) = statement {
            last = Eval { rt }.expr(&s.expression)?;
        }
    }
    Ok(last)
}

/// Refuses what this evaluator does not run, naming it, before anything is evaluated (a
/// script runs whole or not at all).
fn check_statement(rt: &Runtime, statement: &Statement) -> JsResult<()> {
    let what = match statement {
        Statement::ExpressionStatement(s) => return check_expr(rt, &s.expression),
        Statement::EmptyStatement(_) => return Ok(()),
        Statement::VariableDeclaration(_) => "variable declarations",
        Statement::FunctionDeclaration(_) => "function declarations",
        Statement::ClassDeclaration(_) => "class declarations",
        Statement::IfStatement(_) => "if statements",
        Statement::ForStatement(_) | Statement::ForInStatement(_) | Statement::ForOfStatement(_) => "for loops",
        Statement::WhileStatement(_) | Statement::DoWhileStatement(_) => "while loops",
        Statement::TryStatement(_) => "try statements",
        Statement::ThrowStatement(_) => "throw statements",
        Statement::BlockStatement(_) => "blocks",
        Statement::SwitchStatement(_) => "switch statements",
        Statement::ReturnStatement(_) => "return statements",
        _ => "this statement",
    };
    Err(unsupported(rt, what))
}

fn unsupported(rt: &Runtime, what: &str) -> Thrown {
    rt.error(
        ErrorKind::SyntaxError,
        format!("napi_run_script: {what} are not supported (napi-hostd has no JavaScript engine; it evaluates expressions over globals)"),
    )
}

fn check_args(rt: &Runtime, args: &[Argument]) -> JsResult<()> {
    for a in args {
        match a.as_expression() {
            Some(e) => check_expr(rt, e)?,
            None => return Err(unsupported(rt, "spread arguments")),
        }
    }
    Ok(())
}

fn check_expr(rt: &Runtime, e: &Expression) -> JsResult<()> {
    let what = match e {
        Expression::BooleanLiteral(_)
        | Expression::NullLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::BigIntLiteral(_)
        | Expression::RegExpLiteral(_)
        | Expression::StringLiteral(_)
        | Expression::Identifier(_)
        | Expression::ThisExpression(_) => return Ok(()),
        Expression::TemplateLiteral(t) => return t.expressions.iter().try_for_each(|x| check_expr(rt, x)),
        Expression::ArrayExpression(a) => {
            for el in &a.elements {
                match el {
                    ArrayExpressionElement::Elision(_) => {}
                    ArrayExpressionElement::SpreadElement(_) => return Err(unsupported(rt, "spread elements")),
                    other => check_expr(rt, other.to_expression())?,
                }
            }
            return Ok(());
        }
        Expression::ObjectExpression(o) => {
            for p in &o.properties {
                match p {
                    ObjectPropertyKind::SpreadProperty(_) => return Err(unsupported(rt, "spread properties")),
                    ObjectPropertyKind::ObjectProperty(p) => {
                        if p.method || p.kind != PropertyKind::Init {
                            return Err(unsupported(rt, "methods and accessors in object literals"));
                        }
                        if let Some(k) = p.key.as_expression() {
                            check_expr(rt, k)?;
                        }
                        check_expr(rt, &p.value)?;
                    }
                }
            }
            return Ok(());
        }
        Expression::StaticMemberExpression(m) => return check_expr(rt, &m.object),
        Expression::ComputedMemberExpression(m) => {
            check_expr(rt, &m.object)?;
            return check_expr(rt, &m.expression);
        }
        Expression::CallExpression(c) => {
            check_expr(rt, &c.callee)?;
            return check_args(rt, &c.arguments);
        }
        Expression::NewExpression(n) => {
            check_expr(rt, &n.callee)?;
            return check_args(rt, &n.arguments);
        }
        Expression::ChainExpression(c) => {
            return match &c.expression {
                ChainElement::CallExpression(call) => {
                    check_expr(rt, &call.callee)?;
                    check_args(rt, &call.arguments)
                }
                ChainElement::StaticMemberExpression(m) => check_expr(rt, &m.object),
                ChainElement::ComputedMemberExpression(m) => {
                    check_expr(rt, &m.object)?;
                    check_expr(rt, &m.expression)
                }
                _ => Err(unsupported(rt, "this kind of optional chain")),
            }
        }
        Expression::UnaryExpression(u) => return check_expr(rt, &u.argument),
        Expression::BinaryExpression(b) => {
            check_expr(rt, &b.left)?;
            return check_expr(rt, &b.right);
        }
        Expression::LogicalExpression(l) => {
            check_expr(rt, &l.left)?;
            return check_expr(rt, &l.right);
        }
        Expression::ConditionalExpression(c) => {
            check_expr(rt, &c.test)?;
            check_expr(rt, &c.consequent)?;
            return check_expr(rt, &c.alternate);
        }
        Expression::SequenceExpression(s) => return s.expressions.iter().try_for_each(|x| check_expr(rt, x)),
        Expression::ParenthesizedExpression(p) => return check_expr(rt, &p.expression),
        Expression::AssignmentExpression(a) => {
            match &a.left {
                AssignmentTarget::AssignmentTargetIdentifier(_) => {}
                AssignmentTarget::StaticMemberExpression(m) => check_expr(rt, &m.object)?,
                AssignmentTarget::ComputedMemberExpression(m) => {
                    check_expr(rt, &m.object)?;
                    check_expr(rt, &m.expression)?;
                }
                _ => return Err(unsupported(rt, "destructuring assignments")),
            }
            if !matches!(a.operator, AssignmentOperator::Assign) {
                return Err(unsupported(rt, "compound assignments"));
            }
            return check_expr(rt, &a.right);
        }
        Expression::ArrowFunctionExpression(_) => "arrow functions",
        Expression::FunctionExpression(_) => "function expressions",
        Expression::ClassExpression(_) => "classes",
        Expression::AwaitExpression(_) => "await expressions",
        Expression::YieldExpression(_) => "yield expressions",
        Expression::ImportExpression(_) => "dynamic imports",
        Expression::TaggedTemplateExpression(_) => "tagged templates",
        Expression::UpdateExpression(_) => "increments and decrements",
        Expression::Super(_) => "super references",
        _ => "these expressions",
    };
    Err(unsupported(rt, what))
}

struct Eval<'r> {
    rt: &'r Runtime,
}

impl Eval<'_> {
    fn global(&self) -> Value {
        Value::Object(self.rt.realm().global)
    }

    /// A global name's value, or V8's ReferenceError.
    fn lookup(&self, name: &str) -> JsResult<Value> {
        let key = PropertyKey::name(name);
        if !self.rt.has(self.rt.realm().global, &key)? {
            return Err(self.rt.error(ErrorKind::ReferenceError, format!("{name} is not defined")));
        }
        self.rt.get(&self.global(), &key)
    }

    fn key(&self, v: &Value) -> JsResult<PropertyKey> {
        self.rt.to_property_key(v)
    }

    fn args(&self, args: &[Argument]) -> JsResult<Vec<Value>> {
        args.iter().map(|a| self.expr(a.to_expression())).collect()
    }

    /// Reads `object[key]`; a read of null or undefined is V8's TypeError naming the key.
    fn read(&self, object: &Value, key: &PropertyKey) -> JsResult<Value> {
        if object.is_nullish() {
            let shown = key.to_value().to_display(self.rt);
            return Err(self.rt.type_error(format!("Cannot read properties of {} (reading '{shown}')", object.to_display(self.rt))));
        }
        self.rt.get(object, key)
    }

    /// The receiver and function of a callee, so `a.b()` passes `a` as `this`. `None` when an
    /// optional link (`a?.b`) found null or undefined.
    fn callee(&self, callee: &Expression) -> JsResult<Option<(Value, Value)>> {
        match callee {
            Expression::StaticMemberExpression(m) => {
                let object = self.expr(&m.object)?;
                if m.optional && object.is_nullish() {
                    return Ok(None);
                }
                let f = self.read(&object, &PropertyKey::name(&m.property.name))?;
                Ok(Some((object, f)))
            }
            Expression::ComputedMemberExpression(m) => {
                let object = self.expr(&m.object)?;
                if m.optional && object.is_nullish() {
                    return Ok(None);
                }
                let key = self.key(&self.expr(&m.expression)?)?;
                let f = self.read(&object, &key)?;
                Ok(Some((object, f)))
            }
            other => Ok(Some((Value::Undefined, self.expr(other)?))),
        }
    }

    fn call(&self, callee: &Expression, arguments: &[Argument], optional: bool) -> JsResult<Option<Value>> {
        let Some((this, f)) = self.callee(callee)? else { return Ok(None) };
        if optional && f.is_nullish() {
            return Ok(None);
        }
        let args = self.args(arguments)?;
        if !self.rt.is_callable(&f) {
            return Err(self.rt.type_error(format!("{} is not a function", callee_text(callee))));
        }
        self.rt.call(&f, this, &args).map(Some)
    }

    fn expr(&self, e: &Expression) -> JsResult<Value> {
        let rt = self.rt;
        Ok(match e {
            Expression::BooleanLiteral(b) => Value::Bool(b.value),
            Expression::NullLiteral(_) => Value::Null,
            Expression::NumericLiteral(n) => Value::Number(n.value),
            Expression::StringLiteral(s) => Value::String(JsString::from(s.value.as_str())),
            Expression::BigIntLiteral(b) => {
                let big: num_bigint::BigInt =
                    b.value.as_str().parse().map_err(|_| rt.error(ErrorKind::SyntaxError, "Invalid BigInt".into()))?;
                Value::BigInt(Rc::new(BigInt::from_big(&big)))
            }
            Expression::RegExpLiteral(r) => {
                let source: JsString = r.regex.pattern.text.as_str().into();
                Value::Object(rt.new_regexp(&source, &r.regex.flags.to_string(), rt.realm().regexp_prototype)?)
            }
            Expression::TemplateLiteral(t) => {
                let mut out = String::new();
                for (i, q) in t.quasis.iter().enumerate() {
                    out.push_str(q.value.cooked.as_ref().map_or("", |c| c.as_str()));
                    if let Some(x) = t.expressions.get(i) {
                        let v = self.expr(x)?;
                        out.push_str(&rt.to_string(&v)?.to_rust_string());
                    }
                }
                Value::String(out.into())
            }
            Expression::Identifier(id) => match id.name.as_str() {
                "undefined" => Value::Undefined,
                name => self.lookup(name)?,
            },
            Expression::ThisExpression(_) => self.global(),
            Expression::ArrayExpression(a) => {
                let arr = rt.new_array(Vec::new());
                let arr_v = Value::Object(arr);
                for (i, el) in a.elements.iter().enumerate() {
                    if !matches!(el, ArrayExpressionElement::Elision(_)) {
                        let v = self.expr(el.to_expression())?;
                        rt.set(&arr_v, PropertyKey::Index(i as u32), v)?;
                    }
                }
                rt.set_named(&arr_v, "length", Value::Number(a.elements.len() as f64))?;
                arr_v
            }
            Expression::ObjectExpression(o) => {
                let obj = Value::Object(rt.new_plain_object());
                for p in &o.properties {
                    let ObjectPropertyKind::ObjectProperty(p) = p else { continue };
                    let key = match p.key.as_expression() {
                        Some(k) if p.computed => self.key(&self.expr(k)?)?,
                        _ => PropertyKey::name(&p.key.static_name().map(|n| n.to_string()).unwrap_or_default()),
                    };
                    let v = self.expr(&p.value)?;
                    rt.create_data_property(obj.as_object().expect("an object"), key, v)?;
                }
                obj
            }
            Expression::StaticMemberExpression(m) => {
                let object = self.expr(&m.object)?;
                self.read(&object, &PropertyKey::name(&m.property.name))?
            }
            Expression::ComputedMemberExpression(m) => {
                let object = self.expr(&m.object)?;
                let key = self.key(&self.expr(&m.expression)?)?;
                self.read(&object, &key)?
            }
            Expression::CallExpression(c) => self.call(&c.callee, &c.arguments, c.optional)?.unwrap_or(Value::Undefined),
            Expression::NewExpression(n) => {
                let f = self.expr(&n.callee)?;
                let args = self.args(&n.arguments)?;
                if !matches!(f, Value::Object(id) if rt.is_constructor(id)) {
                    return Err(rt.type_error(format!("{} is not a constructor", callee_text(&n.callee))));
                }
                rt.construct(&f, &args)?
            }
            Expression::ChainExpression(c) => self.chain(&c.expression)?.unwrap_or(Value::Undefined),
            Expression::UnaryExpression(u) => self.unary(u.operator, &u.argument)?,
            Expression::BinaryExpression(b) => {
                let l = self.expr(&b.left)?;
                let r = self.expr(&b.right)?;
                binary(rt, b.operator, &l, &r)?
            }
            Expression::LogicalExpression(l) => {
                let left = self.expr(&l.left)?;
                let take_left = match l.operator {
                    LogicalOperator::And => !rt.to_boolean(&left),
                    LogicalOperator::Or => rt.to_boolean(&left),
                    LogicalOperator::Coalesce => !left.is_nullish(),
                };
                if take_left {
                    left
                } else {
                    self.expr(&l.right)?
                }
            }
            Expression::ConditionalExpression(c) => {
                if rt.to_boolean(&self.expr(&c.test)?) {
                    self.expr(&c.consequent)?
                } else {
                    self.expr(&c.alternate)?
                }
            }
            Expression::SequenceExpression(s) => {
                let mut last = Value::Undefined;
                for x in &s.expressions {
                    last = self.expr(x)?;
                }
                last
            }
            Expression::ParenthesizedExpression(p) => self.expr(&p.expression)?,
            Expression::AssignmentExpression(a) => {
                let (target, key) = match &a.left {
                    AssignmentTarget::AssignmentTargetIdentifier(id) => (self.global(), PropertyKey::name(&id.name)),
                    AssignmentTarget::StaticMemberExpression(m) => (self.expr(&m.object)?, PropertyKey::name(&m.property.name)),
                    AssignmentTarget::ComputedMemberExpression(m) => {
                        let object = self.expr(&m.object)?;
                        let key = self.key(&self.expr(&m.expression)?)?;
                        (object, key)
                    }
                    _ => return Err(unsupported(rt, "destructuring assignments")),
                };
                let v = self.expr(&a.right)?;
                if target.is_nullish() {
                    return Err(rt.type_error(format!("Cannot set properties of {}", target.to_display(rt))));
                }
                rt.set(&target, key, v.clone())?;
                v
            }
            _ => return Err(unsupported(rt, "these expressions")),
        })
    }

    fn chain(&self, element: &ChainElement) -> JsResult<Option<Value>> {
        match element {
            ChainElement::CallExpression(c) => {
                // The callee may itself be an optional member read.
                self.call(&c.callee, &c.arguments, c.optional)
            }
            ChainElement::StaticMemberExpression(m) => {
                let object = self.expr(&m.object)?;
                if m.optional && object.is_nullish() {
                    return Ok(None);
                }
                self.read(&object, &PropertyKey::name(&m.property.name)).map(Some)
            }
            ChainElement::ComputedMemberExpression(m) => {
                let object = self.expr(&m.object)?;
                if m.optional && object.is_nullish() {
                    return Ok(None);
                }
                let key = self.key(&self.expr(&m.expression)?)?;
                self.read(&object, &key).map(Some)
            }
            _ => Err(unsupported(self.rt, "this kind of optional chain")),
        }
    }

    fn unary(&self, op: UnaryOperator, argument: &Expression) -> JsResult<Value> {
        let rt = self.rt;
        if op == UnaryOperator::Typeof {
            // `typeof undeclared` is "undefined", not a ReferenceError.
            if let Expression::Identifier(id) = argument {
                if id.name != "undefined" && !rt.has(rt.realm().global, &PropertyKey::name(&id.name))? {
                    return Ok(Value::str("undefined"));
                }
            }
            let v = self.expr(argument)?;
            return Ok(Value::str(rt.typeof_string(&v)));
        }
        if op == UnaryOperator::Delete {
            return match argument {
                Expression::StaticMemberExpression(m) => {
                    let object = self.expr(&m.object)?;
                    let obj = rt.to_object(&object).ok_or_else(|| rt.type_error("Cannot convert undefined or null to object".into()))?;
                    Ok(Value::Bool(rt.delete(obj, &PropertyKey::name(&m.property.name))?))
                }
                Expression::ComputedMemberExpression(m) => {
                    let object = self.expr(&m.object)?;
                    let key = self.key(&self.expr(&m.expression)?)?;
                    let obj = rt.to_object(&object).ok_or_else(|| rt.type_error("Cannot convert undefined or null to object".into()))?;
                    Ok(Value::Bool(rt.delete(obj, &key)?))
                }
                _ => {
                    self.expr(argument)?;
                    Ok(Value::Bool(true))
                }
            };
        }
        let v = self.expr(argument)?;
        Ok(match op {
            UnaryOperator::LogicalNot => Value::Bool(!rt.to_boolean(&v)),
            UnaryOperator::Void => Value::Undefined,
            UnaryOperator::UnaryPlus => Value::Number(rt.to_number(&v)?),
            UnaryOperator::UnaryNegation => match rt.to_numeric(&v)? {
                Value::BigInt(b) => big_value(&-b.to_big()),
                Value::Number(n) => Value::Number(-n),
                _ => unreachable!("numeric"),
            },
            UnaryOperator::BitwiseNot => match rt.to_numeric(&v)? {
                Value::BigInt(b) => big_value(&(-b.to_big() - 1)),
                Value::Number(n) => Value::Number(f64::from(!napi_runtime::number::to_int32(n))),
                _ => unreachable!("numeric"),
            },
            _ => unreachable!("typeof and delete are handled above"),
        })
    }
}

fn big_value(b: &num_bigint::BigInt) -> Value {
    Value::BigInt(Rc::new(BigInt::from_big(b)))
}

/// The callee as V8 names it in "x is not a function": its source-like path.
fn callee_text(e: &Expression) -> String {
    match e {
        Expression::Identifier(id) => id.name.to_string(),
        Expression::StaticMemberExpression(m) => format!("{}.{}", callee_text(&m.object), m.property.name),
        Expression::ComputedMemberExpression(m) => format!("{}[...]", callee_text(&m.object)),
        Expression::ThisExpression(_) => "this".into(),
        _ => "(intermediate value)".into(),
    }
}

fn binary(rt: &Runtime, op: BinaryOperator, l: &Value, r: &Value) -> JsResult<Value> {
    use BinaryOperator::*;
    Ok(match op {
        StrictEquality => Value::Bool(rt.strict_equals(l, r)),
        StrictInequality => Value::Bool(!rt.strict_equals(l, r)),
        Equality => Value::Bool(rt.loosely_equals(l, r)?),
        Inequality => Value::Bool(!rt.loosely_equals(l, r)?),
        LessThan => Value::Bool(rt.is_less_than(l, r, true)? == Some(true)),
        GreaterThan => Value::Bool(rt.is_less_than(r, l, false)? == Some(true)),
        LessEqualThan => Value::Bool(rt.is_less_than(r, l, false)? == Some(false)),
        GreaterEqualThan => Value::Bool(rt.is_less_than(l, r, true)? == Some(false)),
        Instanceof => Value::Bool(rt.instance_of(l, r)?),
        In => {
            let Value::Object(obj) = r else {
                return Err(rt.type_error(format!(
                    "Cannot use 'in' operator to search for '{}' in {}",
                    l.to_display(rt),
                    r.to_display(rt)
                )));
            };
            Value::Bool(rt.has(*obj, &rt.to_property_key(l)?)?)
        }
        Addition => {
            let (pl, pr) = (rt.to_primitive(l, None)?, rt.to_primitive(r, None)?);
            if matches!(pl, Value::String(_)) || matches!(pr, Value::String(_)) {
                let mut s = rt.to_string(&pl)?.to_rust_string();
                s.push_str(&rt.to_string(&pr)?.to_rust_string());
                Value::String(s.into())
            } else {
                numeric(rt, op, &pl, &pr)?
            }
        }
        _ => numeric(rt, op, l, r)?,
    })
}

/// The numeric operators on numbers, or on two BigInts (mixing them is V8's TypeError).
fn numeric(rt: &Runtime, op: BinaryOperator, l: &Value, r: &Value) -> JsResult<Value> {
    use BinaryOperator::*;
    let (a, b) = (rt.to_numeric(l)?, rt.to_numeric(r)?);
    match (&a, &b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (*x, *y);
            let int32 = napi_runtime::number::to_int32;
            let uint32 = napi_runtime::number::to_uint32;
            Ok(Value::Number(match op {
                Addition => x + y,
                Subtraction => x - y,
                Multiplication => x * y,
                Division => x / y,
                Remainder => x % y,
                Exponential => {
                    if y.is_nan() || (x.abs() == 1.0 && y.is_infinite()) {
                        f64::NAN
                    } else {
                        x.powf(y)
                    }
                }
                ShiftLeft => f64::from(int32(x).wrapping_shl(uint32(y) & 31)),
                ShiftRight => f64::from(int32(x) >> (uint32(y) & 31)),
                ShiftRightZeroFill => f64::from(uint32(x) >> (uint32(y) & 31)),
                BitwiseAnd => f64::from(int32(x) & int32(y)),
                BitwiseOR => f64::from(int32(x) | int32(y)),
                BitwiseXOR => f64::from(int32(x) ^ int32(y)),
                _ => unreachable!("comparisons are handled by binary"),
            }))
        }
        (Value::BigInt(x), Value::BigInt(y)) => {
            let (x, y) = (x.to_big(), y.to_big());
            let r = match op {
                Addition => x + y,
                Subtraction => x - y,
                Multiplication => x * y,
                Division | Remainder if y.is_zero() => return Err(rt.range_error("Division by zero".into())),
                Division => x / y,
                Remainder => x % y,
                Exponential => {
                    let Some(e) = y.to_u32() else { return Err(rt.range_error("Exponent must be non-negative".into())) };
                    num_traits::pow(x, e as usize)
                }
                BitwiseAnd => x & y,
                BitwiseOR => x | y,
                BitwiseXOR => x ^ y,
                ShiftLeft => x << y.to_usize().unwrap_or(0),
                ShiftRight => x >> y.to_usize().unwrap_or(0),
                _ => return Err(rt.type_error("BigInts have no unsigned right shift, use >> instead".into())),
            };
            Ok(big_value(&r))
        }
        _ => Err(rt.type_error("Cannot mix BigInt and other types, use explicit conversions".into())),
    }
}

#[cfg(test)]
mod tests {
    use napi_runtime::testing::{runtime, thrown};

    use super::*;

    fn show(rt: &Runtime, v: JsResult<Value>) -> String {
        match v {
            Ok(v) => format!("{} {}", rt.typeof_string(&v), v.to_display(rt)),
            Err(e) => {
                let name = rt.get_named(&e.0, "name").unwrap().to_display(rt);
                let message = rt.get_named(&e.0, "message").unwrap().to_display(rt);
                format!("{name}: {message}")
            }
        }
    }

    #[test]
    fn koffis_feature_tests_answer_as_in_node() {
        // node 20: typeof Deno != 'undefined' -> false; process.isBun -> undefined;
        // Symbol.dispose -> Symbol(nodejs.dispose); Object.prototype -> the object.
        let rt = runtime();
        assert_eq!(show(&rt, run(&rt, "typeof Deno != 'undefined'")), "boolean false");
        let dispose = run(&rt, "Symbol.dispose").unwrap();
        assert_eq!(rt.typeof_string(&dispose), "symbol");
        let proto = run(&rt, "Object.prototype").unwrap();
        assert!(rt.strict_equals(&proto, &Value::Object(rt.realm().object_prototype)));
    }

    #[test]
    fn expressions_over_globals_evaluate_as_javascript() {
        let rt = runtime();
        for (source, expected) in [
            ("1 + 2 * 3", "number 7"),
            ("'a' + 1", "string a1"),
            ("[1, 2, 3].map(String).join('-')", "string 1-2-3"),
            ("Math.max(1, 5, 3) > 4 ? 'big' : 'small'", "string big"),
            ("typeof Buffer === 'function' && typeof process", "string object"),
            ("null ?? 'x'", "string x"),
            ("10n ** 3n + 1n", "bigint 1001"),
            ("JSON.stringify({a: [1, {b: null}]})", "string {\"a\":[1,{\"b\":null}]}"),
            ("new Date(0).toISOString()", "string 1970-01-01T00:00:00.000Z"),
            ("/a(b)/.exec('cab')[1]", "string b"),
            ("`x${1 + 1}y`", "string x2y"),
            ("globalThis.zz = 5; zz * 2", "number 10"),
            ("undefined?.x", "undefined undefined"),
            ("1 == '1' && null == undefined && !(0 === -0 === false)", "boolean true"),
            ("'use strict'; 1", "number 1"),
        ] {
            assert_eq!(show(&rt, run(&rt, source)), expected, "{source}");
        }
    }

    #[test]
    fn what_is_not_evaluated_throws_a_syntax_error_naming_it() {
        let rt = runtime();
        assert_eq!(
            thrown(&rt, run(&rt, "(() => 1)()")),
            "SyntaxError: napi_run_script: arrow functions are not supported (napi-hostd has no JavaScript engine; it evaluates expressions over globals)"
        );
        assert!(thrown(&rt, run(&rt, "var x = 1")).starts_with("SyntaxError: napi_run_script: variable declarations"));
        assert!(thrown(&rt, run(&rt, "1 +")).starts_with("SyntaxError: "));
        assert_eq!(thrown(&rt, run(&rt, "nope + 1")), "ReferenceError: nope is not defined");
        assert_eq!(thrown(&rt, run(&rt, "undefined.x")), "TypeError: Cannot read properties of undefined (reading 'x')");
        assert_eq!(thrown(&rt, run(&rt, "Math.nope()")), "TypeError: Math.nope is not a function");
        // Nothing runs when any part is refused.
        assert!(run(&rt, "globalThis.ran = 1; (function () {})").is_err());
        assert!(!rt.has(rt.realm().global, &PropertyKey::name("ran")).unwrap());
    }
}
