/* The operations of napi_calls.c's programs. OPS lists each with its operands, one letter each,
 * read from the program in order (client-py/fuzz/napi_calls.py reads this list to write and show
 * programs):
 *   d  a register written        r  a register read          b  a byte (an index into a table)
 *   i  4 bytes (a u32)           q  8 bytes (a u64)          f  8 bytes (a double)
 *   s  a string: a length byte (its low 4 bits the length; 0x80: passed as NAPI_AUTO_LENGTH, NUL
 *      ended), then that many bytes      w  the same with 2 bytes a UTF-16 unit
 *   n  a reference slot          p  a deferred, work or threadsafe-function slot
 *   x  a native slot
 *   a  arguments: a count byte (0-3), then that many registers
 *   W  bigint words: a sign byte, a count byte (0-3), then 8 bytes a word
 *   D  descriptors: a count byte (0-3), then per property a name byte, an attributes byte (its
 *      low 3 bits napi's; 0x08: an accessor, with a setter when 0x10 is set too) and a register
 *      byte (0x80 set: a method, the low bits its callback; an accessor's callbacks) */
#define OPS(OP)                                  \
  OP(undefined, "d")                             \
  OP(null, "d")                                  \
  OP(boolean, "db")                              \
  OP(builtin, "db")                              \
  OP(int32, "di")                                \
  OP(uint32, "di")                               \
  OP(int64, "dq")                                \
  OP(double, "df")                               \
  OP(string_utf8, "ds")                          \
  OP(string_latin1, "ds")                        \
  OP(string_utf16, "dw")                         \
  OP(key_utf16, "dw")                            \
  OP(symbol, "dr")                               \
  OP(symbol_for, "ds")                           \
  OP(object, "d")                                \
  OP(array, "d")                                 \
  OP(array_with_length, "db")                    \
  OP(bigint_int64, "dq")                         \
  OP(bigint_uint64, "dq")                        \
  OP(bigint_words, "dW")                         \
  OP(date, "df")                                 \
  OP(error, "dbrr")                              \
  OP(function, "dbs")                            \
  OP(external, "dx")                             \
  OP(buffer, "db")                               \
  OP(buffer_copy, "ds")                          \
  OP(arraybuffer, "db")                          \
  OP(external_arraybuffer, "dx")                 \
  OP(external_buffer, "dx")                      \
  OP(typedarray, "dbrbb")                        \
  OP(dataview, "drbb")                           \
  OP(detach, "r")                                \
  OP(is_detached, "r")                           \
  OP(buffer_info, "r")                           \
  OP(arraybuffer_info, "r")                      \
  OP(typedarray_info, "dr")                      \
  OP(dataview_info, "dr")                        \
  OP(is_kind, "br")                              \
  OP(typeof, "r")                                \
  OP(get_value, "brb")                           \
  OP(coerce, "dbr")                              \
  OP(strict_equals, "rr")                        \
  OP(instanceof, "rr")                           \
  OP(set_property, "rrr")                        \
  OP(get_property, "drr")                        \
  OP(has_property, "rr")                         \
  OP(delete_property, "rr")                      \
  OP(has_own_property, "rr")                     \
  OP(set_named, "rbr")                           \
  OP(get_named, "drb")                           \
  OP(has_named, "rb")                            \
  OP(set_element, "rbr")                         \
  OP(get_element, "drb")                         \
  OP(has_element, "rb")                          \
  OP(delete_element, "rb")                       \
  OP(property_names, "dr")                       \
  OP(all_property_names, "drbbb")                \
  OP(array_length, "r")                          \
  OP(prototype, "dr")                            \
  OP(freeze, "r")                                \
  OP(seal, "r")                                  \
  OP(define_properties, "rD")                    \
  OP(call, "drra")                               \
  OP(new_instance, "dra")                        \
  OP(define_class, "dbb")                        \
  OP(create_reference, "nrb")                    \
  OP(delete_reference, "n")                      \
  OP(reference_ref, "n")                         \
  OP(reference_unref, "n")                       \
  OP(reference_value, "dn")                      \
  OP(open_scope, "")                             \
  OP(open_escapable, "")                         \
  OP(close_scope, "")                            \
  OP(escape, "dr")                               \
  OP(wrap, "rxb")                                \
  OP(unwrap, "r")                                \
  OP(remove_wrap, "r")                           \
  OP(type_tag, "rb")                             \
  OP(check_tag, "rb")                            \
  OP(throw, "r")                                 \
  OP(throw_error, "bbs")                         \
  OP(is_pending, "")                             \
  OP(catch, "d")                                 \
  OP(promise, "dp")                              \
  OP(resolve, "pr")                              \
  OP(reject, "pr")                               \
  OP(add_finalizer, "rxb")                       \
  OP(set_instance_data, "x")                     \
  OP(get_instance_data, "")                      \
  OP(describe, "r")                              \
  OP(async_create, "pbr")                        \
  OP(async_queue, "p")                           \
  OP(async_cancel, "p")                          \
  OP(async_delete, "p")                          \
  OP(tsfn_create, "prbb")                        \
  OP(tsfn_call, "pb")                            \
  OP(tsfn_thread, "pb")                          \
  OP(tsfn_acquire, "p")                          \
  OP(tsfn_release, "pb")                         \
  OP(run_script, "dbr")                          \
  OP(cleanup_hook, "bx")

