/* The differential Node-API fuzzer's addon: run(program, allowStale) reads a byte string as a
 * sequence of Node-API calls over a small file of registers (napi_value slots, references,
 * deferreds, an open handle-scope stack) and returns a transcript, a line per call: its status,
 * the last error record, a canonical rendering of the value it produced, and whether an exception
 * is pending after it. The same program runs under node and under napi_python and the
 * transcripts are compared line by line (client-py/fuzz/napi_calls.py).
 *
 * Nothing node leaves undefined reaches the transcript: addresses are rendered as "native#i"
 * (this file's own slots) or "ptr", buffers made by napi_create_buffer are filled before they are
 * read, and a weak reference whose target may have been collected (its last handle's scope
 * closed) is read without rendering or keeping what it gave, since the collector decides.
 *
 * A register whose handle scope closed is stale: with allowStale false a call naming it gets
 * NULL (napi_invalid_arg, defined), with allowStale true it gets the stale napi_value, which is
 * undefined behaviour in node and is only run under napi_python, where it must give a status or a
 * clean crash of the isolated host. Scopes are only closed innermost first, and every scope still
 * open, reference still held and exception still pending is closed, deleted or cleared at the end
 * of a run (node aborts when a callback returns with a scope open), so that one run leaves
 * nothing behind for the next: each program's transcript is its own. */
#define NAPI_VERSION 10
#ifdef __MINGW32__
/* C99's printf (%zu), not msvcrt's, for the transcript on Windows. */
#define __USE_MINGW_ANSI_STDIO 1
#define PRINTF_LIKE(fmt, first) __attribute__((format(gnu_printf, fmt, first)))
#else
#define PRINTF_LIKE(fmt, first) __attribute__((format(printf, fmt, first)))
#endif
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

/* Node-API 10's, declared only under NAPI_EXPERIMENTAL by the headers of node 20. */
NAPI_EXTERN napi_status NAPI_CDECL node_api_create_property_key_utf16(napi_env env, const char16_t* str,
                                                                      size_t length, napi_value* result);
NAPI_EXTERN napi_status NAPI_CDECL node_api_post_finalizer(node_api_basic_env env, napi_finalize finalize_cb,
                                                           void* finalize_data, void* finalize_hint);

#define REGS 16
#define REFS 8
#define DEFERREDS 4
#define NATIVES 16
#define MAX_SCOPES 8
#define MAX_SCOPE_IDS 4096
#define MAX_OPS 512

/* ---- the transcript ---- */

static char* out;
static size_t out_len, out_cap;

static void emit(const char* fmt, ...) PRINTF_LIKE(1, 2);
#include <stdarg.h>
static void emit(const char* fmt, ...) {
  va_list ap;
  for (;;) {
    va_start(ap, fmt);
    int n = vsnprintf(out + out_len, out_cap - out_len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < out_cap - out_len) {
      out_len += (size_t)n;
      return;
    }
    size_t cap = out_cap * 2 + (size_t)n + 64;
    char* grown = realloc(out, cap);
    if (grown == NULL) return;
    out = grown;
    out_cap = cap;
  }
}

/* ---- the program ---- */

static const uint8_t* prog;
static size_t prog_len, pc;

static uint8_t next_byte(void) { return pc < prog_len ? prog[pc++] : 0; }

static uint32_t next_u32(void) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)next_byte() << (8 * i);
  return v;
}

static uint64_t next_u64(void) {
  uint64_t lo = next_u32();
  return lo | ((uint64_t)next_u32() << 32);
}

static double next_double(void) {
  uint64_t bits = next_u64();
  double d;
  memcpy(&d, &bits, sizeof d);
  return d;
}

/* ---- the registers ---- */

static napi_value regs[REGS];
static int reg_scope[REGS]; /* the id of the scope the handle lives in */
/* Made by this run (or a primitive): what a program may change. Objects it did not make (the
 * built-ins, prototypes, what a property held) are shared by every run of the process, and a
 * change to them would make one program's transcript depend on those before it. */
static bool reg_fresh[REGS];
static bool fresh_result; /* the current operation's value is one it made */
static napi_ref refs[REFS];
static uint32_t ref_count[REFS];
static bool ref_weakable[REFS]; /* an object, function or symbol: the collector may take it */
static int ref_alive_scope[REFS]; /* a scope holding a handle to the target (-1: none known) */
static bool ref_fresh[REFS]; /* its target was made by this run */
static napi_deferred deferreds[DEFERREDS];
static int natives[NATIVES];
static uint8_t external_bytes[NATIVES][16];
static int finalized; /* counted, never rendered: the collector decides when */

