//! Making values on the host side, and the questions about them Python asks (`typeof`, `instanceof`, `===`).

use napi_protocol as proto;

use crate::dispatch::{bad, Error, OpOutput};
use crate::wire::Stop;
use crate::Host;
use napi_runtime::Value;

impl Host {
    pub(crate) fn type_of(&self, value: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let v = self.arg(value)?;
        Ok(OpOutput::Value(Value::str(rt.typeof_string(&v))))
    }

    pub(crate) fn instance_of(&self, value: &proto::Value, ctor: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let v = self.arg(value)?;
        let c = self.arg(ctor)?;
        Ok(OpOutput::Value(Value::Bool(rt.instance_of(&v, &c)?)))
    }

    pub(crate) fn strict_equals(&self, a: &proto::Value, b: &proto::Value) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let (a, b) = (self.arg(a)?, self.arg(b)?);
        Ok(OpOutput::Value(Value::Bool(rt.strict_equals(&a, &b))))
    }

    pub(crate) fn new_object(&self, props: &[(proto::Value, proto::Value)]) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let obj = rt.new_plain_object();
        for (k, v) in props {
            let key = self.key_arg(k)?;
            let value = self.arg(v)?;
            rt.set(&Value::Object(obj), key, value)?;
        }
        rt.heap_mut().obj_mut(obj).by_reference = true;
        Ok(OpOutput::Reference(obj))
    }

    pub(crate) fn new_array(&self, items: &[proto::Value]) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let items = items.iter().map(|i| self.arg(i)).collect::<Result<Vec<_>, _>>()?;
        let arr = rt.new_array(items);
        rt.heap_mut().obj_mut(arr).by_reference = true;
        Ok(OpOutput::Reference(arr))
    }

    pub(crate) fn new_symbol(&self, description: Option<&str>) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        Ok(OpOutput::Value(Value::Symbol(rt.new_symbol(description.map(Into::into)))))
    }

    pub(crate) fn symbol_for(&self, key: &str) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        Ok(OpOutput::Value(Value::Symbol(rt.symbol_for(key.into()))))
    }

    pub(crate) fn global_this(&self) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        Ok(OpOutput::Reference(rt.realm().global))
    }

    pub(crate) fn gc(&self) -> Result<OpOutput, Error> {
        Ok(OpOutput::Value(Value::Number(self.collect() as f64)))
    }

    /// `[proxies let go, Python objects dropped, objects freed]`.
    pub(crate) fn collect_cycles_op(&self) -> Result<OpOutput, Error> {
        let c = self.collect_cycles();
        let n = |n: usize| proto::Value::Number(n as f64);
        Ok(OpOutput::Walk(Box::new(move |_, sink| sink.leaves(vec![n(c.proxies), n(c.python), n(c.freed)]).map_err(Stop::Sink))))
    }

    pub(crate) fn new_buffer(&self, kind: proto::BufferKind, len: u64) -> Result<OpOutput, Error> {
        let rt = &self.rt;
        let len = usize::try_from(len)
            .ok()
            .filter(|l| *l <= napi_functions::buffers::MAX_BUFFER_LENGTH)
            .ok_or_else(|| rt.range_error("Array buffer allocation failed".into()))?;
        if len % kind.element_size() != 0 {
            return Err(bad(format!("{len} bytes do not make whole elements of {} bytes", kind.element_size())));
        }
        Ok(OpOutput::Value(Value::Object(crate::wire::new_buffer(rt, kind, len)?)))
    }
}