/* One operation's operands, decoded by its letters: numbers in v (in order), the one string, the
 * argument registers, the descriptors. */
typedef struct {
  uint64_t v[6];
  double f;
  uint8_t str[34];
  size_t str_len; /* bytes (2 a unit for w) */
  bool auto_len;
  uint8_t args[3];
  size_t argc;
  int sign;
  uint64_t words[3];
  size_t word_count;
  uint8_t desc[3][3];
  size_t desc_count;
} operands;

static void decode(const char* letters, operands* o) {
  size_t k = 0;
  memset(o, 0, sizeof *o);
  for (const char* l = letters; *l; l++) {
    switch (*l) {
      case 'i': o->v[k++] = next_u32(); break;
      case 'q': o->v[k++] = next_u64(); break;
      case 'f': o->f = next_double(); break;
      case 's':
      case 'w': {
        uint8_t len = next_byte();
        size_t n = (size_t)(len & 15) * (*l == 'w' ? 2 : 1);
        o->auto_len = (len & 0x80) != 0;
        for (size_t i = 0; i < n; i++) o->str[i] = next_byte();
        o->str_len = n;
        o->str[n] = o->str[n + 1] = 0; /* the NUL an auto length stops at */
        break;
      }
      case 'a':
        o->argc = next_byte() % 4;
        for (size_t i = 0; i < o->argc; i++) o->args[i] = next_byte();
        break;
      case 'W':
        o->sign = next_byte() & 1;
        o->word_count = next_byte() % 4;
        for (size_t i = 0; i < o->word_count; i++) o->words[i] = next_u64();
        break;
      case 'D':
        o->desc_count = next_byte() % 4;
        for (size_t i = 0; i < o->desc_count; i++) {
          for (int j = 0; j < 3; j++) o->desc[i][j] = next_byte();
        }
        break;
      default: o->v[k++] = next_byte(); break;
    }
  }
}

/* ---- what each call reports ---- */

/* status, the last error record (read first: any later call rewrites it), the value when the
 * call succeeded, and whether an exception is pending. */
static void report(napi_env env, napi_status status, napi_value value) {
  const napi_extended_error_info* info = NULL;
  emit(" s=%d", (int)status);
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL) {
    if ((int)info->error_code != (int)status) emit(" e=%d", (int)info->error_code);
    if (status != napi_ok) emit(" '%s'", info->error_message ? info->error_message : "");
  }
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (status == napi_ok && value != NULL) {
    emit(" = ");
    render(env, value);
  }
  if (pending) emit(" P");
}

/* Stores a call's result in register d (in the innermost scope) when it succeeded. */
static void keep(uint8_t d, napi_status status, napi_value value) {
  if (status == napi_ok && value != NULL) set_reg(d, value, current_scope());
}

static void result(napi_env env, uint8_t d, napi_status status, napi_value value) {
  report(env, status, value);
  keep(d, status, value);
}