typedef struct {
  bool escapable;
  int id;
  union {
    napi_handle_scope plain;
    napi_escapable_handle_scope esc;
  } s;
} scope_entry;

static scope_entry scopes[MAX_SCOPES];
static int depth; /* scopes[0..depth) are open; the callback's own scope has id 0 */
static bool scope_open[MAX_SCOPE_IDS];
static int scope_depth_of[MAX_SCOPE_IDS];
static int next_scope_id;
static bool allow_stale;
static bool used_stale; /* the current operation was handed a stale napi_value */

static int current_scope(void) { return depth == 0 ? 0 : scopes[depth - 1].id; }

static napi_value reg(uint8_t operand) {
  int r = operand % REGS;
  if (regs[r] == NULL) return NULL;
  if (!scope_open[reg_scope[r]]) {
    if (!allow_stale) return NULL;
    used_stale = true;
  }
  return regs[r];
}

static void set_reg(int r, napi_value v, int scope) {
  regs[r % REGS] = v;
  reg_scope[r % REGS] = scope;
  reg_fresh[r % REGS] = fresh_result;
}

static const char* native_name(const void* p, char* buf, size_t size) {
  if (p == NULL) return "null";
  for (int i = 0; i < NATIVES; i++) {
    if (p == &natives[i] || p == external_bytes[i]) {
      snprintf(buf, size, "native#%d", i);
      return buf;
    }
  }
  return "ptr";
}

/* ---- rendering: calls that need no exception to be clear, and that change nothing ---- */

static void render_double(double d) {
  if (isnan(d)) emit("NaN");
  else if (isinf(d)) emit(d > 0 ? "Infinity" : "-Infinity");
  else if (d == 0 && signbit(d)) emit("-0");
  else emit("%.17g", d);
}

static void render_bytes(const void* data, size_t len) {
  const uint8_t* b = data;
  emit(":");
  if (b == NULL) {
    emit("nodata");
    return;
  }
  for (size_t i = 0; i < len && i < 40; i++) emit("%02x", b[i]);
  if (len > 40) emit("..");
}

static void render_string(napi_env env, napi_value v) {
  char16_t units[120];
  size_t len = 0, total = 0;
  napi_status s = napi_get_value_string_utf16(env, v, NULL, 0, &total);
  if (s != napi_ok) {
    emit("string!%d", s);
    return;
  }
  s = napi_get_value_string_utf16(env, v, units, 120, &len);
  if (s != napi_ok) {
    emit("string!%d", s);
    return;
  }
  emit("\"");
  for (size_t i = 0; i < len; i++) {
    if (units[i] >= 0x20 && units[i] < 0x7f && units[i] != '"' && units[i] != '\\') emit("%c", units[i]);
    else emit("\\u%04x", units[i]);
  }
  emit("\"");
  if (total > len) emit("+%zu", total - len);
}

static void render_object(napi_env env, napi_value v) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length = 0, offset = 0;
    void* data = NULL;
    napi_status s = napi_get_typedarray_info(env, v, &type, &length, &data, NULL, &offset);
    if (s != napi_ok) {
      emit("typedarray!%d", s);
      return;
    }
    bool buffer = false;
    napi_is_buffer(env, v, &buffer);
    emit("typedarray(%d,%zu,@%zu%s)", (int)type, length, offset, buffer ? ",buffer" : "");
    return;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    size_t length = 0, offset = 0;
    void* data = NULL;
    napi_status s = napi_get_dataview_info(env, v, &length, &data, NULL, &offset);
    if (s != napi_ok) emit("dataview!%d", s);
    else emit("dataview(%zu,@%zu)", length, offset);
    return;
  }
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    size_t length = 0;
    void* data = NULL;
    bool detached = false;
    napi_is_detached_arraybuffer(env, v, &detached);
    napi_status s = napi_get_arraybuffer_info(env, v, &data, &length);
    if (s != napi_ok) emit("arraybuffer!%d", s);
    else emit("arraybuffer(%zu%s)", length, detached ? ",detached" : "");
    return;
  }
  static const struct {
    const char* name;
    napi_status (*test)(napi_env, napi_value, bool*);
  } kinds[] = {{"error", napi_is_error}, {"promise", napi_is_promise}, {"date", napi_is_date},
               {"array", napi_is_array}};
  for (size_t i = 0; i < ARRAY_LENGTH(kinds); i++) {
    if (kinds[i].test(env, v, &is) == napi_ok && is) {
      emit("%s", kinds[i].name);
      return;
    }
  }
  emit("object");
}

