/* The floor of a call from CPython: C functions of an extension module doing the work of the
 * benchmark addon's `noop` and `add` (addons/c/bench.c), and the Python side of the spinning
 * shared-memory round trip (shm_line.h). Built by the benchmarks themselves (floor_ext.py). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <sys/mman.h>

#include "shm_line.h"

/* noop(...) -> None: like a Node-API function, it takes any arguments. */
static PyObject* noop(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  (void)self, (void)args, (void)nargs;
  Py_RETURN_NONE;
}

/* add(a, b) -> a + b of two numbers read as doubles, as the addon's add reads them; an integral
 * sum comes back as an int, as napi_python gives it. */
static PyObject* add(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  (void)self;
  if (nargs != 2) {
    PyErr_SetString(PyExc_TypeError, "add takes two numbers");
    return NULL;
  }
  double a = PyFloat_AsDouble(args[0]);
  if (a == -1.0 && PyErr_Occurred()) return NULL;
  double b = PyFloat_AsDouble(args[1]);
  if (b == -1.0 && PyErr_Occurred()) return NULL;
  double sum = a + b;
  if (sum == (double)(long long)sum && sum >= -9007199254740992.0 && sum <= 9007199254740992.0)
    return PyLong_FromLongLong((long long)sum);
  return PyFloat_FromDouble(sum);
}

static struct pingpong* shared;
static uint32_t sent;
static int64_t timeout_ns = 5000000000;

/* set_timeout(seconds): how long each ping waits for its answer from now on. */
static PyObject* set_timeout(PyObject* self, PyObject* arg) {
  (void)self;
  double timeout = PyFloat_AsDouble(arg);
  if (timeout == -1.0 && PyErr_Occurred()) return NULL;
  timeout_ns = (int64_t)(timeout * 1e9);
  Py_RETURN_NONE;
}

/* attach(fd) maps the round trip's lines from memfd `fd` (new, shared with the echo process). */
static PyObject* attach(PyObject* self, PyObject* args) {
  int fd;
  (void)self;
  if (!PyArg_ParseTuple(args, "i", &fd)) return NULL;
  if (shared != NULL) {
    PyErr_SetString(PyExc_RuntimeError, "already attached");
    return NULL;
  }
  void* p = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) return PyErr_SetFromErrno(PyExc_OSError);
  shared = p;
  sent = 0; /* a fresh memfd: the lines start zeroed */
  Py_RETURN_NONE;
}

/* ping() -> None: one round trip of an 8-byte payload, spinning with the GIL held (the
 * cheapest the hand-off can be from Python). */
static PyObject* ping(PyObject* self, PyObject* unused) {
  static const char payload[PAYLOAD] = "ping1234";
  (void)self, (void)unused;
  if (shared == NULL) {
    PyErr_SetString(PyExc_RuntimeError, "not attached");
    return NULL;
  }
  uint32_t answered = sent;
  if (++sent == STOP) sent = 1;
  post(&shared->request, payload, sent);
  if (!wait_for_change(&shared->reply, answered, timeout_ns)) {
    PyErr_SetString(PyExc_TimeoutError, "the shared-memory echo process did not answer in time");
    return NULL;
  }
  if (atomic_load_explicit(&shared->reply.seq, memory_order_acquire) != sent ||
      memcmp(shared->reply.payload, payload, PAYLOAD) != 0) {
    PyErr_SetString(PyExc_RuntimeError, "the shared-memory echo process answered something else");
    return NULL;
  }
  Py_RETURN_NONE;
}

/* detach() tells the echo process to end and unmaps the lines. */
static PyObject* detach(PyObject* self, PyObject* unused) {
  (void)self, (void)unused;
  if (shared != NULL) {
    post(&shared->request, "\0\0\0\0\0\0\0\0", STOP);
    munmap(shared, sizeof *shared);
    shared = NULL;
  }
  Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"noop", (PyCFunction)(void (*)(void))noop, METH_FASTCALL, "Does nothing."},
    {"add", (PyCFunction)(void (*)(void))add, METH_FASTCALL, "The sum of two numbers."},
    {"attach", attach, METH_VARARGS, "Maps the round trip's lines from a memfd."},
    {"set_timeout", set_timeout, METH_O, "How long each ping waits for its answer, in seconds."},
    {"ping", ping, METH_NOARGS, "One spinning shared-memory round trip."},
    {"detach", detach, METH_NOARGS, "Ends the echo process and unmaps the lines."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_bench_floor", .m_size = -1, .m_methods = methods};

PyMODINIT_FUNC PyInit__bench_floor(void) { return PyModule_Create(&module); }
