/* napi_calls.c's interpreter: one operation read from the program, called, and reported. */

#define OP_ENUM(name, letters) OP_##name,
enum { OPS(OP_ENUM) OP_COUNT };
#define OP_NAME(name, letters) #name,
static const char* const op_names[] = {OPS(OP_NAME)};
#define OP_LETTERS(name, letters) letters,
static const char* const op_letters[] = {OPS(OP_LETTERS)};

/* ---- calls not made: where node's answer is no behaviour to follow ---- */

/* An object this run did not make, which the operation would change (see reg_fresh). */
static bool shared(napi_env env, uint8_t operand) {
  napi_value v = reg(operand);
  napi_valuetype t;
  if (v == NULL || reg_fresh[operand % REGS] || napi_typeof(env, v, &t) != napi_ok) return false;
  return t == napi_object || t == napi_function || t == napi_external;
}

static bool uncallable(napi_env env, napi_value f) {
  napi_value global = NULL, g = NULL;
  bool same = false;
  if (f == NULL || napi_get_global(env, &global) != napi_ok) return false;
  for (size_t i = 0; i < ARRAY_LENGTH(uncalled); i++) {
    if (napi_get_named_property(env, global, uncalled[i], &g) == napi_ok && napi_strict_equals(env, f, g, &same) == napi_ok && same) return true;
  }
  return false;
}

/* Whether a write sets a prototype (`__proto__`, by name or by a string key) to anything but null
 * or a plain object this run made: V8 crashes node reshaping some objects made prototypes (an
 * external's read-only map; others seen crash it too), so only those are compared. */
static bool odd_prototype(napi_env env, const char* name, napi_value key, uint8_t value_reg) {
  napi_valuetype t;
  char text[16] = "";
  size_t len = 0;
  bool is = false;
  napi_value value = reg(value_reg);
  if (name == NULL && (key == NULL || napi_typeof(env, key, &t) != napi_ok || t != napi_string ||
                       napi_get_value_string_utf8(env, key, text, sizeof text, &len) != napi_ok)) {
    return false;
  }
  if (strcmp(name != NULL ? name : text, "__proto__") != 0 || value == NULL) return false;
  if (napi_typeof(env, value, &t) != napi_ok || t == napi_null) return false;
  if (t != napi_object || !reg_fresh[value_reg % REGS]) return true;
  if ((napi_is_arraybuffer(env, value, &is) == napi_ok && is) || (napi_is_typedarray(env, value, &is) == napi_ok && is)) return true;
  return napi_is_dataview(env, value, &is) == napi_ok && is;
}

/* Buffer, Buffer.prototype and the global object (a callback's `this` when called on undefined),
 * whose enumerable keys are node's library (timers, fetch, crypto, navigator...): keys napi_python
 * does not have. */
static bool node_library(napi_env env, napi_value v) {
  napi_value global = NULL, buffer = NULL, proto = NULL;
  bool same = false;
  if (v == NULL || napi_get_global(env, &global) != napi_ok) return false;
  if (napi_strict_equals(env, v, global, &same) == napi_ok && same) return true;
  if (napi_get_named_property(env, global, "Buffer", &buffer) != napi_ok) return false;
  if (napi_strict_equals(env, v, buffer, &same) == napi_ok && same) return true;
  if (napi_get_named_property(env, buffer, "prototype", &proto) != napi_ok) return false;
  return napi_strict_equals(env, v, proto, &same) == napi_ok && same;
}

/* Whether an object's keys would be listed with its prototypes': a typed array's are node's
 * Buffer.prototype methods, node's library, which napi_python does not carry. */
static bool lists_buffer_methods(napi_env env, napi_value v, bool with_prototypes) {
  bool is = false;
  return with_prototypes && v != NULL && napi_is_typedarray(env, v, &is) == napi_ok && is;
}