static void render(napi_env env, napi_value v) {
  napi_valuetype t;
  if (v == NULL) {
    emit("-");
    return;
  }
  napi_status s = napi_typeof(env, v, &t);
  if (s != napi_ok) {
    emit("typeof!%d", s);
    return;
  }
  switch (t) {
    case napi_undefined: emit("undefined"); return;
    case napi_null: emit("null"); return;
    case napi_boolean: {
      bool b = false;
      napi_get_value_bool(env, v, &b);
      emit(b ? "true" : "false");
      return;
    }
    case napi_number: {
      double d = 0;
      napi_get_value_double(env, v, &d);
      render_double(d);
      return;
    }
    case napi_string: render_string(env, v); return;
    case napi_symbol: emit("symbol"); return;
    case napi_bigint: {
      int sign = 0;
      size_t count = 4;
      uint64_t words[4] = {0};
      s = napi_get_value_bigint_words(env, v, &sign, &count, words);
      if (s != napi_ok) {
        emit("bigint!%d", s);
        return;
      }
      emit("%sbigint(", sign ? "-" : "");
      for (size_t i = 0; i < count && i < 4; i++) emit("%s%llx", i ? "," : "", (unsigned long long)words[i]);
      emit(")");
      return;
    }
    case napi_function: emit("function"); return;
    case napi_external: {
      void* data = NULL;
      char name[24];
      napi_get_value_external(env, v, &data);
      emit("external(%s)", native_name(data, name, sizeof name));
      return;
    }
    case napi_object: render_object(env, v); return;
  }
  emit("type%d", (int)t);
}

/* ---- the fixed tables operands index ---- */

static const char* const prop_names[] = {"a", "b", "length", "__proto__", "constructor", "0", "x y", "\xc3\xa9", ""};
static const char* const builtins[] = {"Object", "Array", "Error", "TypeError", "Promise", "Symbol",
                                       "Boolean", "Uint8Array", "ArrayBuffer", "String", "RangeError", "Number"};
/* Called or constructed, these give what differs from run to run (the time) or need a whole JS
 * engine (source text compiled) or node's own library: not called. */
static const char* const uncalled[] = {"Date", "Function", "Buffer", "eval"};
static const uint32_t indices[] = {0, 1, 2, 7, 100, 0x7fffffff, 0xfffffffe, 0xffffffff};
/* node aborts on an array of 2**31-1 elements (it makes them all): lengths it survives. */
static const size_t lengths[] = {0, 1, 2, 7, 100, 4096, 0xffffffff, (size_t)1 << 32};
static const size_t sizes[] = {0, 1, 2, 3, 4, 8, 16, 33};
static const napi_type_tag tags[] = {{1, 2}, {1, 3}, {0, 0}, {0xffffffffffffffffull, 1}};

static const char* prop_name(uint8_t b) { return prop_names[b % ARRAY_LENGTH(prop_names)]; }

/* ---- the callbacks functions and classes made by programs call ---- */

static napi_value callback(napi_env env, napi_callback_info info, int kind) {
  napi_value argv[2] = {NULL, NULL}, this_arg = NULL, result = NULL, target = NULL;
  size_t argc = 2;
  if (napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL) != napi_ok) return NULL;
  switch (kind) {
    case 0: return argc > 0 ? argv[0] : NULL;
    case 1: napi_throw_error(env, "CB", "thrown by a callback"); return NULL;
    case 2: return this_arg;
    case 3: napi_create_uint32(env, (uint32_t)argc, &result); return result;
    default:
      napi_get_new_target(env, info, &target);
      napi_get_boolean(env, target != NULL, &result);
      return result;
  }
}