static void render_exception(napi_env env, napi_value e) {
  bool is_error = false;
  render(env, e);
  if (e == NULL || napi_is_error(env, e, &is_error) != napi_ok || !is_error) return;
  static const char* const fields[] = {"name", "message", "code"};
  for (size_t i = 0; i < ARRAY_LENGTH(fields); i++) {
    napi_value field = NULL;
    emit(" %s=", fields[i]);
    if (napi_get_named_property(env, e, fields[i], &field) == napi_ok) render(env, field);
    else emit("?");
  }
}

/* A value for a list a call reads element by element (arguments, descriptor values), which node
 * does not check for NULL: an empty register is undefined there. */
static napi_value or_undefined(napi_env env, napi_value v) {
  if (v == NULL) napi_get_undefined(env, &v);
  return v;
}

/* ---- scopes ---- */

static napi_status close_innermost(napi_env env) {
  scope_entry* top = &scopes[--depth];
  napi_status s = top->escapable ? napi_close_escapable_handle_scope(env, top->s.esc)
                                 : napi_close_handle_scope(env, top->s.plain);
  scope_open[top->id] = false;
  /* A weak reference's target whose last known handle died with this scope may be collected. */
  for (int i = 0; i < REFS; i++) {
    if (refs[i] != NULL && ref_count[i] == 0 && ref_weakable[i] && ref_alive_scope[i] == top->id) ref_alive_scope[i] = -1;
  }
  return s;
}

static void op_open(napi_env env, bool escapable) {
  if (depth == MAX_SCOPES || next_scope_id == MAX_SCOPE_IDS) {
    emit(" skipped");
    return;
  }
  scope_entry* e = &scopes[depth];
  napi_status s = escapable ? napi_open_escapable_handle_scope(env, &e->s.esc)
                            : napi_open_handle_scope(env, &e->s.plain);
  report(env, s, NULL);
  if (s != napi_ok) return;
  e->escapable = escapable;
  e->id = next_scope_id++;
  scope_open[e->id] = true;
  scope_depth_of[e->id] = ++depth;
}

static void op_escape(napi_env env, const operands* o) {
  int k = depth - 1;
  while (k >= 0 && !scopes[k].escapable) k--;
  if (k < 0) {
    emit(" skipped");
    return;
  }
  napi_value v = NULL;
  napi_status s = napi_escape_handle(env, scopes[k].s.esc, reg(o->v[1]), &v);
  report(env, s, v);
  fresh_result = reg_fresh[o->v[1] % REGS];
  if (s == napi_ok && v != NULL) set_reg(o->v[0], v, k == 0 ? 0 : scopes[k - 1].id);
}

/* ---- references ---- */

static bool weakable(napi_env env, napi_value v) {
  napi_valuetype t;
  if (v == NULL || napi_typeof(env, v, &t) != napi_ok) return false;
  return t == napi_object || t == napi_function || t == napi_symbol || t == napi_external;
}

/* Notes that a handle to reference i's target lives in the innermost scope now, unless one in a
 * scope that outlives it is known. */
static void seen_alive(int i) {
  int known = ref_alive_scope[i];
  if (known >= 0 && scope_open[known] && scope_depth_of[known] <= depth) return;
  ref_alive_scope[i] = current_scope();
}

static void new_reference(napi_env env, int slot, napi_value target, uint32_t count) {
  ref_count[slot] = count;
  ref_weakable[slot] = weakable(env, target);
  ref_alive_scope[slot] = -1;
  ref_fresh[slot] = false;
  for (int r = 0; r < REGS; r++) {
    if (regs[r] == target) ref_alive_scope[slot] = reg_scope[r], ref_fresh[slot] = reg_fresh[r];
  }
}

static void op_create_reference(napi_env env, const operands* o) {
  int slot = o->v[0] % REFS;
  napi_value target = reg(o->v[1]);
  if (refs[slot] != NULL) napi_delete_reference(env, refs[slot]);
  refs[slot] = NULL;
  napi_status s = napi_create_reference(env, target, (uint32_t)(o->v[2] % 3), &refs[slot]);
  report(env, s, NULL);
  if (s != napi_ok) refs[slot] = NULL;
  else new_reference(env, slot, target, (uint32_t)(o->v[2] % 3));
}