/* A typed array with a `length` of its own: V8's napi_set_element of it reads that property (a
 * getter runs, and what it throws is pending), where a store in JS (`a[7] = 1`) does not, nor
 * does napi_python. */
static bool own_length_read(napi_env env, napi_value v) {
  bool is = false, own = false;
  napi_value key = NULL;
  if (v == NULL || napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  if (napi_create_string_utf8(env, "length", NAPI_AUTO_LENGTH, &key) != napi_ok) return false;
  return napi_has_own_property(env, v, key, &own) == napi_ok && own;
}

/* An array of more than 2**16 elements (a sparse one: an element set at 2**31-1, a length of
 * 2**32-1) made a string, as a key or a coercion does: V8 joins every hole, for minutes; napi_python
 * answers at once. Not compared. */
static bool slow_join(napi_env env, napi_value v) {
  bool is = false;
  uint32_t n = 0;
  if (v == NULL || napi_is_array(env, v, &is) != napi_ok || !is) return false;
  return napi_get_array_length(env, v, &n) == napi_ok && n > 65536;
}

static napi_value make_error(napi_env env, int kind, napi_value code, napi_value msg, napi_status* s) {
  napi_value v = NULL;
  switch (kind % 4) {
    case 0: *s = napi_create_error(env, code, msg, &v); break;
    case 1: *s = napi_create_type_error(env, code, msg, &v); break;
    case 2: *s = napi_create_range_error(env, code, msg, &v); break;
    default: *s = node_api_create_syntax_error(env, code, msg, &v); break;
  }
  return v;
}

static napi_status throw_error(napi_env env, int kind, const char* code, const char* msg) {
  switch (kind % 4) {
    case 0: return napi_throw_error(env, code, msg);
    case 1: return napi_throw_type_error(env, code, msg);
    case 2: return napi_throw_range_error(env, code, msg);
    default: return node_api_throw_syntax_error(env, code, msg);
  }
}

static napi_status is_kind(napi_env env, int kind, napi_value v, bool* is) {
  switch (kind % 8) {
    case 0: return napi_is_array(env, v, is);
    case 1: return napi_is_arraybuffer(env, v, is);
    case 2: return napi_is_buffer(env, v, is);
    case 3: return napi_is_typedarray(env, v, is);
    case 4: return napi_is_dataview(env, v, is);
    case 5: return napi_is_error(env, v, is);
    case 6: return napi_is_promise(env, v, is);
    default: return napi_is_date(env, v, is);
  }
}

static napi_status coerce(napi_env env, int kind, napi_value v, napi_value* out) {
  switch (kind % 4) {
    case 0: return napi_coerce_to_bool(env, v, out);
    case 1: return napi_coerce_to_number(env, v, out);
    case 2: return napi_coerce_to_object(env, v, out);
    default: return napi_coerce_to_string(env, v, out);
  }
}

static void flag(napi_env env, napi_status s, bool b) {
  report(env, s, NULL);
  if (s == napi_ok) emit(" %s", b ? "true" : "false");
}

static void args_of(napi_env env, const operands* o, napi_value* argv) {
  for (size_t i = 0; i < o->argc; i++) argv[i] = or_undefined(env, reg(o->args[i]));
}

static void op_define_properties(napi_env env, const operands* o) {
  napi_property_descriptor descs[3];
  memset(descs, 0, sizeof descs);
  for (size_t i = 0; i < o->desc_count; i++) {
    descs[i].utf8name = prop_name(o->desc[i][0]);
    descs[i].attributes = (napi_property_attributes)(o->desc[i][1] & 7);
    if (o->desc[i][1] & 0x08) {
      /* An accessor: the register byte picks its getter, and its setter when 0x10 is set. */
      descs[i].getter = pick_callback(o->desc[i][2]);
      if (o->desc[i][1] & 0x10) descs[i].setter = pick_callback(o->desc[i][2] >> 3);
    } else if (o->desc[i][2] & 0x80) {
      descs[i].method = pick_callback(o->desc[i][2]);
    } else {
      descs[i].value = or_undefined(env, reg(o->desc[i][2]));
    }
  }
  report(env, napi_define_properties(env, reg(o->v[0]), o->desc_count, descs), NULL);
}

static void op_define_class(napi_env env, const operands* o) {
  napi_value v = NULL, one = NULL;
  napi_create_int32(env, 1, &one);
  napi_property_descriptor props[] = {
      {"m", NULL, cb_first, NULL, NULL, NULL, napi_default, NULL},
      {"s", NULL, NULL, NULL, NULL, one, napi_static, NULL},
  };
  const char* name = prop_name(o->v[1]);
  napi_status s = napi_define_class(env, name, NAPI_AUTO_LENGTH, pick_callback(o->v[2]), NULL, 2, props, &v);
  result(env, o->v[0], s, v);
}

static void op_typedarray(napi_env env, const operands* o, bool dataview) {
  napi_value v = NULL, ab = reg(o->v[dataview ? 1 : 2]);
  size_t offset = sizes[o->v[dataview ? 2 : 3] % ARRAY_LENGTH(sizes)];
  size_t length = sizes[o->v[dataview ? 3 : 4] % ARRAY_LENGTH(sizes)];
  napi_status s = dataview ? napi_create_dataview(env, length, ab, offset, &v)
                           : napi_create_typedarray(env, (napi_typedarray_type)(o->v[1] % 12), length, ab, offset, &v);
  result(env, o->v[0], s, v);
}

static void op_settle(napi_env env, const operands* o, bool resolve) {
  int slot = o->v[0] % DEFERREDS;
  if (deferreds[slot] == NULL) {
    /* node does not check the deferred: NULL would crash it. */
    emit(" skipped");
    return;
  }
  napi_value v = reg(o->v[1]);
  napi_status s = resolve ? napi_resolve_deferred(env, deferreds[slot], v) : napi_reject_deferred(env, deferreds[slot], v);
  /* node frees the deferred once past its checks (no exception pending, a value given). */
  if (v != NULL && s != napi_pending_exception) deferreds[slot] = NULL;
  report(env, s, NULL);
}

#include "napi_calls_async.h"

/* The call first, then its outputs read: C leaves the order of a call's arguments open. */
#define RESULT(call)          \
  do {                        \
    s = (call);               \
    result(env, d, s, v);     \
  } while (0)
#define FLAG(call)            \
  do {                        \
    s = (call);               \
    flag(env, s, b);          \
  } while (0)

static void step(napi_env env) {
  int op = next_byte() % OP_COUNT;
  operands o;
  napi_value v = NULL, w = NULL;
  napi_status s;
  bool b = false;
  emit("%s", op_names[op]);
  decode(op_letters[op], &o);
  uint8_t d = (uint8_t)o.v[0];
  fresh_result = (op <= OP_dataview && op != OP_builtin) || op == OP_promise || op == OP_define_class || op == OP_run_script;
  if ((op == OP_set_named || op == OP_set_property) &&
      odd_prototype(env, op == OP_set_named ? prop_name(o.v[1]) : NULL, reg(o.v[1]), (uint8_t)o.v[2])) {
    emit(" node crashes");
    return;
  }
  uint8_t key = op == OP_get_property || op == OP_coerce ? (uint8_t)o.v[2] : (uint8_t)o.v[1];
  if ((op == OP_set_property || op == OP_get_property || op == OP_has_property || op == OP_delete_property ||
       op == OP_coerce) &&
      slow_join(env, reg(key))) {
    emit(" slow join");
    return;
  }
  if (op == OP_set_element && own_length_read(env, reg(o.v[0]))) {
    emit(" length read");
    return;
  }
  switch (op) {
    case OP_set_property: case OP_delete_property: case OP_set_named: case OP_set_element: case OP_delete_element:
    case OP_freeze: case OP_seal: case OP_define_properties: case OP_wrap: case OP_remove_wrap: case OP_type_tag:
    case OP_add_finalizer: case OP_detach:
      if (shared(env, d)) {
        emit(" shared");
        return;
      }
      break;
    case OP_call:
    case OP_new_instance:
      if (uncallable(env, reg(o.v[op == OP_call ? 2 : 1]))) {
        emit(" uncalled");
        return;
      }
      break;
    case OP_describe:
      if (node_library(env, reg(o.v[0]))) {
        emit(" library");
        return;
      }
      break;
    case OP_property_names:
    case OP_all_property_names:
      if (node_library(env, reg(o.v[1])) || lists_buffer_methods(env, reg(o.v[1]), op == OP_property_names || o.v[2] % 2 == 0)) {
        emit(" buffer");
        return;
      }
      break;
  }
  const char* str = (const char*)o.str;
  size_t len = o.auto_len ? NAPI_AUTO_LENGTH : o.str_len;
  switch (op) {
    case OP_undefined: RESULT(napi_get_undefined(env, &v)); break;
    case OP_null: RESULT(napi_get_null(env, &v)); break;
    case OP_boolean: RESULT(napi_get_boolean(env, o.v[1] & 1, &v)); break;
    case OP_builtin:
      napi_get_global(env, &w);
      RESULT(napi_get_named_property(env, w, builtins[o.v[1] % ARRAY_LENGTH(builtins)], &v));
      break;
    case OP_int32: RESULT(napi_create_int32(env, (int32_t)o.v[1], &v)); break;
    case OP_uint32: RESULT(napi_create_uint32(env, (uint32_t)o.v[1], &v)); break;
    case OP_int64: RESULT(napi_create_int64(env, (int64_t)o.v[1], &v)); break;
    case OP_double: RESULT(napi_create_double(env, o.f, &v)); break;
    case OP_string_utf8: RESULT(napi_create_string_utf8(env, str, len, &v)); break;
    case OP_string_latin1: RESULT(napi_create_string_latin1(env, str, len, &v)); break;
    case OP_string_utf16:
    case OP_key_utf16: {
      char16_t units[17];
      size_t n = o.str_len / 2;
      for (size_t i = 0; i <= n; i++) units[i] = (char16_t)(o.str[2 * i] | (o.str[2 * i + 1] << 8));
      size_t ulen = o.auto_len ? NAPI_AUTO_LENGTH : n;
      s = op == OP_string_utf16 ? napi_create_string_utf16(env, units, ulen, &v)
                                : node_api_create_property_key_utf16(env, units, ulen, &v);
      RESULT(s);
      break;
    }
    case OP_symbol: RESULT(napi_create_symbol(env, reg(o.v[1]), &v)); break;
    case OP_symbol_for: RESULT(node_api_symbol_for(env, str, len, &v)); break;
    case OP_object: RESULT(napi_create_object(env, &v)); break;
    case OP_array: RESULT(napi_create_array(env, &v)); break;
    case OP_array_with_length:
      RESULT(napi_create_array_with_length(env, lengths[o.v[1] % ARRAY_LENGTH(lengths)], &v));
      break;
    case OP_bigint_int64: RESULT(napi_create_bigint_int64(env, (int64_t)o.v[1], &v)); break;
    case OP_bigint_uint64: RESULT(napi_create_bigint_uint64(env, o.v[1], &v)); break;
    case OP_bigint_words:
      RESULT(napi_create_bigint_words(env, o.sign, o.word_count, o.words, &v));
      break;
    case OP_date: RESULT(napi_create_date(env, o.f, &v)); break;
    case OP_error:
      v = make_error(env, (int)o.v[1], reg(o.v[2]), reg(o.v[3]), &s);
      RESULT(s);
      break;
    case OP_function:
      RESULT(napi_create_function(env, str, len, pick_callback(o.v[1]), NULL, &v));
      break;
    case OP_external:
      RESULT(napi_create_external(env, &natives[o.v[1] % NATIVES], logged_finalizer, next_hint(), &v));
      if (s == napi_ok) hold(env, v);
      break;
    case OP_buffer: {
      void* data = NULL;
      s = napi_create_buffer(env, sizes[o.v[1] % ARRAY_LENGTH(sizes)], &data, &v);
      if (s == napi_ok) fill(data, sizes[o.v[1] % ARRAY_LENGTH(sizes)]); /* node leaves it uninitialised */
      RESULT(s);
      break;
    }
    case OP_buffer_copy: {
      void* data = NULL;
      RESULT(napi_create_buffer_copy(env, o.str_len, o.str, &data, &v));
      break;
    }
    case OP_arraybuffer: {
      void* data = NULL;
      s = napi_create_arraybuffer(env, sizes[o.v[1] % ARRAY_LENGTH(sizes)], &data, &v);
      if (s == napi_ok) fill(data, sizes[o.v[1] % ARRAY_LENGTH(sizes)]);
      RESULT(s);
      break;
    }
    case OP_external_arraybuffer: op_external_memory(env, &o, false); break;
    case OP_external_buffer: op_external_memory(env, &o, true); break;
    case OP_typedarray: op_typedarray(env, &o, false); break;
    case OP_dataview: op_typedarray(env, &o, true); break;
    case OP_detach: report(env, napi_detach_arraybuffer(env, reg(o.v[0])), NULL); break;
    case OP_is_detached: FLAG(napi_is_detached_arraybuffer(env, reg(o.v[0]), &b)); break;
    case OP_buffer_info: op_info(env, &o, 0); break;
    case OP_arraybuffer_info: op_info(env, &o, 1); break;
    case OP_typedarray_info: op_info(env, &o, 2); break;
    case OP_dataview_info: op_info(env, &o, 3); break;
    case OP_is_kind: FLAG(is_kind(env, (int)o.v[0], reg(o.v[1]), &b)); break;
    case OP_typeof: {
      napi_valuetype t = napi_undefined;
      s = napi_typeof(env, reg(o.v[0]), &t);
      report(env, s, NULL);
      if (s == napi_ok) emit(" %d", (int)t);
      break;
    }
    case OP_get_value: op_get_value(env, &o); break;
    case OP_coerce: RESULT(coerce(env, (int)o.v[1], reg(o.v[2]), &v)); break;
    case OP_strict_equals: FLAG(napi_strict_equals(env, reg(o.v[0]), reg(o.v[1]), &b)); break;
    case OP_instanceof: FLAG(napi_instanceof(env, reg(o.v[0]), reg(o.v[1]), &b)); break;
    case OP_set_property: report(env, napi_set_property(env, reg(o.v[0]), reg(o.v[1]), reg(o.v[2])), NULL); break;
    case OP_get_property: RESULT(napi_get_property(env, reg(o.v[1]), reg(o.v[2]), &v)); break;
    case OP_has_property: FLAG(napi_has_property(env, reg(o.v[0]), reg(o.v[1]), &b)); break;
    case OP_delete_property: FLAG(napi_delete_property(env, reg(o.v[0]), reg(o.v[1]), &b)); break;
    case OP_has_own_property: FLAG(napi_has_own_property(env, reg(o.v[0]), reg(o.v[1]), &b)); break;
    case OP_set_named:
      report(env, napi_set_named_property(env, reg(o.v[0]), prop_name(o.v[1]), reg(o.v[2])), NULL);
      break;
    case OP_get_named: RESULT(napi_get_named_property(env, reg(o.v[1]), prop_name(o.v[2]), &v)); break;
    case OP_has_named: FLAG(napi_has_named_property(env, reg(o.v[0]), prop_name(o.v[1]), &b)); break;
    case OP_set_element:
      report(env, napi_set_element(env, reg(o.v[0]), indices[o.v[1] % ARRAY_LENGTH(indices)], reg(o.v[2])), NULL);
      break;
    case OP_get_element:
      RESULT(napi_get_element(env, reg(o.v[1]), indices[o.v[2] % ARRAY_LENGTH(indices)], &v));
      break;
    case OP_has_element:
      FLAG(napi_has_element(env, reg(o.v[0]), indices[o.v[1] % ARRAY_LENGTH(indices)], &b));
      break;
    case OP_delete_element:
      FLAG(napi_delete_element(env, reg(o.v[0]), indices[o.v[1] % ARRAY_LENGTH(indices)], &b));
      break;
    case OP_property_names: RESULT(napi_get_property_names(env, reg(o.v[1]), &v)); break;
    case OP_all_property_names: {
      /* The built-ins' non-enumerable keys (their methods) are the JS library's, listed in an
       * order of the engine's own: only enumerable keys are asked for where they could come. */
      napi_key_filter filter = (napi_key_filter)(o.v[3] % 32);
      if (o.v[2] % 2 == napi_key_include_prototypes || shared(env, o.v[1])) filter |= napi_key_enumerable;
      /* V8 lists a string's indices whatever the writable and configurable filters say (they are
       * neither); napi_python follows the filters: not compared. */
      napi_valuetype t = napi_undefined;
      if (reg(o.v[1]) != NULL && napi_typeof(env, reg(o.v[1]), &t) == napi_ok && t == napi_string) {
        filter &= ~(napi_key_writable | napi_key_configurable);
      }
      s = napi_get_all_property_names(env, reg(o.v[1]), (napi_key_collection_mode)(o.v[2] % 2), filter,
                                      (napi_key_conversion)(o.v[4] % 2), &v);
      RESULT(s);
      break;
    }
    case OP_array_length: {
      uint32_t n = 0;
      s = napi_get_array_length(env, reg(o.v[0]), &n);
      report(env, s, NULL);
      if (s == napi_ok) emit(" %u", n);
      break;
    }
    case OP_prototype: RESULT(napi_get_prototype(env, reg(o.v[1]), &v)); break;
    case OP_freeze: report(env, napi_object_freeze(env, reg(o.v[0])), NULL); break;
    case OP_seal: report(env, napi_object_seal(env, reg(o.v[0])), NULL); break;
    case OP_define_properties: op_define_properties(env, &o); break;
    case OP_call: {
      napi_value argv[3];
      args_of(env, &o, argv);
      RESULT(napi_call_function(env, reg(o.v[1]), reg(o.v[2]), o.argc, argv, &v));
      break;
    }
    case OP_new_instance: {
      napi_value argv[3];
      args_of(env, &o, argv);
      RESULT(napi_new_instance(env, reg(o.v[1]), o.argc, argv, &v));
      break;
    }
    case OP_define_class: op_define_class(env, &o); break;
    case OP_create_reference: op_create_reference(env, &o); break;
    case OP_delete_reference: {
      int slot = o.v[0] % REFS;
      report(env, napi_delete_reference(env, refs[slot]), NULL);
      refs[slot] = NULL;
      break;
    }
    case OP_reference_ref: op_count(env, &o, true); break;
    case OP_reference_unref: op_count(env, &o, false); break;
    case OP_reference_value: op_reference_value(env, &o); break;
    case OP_open_scope: op_open(env, false); break;
    case OP_open_escapable: op_open(env, true); break;
    case OP_close_scope:
      if (depth == 0) report(env, napi_close_handle_scope(env, NULL), NULL);
      else report(env, close_innermost(env), NULL);
      break;
    case OP_escape: op_escape(env, &o); break;
    case OP_wrap: {
      /* No reference asked for: deleting it before the finalizer ran leaves node's wrap pointing
       * at freed memory (napi_unwrap then reads it), and programs delete references at will. */
      napi_ref* ref = NULL;
      napi_value target = reg(o.v[0]);
      napi_valuetype t = napi_undefined;
      if (target != NULL && napi_typeof(env, target, &t) == napi_ok && t == napi_external) {
        emit(" skipped"); /* node aborts: V8 refuses a private property on an external's read-only map */
        break;
      }
      s = napi_wrap(env, target, &natives[o.v[1] % NATIVES], logged_finalizer, next_hint(), ref);
      report(env, s, NULL);
      if (s == napi_ok) note_returned_ref(env, ref, target), hold(env, target);
      else if (ref != NULL) *ref = NULL;
      break;
    }
    case OP_unwrap:
    case OP_remove_wrap: {
      void* data = NULL;
      char name[24];
      s = op == OP_unwrap ? napi_unwrap(env, reg(o.v[0]), &data) : napi_remove_wrap(env, reg(o.v[0]), &data);
      report(env, s, NULL);
      if (s == napi_ok) emit(" %s", native_name(data, name, sizeof name));
      break;
    }
    case OP_type_tag: report(env, napi_type_tag_object(env, reg(o.v[0]), &tags[o.v[1] % 4]), NULL); break;
    case OP_check_tag: FLAG(napi_check_object_type_tag(env, reg(o.v[0]), &tags[o.v[1] % 4], &b)); break;
    case OP_throw: report(env, napi_throw(env, reg(o.v[0])), NULL); break;
    case OP_throw_error:
      report(env, throw_error(env, (int)o.v[0], o.v[1] & 1 ? "CODE" : NULL, str), NULL);
      break;
    case OP_is_pending: FLAG(napi_is_exception_pending(env, &b)); break;
    case OP_catch:
      s = napi_get_and_clear_last_exception(env, &v);
      report(env, s, NULL);
      if (s == napi_ok) emit(" = "), render_exception(env, v);
      keep(d, s, v);
      break;
    case OP_promise: {
      int slot = o.v[1] % DEFERREDS;
      napi_deferred deferred = NULL;
      s = napi_create_promise(env, &deferred, &v);
      if (s == napi_ok) deferreds[slot] = deferred;
      RESULT(s);
      break;
    }
    case OP_resolve: op_settle(env, &o, true); break;
    case OP_reject: op_settle(env, &o, false); break;
    case OP_add_finalizer: {
      napi_ref* ref = returned_ref((uint8_t)o.v[2]);
      napi_value target = reg(o.v[0]);
      s = napi_add_finalizer(env, target, &natives[o.v[1] % NATIVES], logged_finalizer, next_hint(), ref);
      report(env, s, NULL);
      if (s == napi_ok) note_returned_ref(env, ref, target), hold(env, target);
      else if (ref != NULL) *ref = NULL;
      break;
    }
    case OP_set_instance_data:
      report(env, napi_set_instance_data(env, &natives[o.v[0] % NATIVES], logged_finalizer, next_hint()), NULL);
      break;
    case OP_get_instance_data: {
      void* data = NULL;
      char name[24];
      s = napi_get_instance_data(env, &data);
      report(env, s, NULL);
      if (s == napi_ok) emit(" %s", native_name(data, name, sizeof name));
      break;
    }
    case OP_describe: op_describe(env, &o); break;
    case OP_async_create: op_async_create(env, &o); break;
    case OP_async_queue: op_async_queue(env, &o); break;
    case OP_async_cancel: op_async_cancel(env, &o); break;
    case OP_async_delete: op_async_delete(env, &o); break;
    case OP_tsfn_create: op_tsfn_create(env, &o); break;
    case OP_tsfn_call: op_tsfn_call(env, &o, false); break;
    case OP_tsfn_thread: op_tsfn_call(env, &o, true); break;
    case OP_tsfn_acquire: op_tsfn_acquire(env, &o); break;
    case OP_tsfn_release: op_tsfn_release(env, &o); break;
    case OP_run_script: op_run_script(env, &o); break;
    case OP_cleanup_hook: op_cleanup_hook(env, &o); break;
  }
}
