//! Python lists, tuples and dicts walked into a `ValueSink` in pre-order, to any depth: the
//! containers being sent wait on a stack of their own, so the thread's stack does not grow with
//! the depth (D78). A container that contains itself is refused, as `json.dumps` refuses it, and
//! so is a message of more than `MAX_VALUES` values (`Budget`). What each element becomes is its
//! converter's to say (`from_python.rs`), which hands the walk its answer (`Converted`).

use std::cell::Cell;

use napi_protocol::value_tree::{Ancestors, ValueSink};
use napi_protocol::{Value, ValueBudget};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use smallvec::SmallVec;

use crate::values::dict_keys;

/// The values a converter may still send (`MAX_VALUES` a message, as the host decodes).
#[derive(Default)]
pub struct Budget(Cell<ValueBudget>);

impl Budget {
    /// Takes `n` values of what may still be sent.
    pub fn take(&self, n: u64) -> PyResult<()> {
        let mut budget = self.0.get();
        let taken = budget.take(n);
        self.0.set(budget);
        if taken {
            Ok(())
        } else {
            Err(PyValueError::new_err(napi_protocol::too_many_values()))
        }
    }
}

/// A Python container being sent: its elements still to convert.
pub enum Sending<'py> {
    List(Bound<'py, PyList>, usize, usize),
    Tuple(Bound<'py, PyTuple>, usize),
    Dict(std::vec::IntoIter<(Bound<'py, PyString>, Bound<'py, PyAny>)>),
}

impl<'py> Sending<'py> {
    /// `obj` to send element by element if it is a list, tuple or dict, with its address (to
    /// tell a container that contains itself). A dict's keys must be `str`.
    pub fn of(obj: &Bound<'py, PyAny>) -> PyResult<Option<(Sending<'py>, usize)>> {
        let address = obj.as_ptr() as usize;
        if let Ok(l) = obj.cast::<PyList>() {
            return Ok(Some((Sending::List(l.clone(), 0, l.len()), address)));
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return Ok(Some((Sending::Tuple(t.clone(), 0), address)));
        }
        let Ok(d) = obj.cast::<PyDict>() else { return Ok(None) };
        let mut props = Vec::with_capacity(d.len());
        dict_keys::each_item(d, |k, v| {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!("dict keys sent to JavaScript must be str, not {}", k.get_type().name()?)));
            };
            props.push((key.clone(), v));
            Ok(())
        })?;
        Ok(Some((Sending::Dict(props.into_iter()), address)))
    }

    fn len(&self) -> usize {
        match self {
            Sending::List(_, _, len) => *len,
            Sending::Tuple(t, _) => t.len(),
            Sending::Dict(props) => props.len(),
        }
    }
}

/// What one Python object becomes: a value, or a container sent element by element (with its
/// address, to tell a container that contains itself).
pub enum Converted<'py> {
    Value(Value),
    /// A `str`, whose text the sink copies from where it lies.
    Text(Bound<'py, PyString>),
    Container(Sending<'py>, usize),
}

/// The containers being sent, innermost last, with their addresses.
type Stack<'py> = SmallVec<[(Sending<'py>, usize); 8]>;

/// Walks container `first` (at `address`) and everything in it into `sink`, each element as
/// `convert` makes it, counting them against `budget`.
pub fn send_container<'py, S: ValueSink + ?Sized>(
    first: Sending<'py>,
    address: usize,
    sink: &mut S,
    budget: &Budget,
    mut convert: impl FnMut(&Bound<'py, PyAny>) -> PyResult<Converted<'py>>,
) -> PyResult<()>
where
    PyErr: From<S::Error>,
{
    // A value counts one, a container and each of its elements: a value that is no
    // container is one whatever it is, and bounds nothing.
    budget.take(1)?;
    let mut open: Stack<'py> = SmallVec::new();
    let mut inside = Ancestors::default();
    enter(first, address, &mut open, &mut inside, sink, budget)?;
    while let Some((top, _)) = open.last_mut() {
        let next = match top {
            Sending::List(l, next, len) if *next < *len => {
                *next += 1;
                Some(l.get_item(*next - 1).map_err(|_| PyRuntimeError::new_err("a list changed size while it was sent to JavaScript"))?)
            }
            Sending::Tuple(t, next) if *next < t.len() => {
                *next += 1;
                Some(t.get_item(*next - 1)?)
            }
            Sending::Dict(props) => match props.next() {
                Some((k, v)) => {
                    sink.key(&k.to_string_lossy())?;
                    Some(v)
                }
                None => None,
            },
            _ => None,
        };
        match next {
            // Filled (the sink closed it with its last element).
            None => {
                open.pop();
                inside.leave();
            }
            Some(item) => match convert(&item)? {
                Converted::Value(v) => sink.leaf(v)?,
                Converted::Text(t) => sink.text(&t.to_string_lossy())?,
                Converted::Container(c, address) => enter(c, address, &mut open, &mut inside, sink, budget)?,
            },
        }
    }
    Ok(())
}

/// Starts sending container `c`: refused when it is one it is inside of; its elements
/// counted and opened in the sink.
fn enter<'py, S: ValueSink + ?Sized>(
    c: Sending<'py>,
    address: usize,
    open: &mut Stack<'py>,
    inside: &mut Ancestors<usize>,
    sink: &mut S,
    budget: &Budget,
) -> PyResult<()>
where
    PyErr: From<S::Error>,
{
    let len = c.len();
    if !inside.enter(address) {
        return Err(PyValueError::new_err("a list or dict that contains itself cannot be sent to JavaScript (it would never end)"));
    }
    budget.take(len as u64)?;
    match c {
        Sending::Dict(_) => sink.open_object(len)?,
        _ => sink.open_array(len)?,
    }
    if len > 0 {
        open.push((c, address));
    } else {
        inside.leave();
    }
    Ok(())
}