static void op_count(napi_env env, const operands* o, bool up) {
  int slot = o->v[0] % REFS;
  uint32_t count = 0;
  napi_status s = up ? napi_reference_ref(env, refs[slot], &count) : napi_reference_unref(env, refs[slot], &count);
  report(env, s, NULL);
  if (s != napi_ok) return;
  emit(" count=%u", count);
  if (count == 0 && ref_alive_scope[slot] >= 0 && !scope_open[ref_alive_scope[slot]]) ref_alive_scope[slot] = -1;
  ref_count[slot] = count;
}

static void op_reference_value(napi_env env, const operands* o) {
  int slot = o->v[1] % REFS;
  napi_value v = NULL;
  bool unknown = refs[slot] != NULL && ref_weakable[slot] && ref_count[slot] == 0 &&
                 (ref_alive_scope[slot] < 0 || !scope_open[ref_alive_scope[slot]]);
  napi_status s = napi_get_reference_value(env, refs[slot], &v);
  if (unknown) {
    /* The collector decides whether the target is still there: neither rendered nor kept. */
    report(env, s, NULL);
    emit(" weak");
    return;
  }
  fresh_result = ref_fresh[slot];
  result(env, o->v[0], s, v);
  if (s == napi_ok && v != NULL) seen_alive(slot);
}

/* The reference a wrap or a finalizer hands back, in slot b when that slot is free. */
static napi_ref* returned_ref(uint8_t b) {
  int slot = b % (REFS * 2);
  return slot < REFS && refs[slot] == NULL ? &refs[slot] : NULL;
}

static void note_returned_ref(napi_env env, napi_ref* ref, napi_value target) {
  if (ref != NULL && *ref != NULL) new_reference(env, (int)(ref - refs), target, 0);
}

#include "napi_calls_teardown.h"

/* ---- buffers ---- */

static void fill(void* data, size_t len) {
  for (size_t i = 0; data != NULL && i < len; i++) ((uint8_t*)data)[i] = (uint8_t)(i * 7 + 1);
}

static void op_external_memory(napi_env env, const operands* o, bool buffer) {
  uint8_t* data = malloc(16);
  napi_value v = NULL;
  if (data == NULL) return;
  memset(data, 0x40 + (int)(o->v[1] % NATIVES), 16);
  napi_status s = buffer ? napi_create_external_buffer(env, 16, data, logged_free, next_hint(), &v)
                         : napi_create_external_arraybuffer(env, data, 16, logged_free, next_hint(), &v);
  if (s != napi_ok) free(data);
  result(env, o->v[0], s, v);
  if (s == napi_ok) hold(env, v);
}

static void op_info(napi_env env, const operands* o, int kind) {
  napi_value v = reg(kind < 2 ? o->v[0] : o->v[1]), ab = NULL;
  void* data = NULL;
  size_t len = 0, offset = 0;
  napi_typedarray_type type = 0;
  napi_status s;
  switch (kind) {
    case 0: s = napi_get_buffer_info(env, v, &data, &len); break;
    case 1: s = napi_get_arraybuffer_info(env, v, &data, &len); break;
    case 2: s = napi_get_typedarray_info(env, v, &type, &len, &data, &ab, &offset); break;
    default: s = napi_get_dataview_info(env, v, &len, &data, &ab, &offset); break;
  }
  report(env, s, NULL);
  if (s != napi_ok) return;
  emit(" len=%zu", len);
  if (kind >= 2) emit(" @%zu", offset);
  if (kind == 2) emit(" type=%d", (int)type);
  /* A typed array's length counts elements. */
  static const size_t element_size[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8, 2};
  render_bytes(data, kind == 2 ? len * element_size[(unsigned)type % 12] : len);
  if (kind >= 2) keep(o->v[0], s, ab);
}

/* ---- values read back ---- */