static napi_value cb_first(napi_env env, napi_callback_info info) { return callback(env, info, 0); }
static napi_value cb_throw(napi_env env, napi_callback_info info) { return callback(env, info, 1); }
static napi_value cb_this(napi_env env, napi_callback_info info) { return callback(env, info, 2); }
static napi_value cb_argc(napi_env env, napi_callback_info info) { return callback(env, info, 3); }
static napi_value cb_new_target(napi_env env, napi_callback_info info) { return callback(env, info, 4); }
static const napi_callback callbacks[] = {cb_first, cb_throw, cb_this, cb_argc, cb_new_target};

static napi_callback pick_callback(uint8_t b) { return callbacks[b % ARRAY_LENGTH(callbacks)]; }

#include "napi_calls_ops.h"

/* ---- run(program, allowStale) ---- */

static void reset(napi_env env) {
  memset(regs, 0, sizeof regs);
  memset(refs, 0, sizeof refs);
  memset(deferreds, 0, sizeof deferreds);
  memset(scope_open, 0, sizeof scope_open);
  for (int i = 0; i < NATIVES; i++) memset(external_bytes[i], 0x40 + i, sizeof external_bytes[i]);
  depth = 0;
  next_scope_id = 1;
  scope_open[0] = true;
  scope_depth_of[0] = 0;
  out_len = 0;
  if (out != NULL) out[0] = 0;
  napi_set_instance_data(env, NULL, NULL, NULL);
  reset_async();
  finalizer_serial = 0;
  posted = false;
}

static void finish(napi_env env) {
  while (depth > 0) close_innermost(env);
  finish_async(env);
  for (int i = 0; i < REFS; i++) {
    if (refs[i] != NULL) napi_delete_reference(env, refs[i]);
    refs[i] = NULL;
  }
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value e = NULL;
    napi_get_and_clear_last_exception(env, &e);
    emit("end: uncaught ");
    render_exception(env, e);
    emit("\n");
  }
}

/* run(program, allowStale), or teardown(program, path) (napi_calls_teardown.h). */
static napi_value run_program(napi_env env, napi_callback_info info, bool teardown) {
  napi_value argv[2];
  void* data = NULL;
  size_t len = 0;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_buffer_info(env, argv[0], &data, &len));
  allow_stale = false;
  if (teardown) {
    size_t path_len = 0;
    NODE_API_CALL(env, napi_get_value_string_utf8(env, argv[1], NULL, 0, &path_len));
    free(teardown_path);
    teardown_path = malloc(path_len + 1);
    NODE_API_ASSERT(env, teardown_path != NULL, "out of memory");
    NODE_API_CALL(env, napi_get_value_string_utf8(env, argv[1], teardown_path, path_len + 1, &path_len));
  } else {
    NODE_API_CALL(env, napi_get_value_bool(env, argv[1], &allow_stale));
  }
  if (out == NULL) {
    out_cap = 4096;
    out = malloc(out_cap);
    NODE_API_ASSERT(env, out != NULL, "out of memory");
  }
  /* A copy: the program's own buffer is a JS value a program could detach or change. */
  uint8_t* copy = malloc(len + 1);
  NODE_API_ASSERT(env, copy != NULL, "out of memory");
  /* An empty buffer's data is NULL (as in node), which memcpy may not be given even for 0 bytes. */
  if (len > 0) memcpy(copy, data, len);
  prog = copy;
  prog_len = len;
  pc = 0;
  reset(env);
  for (int n = 0; pc < prog_len && n < MAX_OPS; n++) {
    emit("%d ", n);
    used_stale = false;
    step(env);
    emit(used_stale ? " stale\n" : "\n");
  }
  finish(env);
  free(copy);
  prog = NULL;
  napi_value result;
  NODE_API_CALL(env, napi_create_string_utf8(env, out, out_len, &result));
  return result;
}

static napi_value Run(napi_env env, napi_callback_info info) { return run_program(env, info, false); }

static napi_value Teardown(napi_env env, napi_callback_info info) { return run_program(env, info, true); }

/* The finalizers run so far: not compared (the collector decides when), a sanity figure. */
static napi_value Finalized(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int32(env, finalized);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor descs[] = {
      DECLARE_METHOD("run", Run),
      DECLARE_METHOD("finalized", Finalized),
      DECLARE_METHOD("settle", Settle),
      DECLARE_METHOD("teardown", Teardown),
  };
  return EXPORT_METHODS(env, exports, descs);
}