static void op_get_value(napi_env env, const operands* o) {
  napi_value v = reg(o->v[1]);
  int bufsel = (int)(o->v[2] % (ARRAY_LENGTH(sizes) + 1));
  size_t bufsize = bufsel < (int)ARRAY_LENGTH(sizes) ? sizes[bufsel] : 0;
  uint8_t buf[72];
  memset(buf, 0xee, sizeof buf);
  void* target = bufsel < (int)ARRAY_LENGTH(sizes) ? buf : NULL;
  size_t len = 0;
  napi_status s;
  bool b = false;
  int32_t i32 = 0;
  uint32_t u32 = 0;
  int64_t i64 = 0;
  uint64_t u64 = 0;
  double d = 0;
  void* ext = NULL;
  char name[24];
  switch (o->v[0] % 13) {
    case 0: s = napi_get_value_bool(env, v, &b); report(env, s, NULL); if (!s) emit(" %d", b); return;
    case 1: s = napi_get_value_int32(env, v, &i32); report(env, s, NULL); if (!s) emit(" %d", i32); return;
    case 2: s = napi_get_value_uint32(env, v, &u32); report(env, s, NULL); if (!s) emit(" %u", u32); return;
    case 3: s = napi_get_value_int64(env, v, &i64); report(env, s, NULL); if (!s) emit(" %lld", (long long)i64); return;
    case 4: s = napi_get_value_double(env, v, &d); report(env, s, NULL); if (!s) emit(" "), render_double(d); return;
    case 5:
      s = napi_get_value_bigint_int64(env, v, &i64, &b);
      report(env, s, NULL);
      if (!s) emit(" %lld lossless=%d", (long long)i64, b);
      return;
    case 6:
      s = napi_get_value_bigint_uint64(env, v, &u64, &b);
      report(env, s, NULL);
      if (!s) emit(" %llu lossless=%d", (unsigned long long)u64, b);
      return;
    case 7: {
      int sign = 0;
      size_t count = bufsize / 8;
      s = napi_get_value_bigint_words(env, v, &sign, &count, target);
      report(env, s, NULL);
      if (!s) emit(" sign=%d count=%zu", target ? sign : 0, count), render_bytes(target ? buf : NULL, bufsize);
      return;
    }
    case 8: s = napi_get_value_string_utf8(env, v, target, bufsize, &len); break;
    case 9: s = napi_get_value_string_latin1(env, v, target, bufsize, &len); break;
    case 10:
      s = napi_get_value_string_utf16(env, v, target, bufsize / 2, &len);
      bufsize = bufsize / 2 * 2;
      break;
    case 11:
      s = napi_get_value_external(env, v, &ext);
      report(env, s, NULL);
      if (!s) emit(" %s", native_name(ext, name, sizeof name));
      return;
    default: s = napi_get_date_value(env, v, &d); report(env, s, NULL); if (!s) emit(" "), render_double(d); return;
  }
  report(env, s, NULL);
  if (s != napi_ok) return;
  emit(" len=%zu", len);
  /* Every byte of the buffer: where the NUL went and what was left untouched show too. */
  if (target != NULL) render_bytes(buf, bufsize + 1);
}

/* Its own enumerable string keys and their values (node's Buffer.prototype, which for-in would
 * list, is node's library). */
static void op_describe(napi_env env, const operands* o) {
  napi_value v = reg(o->v[0]), keys = NULL;
  uint32_t n = 0;
  napi_status s = napi_get_all_property_names(env, v, napi_key_own_only, napi_key_enumerable | napi_key_skip_symbols,
                                              napi_key_numbers_to_strings, &keys);
  report(env, s, NULL);
  if (s != napi_ok || napi_get_array_length(env, keys, &n) != napi_ok) return;
  emit(" {");
  for (uint32_t i = 0; i < n && i < 8; i++) {
    napi_value key = NULL, value = NULL;
    emit(i ? ", " : "");
    if (napi_get_element(env, keys, i, &key) != napi_ok) {
      emit("?");
      continue;
    }
    render(env, key);
    emit(": ");
    if (napi_get_property(env, v, key, &value) == napi_ok) render(env, value);
    else emit("?");
  }
  emit(n > 8 ? ", ..%u}" : "}", n);
}

#include "napi_calls_step.h"
