/* Chapter "errors": throwing and creating errors (with codes), SyntaxError (Node-API 9),
 * napi_is_error, pending exceptions, napi_get_and_clear_last_exception and
 * napi_get_last_error_info. */
#define NAPI_VERSION 9
#include "common.h"

enum { KIND_ERROR, KIND_TYPE, KIND_RANGE, KIND_SYNTAX };

typedef napi_status (*throw_fn)(napi_env, const char*, const char*);
typedef napi_status (*create_fn)(napi_env, napi_value, napi_value, napi_value*);

static const throw_fn throwers[] = {napi_throw_error, napi_throw_type_error,
                                    napi_throw_range_error, node_api_throw_syntax_error};
static const create_fn creators[] = {napi_create_error, napi_create_type_error,
                                     napi_create_range_error, node_api_create_syntax_error};

static bool get_kind(napi_env env, napi_value value, int32_t* kind) {
  if (!get_int32(env, value, kind)) return false;
  if (*kind < KIND_ERROR || *kind > KIND_SYNTAX) {
    napi_throw_range_error(env, NULL, "unknown error kind");
    return false;
  }
  return true;
}

/* throwValue(v): napi_throw(v) */
static napi_value ThrowValue(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_throw(env, argv[0]));
  return NULL;
}

/* throwKind(kind, code, message): napi_throw_{error,type_error,range_error,syntax_error};
 * a null/undefined code is passed as NULL. */
static napi_value ThrowKind(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t kind;
  char code[128], message[256];
  napi_valuetype code_type;
  if (!get_args(env, info, 3, argv, NULL) || !get_kind(env, argv[0], &kind)) return NULL;
  NODE_API_CALL(env, napi_typeof(env, argv[1], &code_type));
  bool has_code = code_type != napi_null && code_type != napi_undefined;
  if ((has_code && !get_utf8(env, argv[1], code, sizeof code)) ||
      !get_utf8(env, argv[2], message, sizeof message)) {
    return NULL;
  }
  NODE_API_CALL(env, throwers[kind](env, has_code ? code : NULL, message));
  return NULL;
}

/* createKind(kind, code, message) -> [status, error, thrown] (code/message passed as given) */
static napi_value CreateKind(napi_env env, napi_callback_info info) {
  napi_value argv[3], code, result = NULL;
  int32_t kind;
  napi_valuetype code_type;
  if (!get_args(env, info, 3, argv, NULL) || !get_kind(env, argv[0], &kind)) return NULL;
  NODE_API_CALL(env, napi_typeof(env, argv[1], &code_type));
  code = code_type == napi_null || code_type == napi_undefined ? NULL : argv[1];
  napi_status status = creators[kind](env, code, argv[2], &result);
  return make_status_triple(env, status, result);
}

static napi_value IsError(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool answer;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_is_error(env, argv[0], &answer));
  return make_bool(env, answer);
}

/* throwWithProps(): throws an Error with message "with props", code "E_PROPS", errno 42 and
 * details {path: "/tmp/x"} */
static napi_value ThrowWithProps(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value error, details, message, code, path;
  NODE_API_CALL(env, napi_create_string_utf8(env, "with props", NAPI_AUTO_LENGTH, &message));
  NODE_API_CALL(env, napi_create_string_utf8(env, "E_PROPS", NAPI_AUTO_LENGTH, &code));
  NODE_API_CALL(env, napi_create_error(env, code, message, &error));
  NODE_API_CALL(env, napi_set_named_property(env, error, "errno", make_int32(env, 42)));
  NODE_API_CALL(env, napi_create_object(env, &details));
  NODE_API_CALL(env, napi_create_string_utf8(env, "/tmp/x", NAPI_AUTO_LENGTH, &path));
  NODE_API_CALL(env, napi_set_named_property(env, details, "path", path));
  NODE_API_CALL(env, napi_set_named_property(env, error, "details", details));
  NODE_API_CALL(env, napi_throw(env, error));
  return NULL;
}

/* statusesWhilePending(): throws an Error, then reports
 * [is_exception_pending, create_object, get_boolean, set_named_property, call_function,
 *  coerce_to_string, get_last_error_info().error_code after the set, throw_error again,
 *  typeof of the cleared exception, its message, is_exception_pending after clearing] */
static napi_value StatusesWhilePending(napi_env env, napi_callback_info info) {
  napi_value self, out, obj, global, undefined;
  bool pending_before = false, pending_after = true;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &self, NULL));
  NODE_API_CALL(env, napi_create_object(env, &obj));
  NODE_API_CALL(env, napi_get_global(env, &global));
  NODE_API_CALL(env, napi_get_undefined(env, &undefined));
  NODE_API_CALL(env, napi_throw_error(env, NULL, "first"));

  napi_status is_pending = napi_is_exception_pending(env, &pending_before);
  napi_status create = napi_create_object(env, &out);
  napi_status boolean = napi_get_boolean(env, true, &out);
  napi_status set = napi_set_named_property(env, obj, "x", undefined);
  const napi_extended_error_info* last;
  napi_get_last_error_info(env, &last);
  napi_status last_code = last->error_code;
  napi_status call = napi_call_function(env, global, undefined, 0, NULL, &out);
  napi_status coerce = napi_coerce_to_string(env, obj, &out);
  napi_status throw_again = napi_throw_error(env, NULL, "second");
  napi_value cleared;
  napi_status clear = napi_get_and_clear_last_exception(env, &cleared);
  napi_is_exception_pending(env, &pending_after);

  NODE_API_ASSERT(env, is_pending == napi_ok && clear == napi_ok, "bookkeeping calls failed");
  napi_value message;
  NODE_API_CALL(env, napi_get_named_property(env, cleared, "message", &message));
  napi_value items[] = {
      make_bool(env, pending_before), make_status(env, create),   make_status(env, boolean),
      make_status(env, set),          make_status(env, call),     make_status(env, coerce),
      make_status(env, last_code),    make_status(env, throw_again), message,
      make_bool(env, pending_after),
  };
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* clearWhenNothingPending() -> [status, typeof result] of napi_get_and_clear_last_exception */
static napi_value ClearWhenNothingPending(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_valuetype type;
  napi_status status = napi_get_and_clear_last_exception(env, &result);
  NODE_API_CALL(env, napi_typeof(env, result, &type));
  napi_value items[] = {make_status(env, status), make_int32(env, (int32_t)type)};
  return make_list(env, 2, items);
}

/* lastErrorInfo(v) -> [code after get_value_int32(v), its message,
 *                      code after a successful call, its message] */
static napi_value LastErrorInfo(napi_env env, napi_callback_info info) {
  napi_value argv[1], out, messages[2];
  const napi_extended_error_info* last;
  int32_t ignored;
  napi_status codes[2];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_get_value_int32(env, argv[0], &ignored);
  NODE_API_CALL(env, napi_get_last_error_info(env, &last));
  codes[0] = last->error_code;
  messages[0] = last->error_message ? make_string(env, last->error_message) : NULL;
  NODE_API_CALL(env, napi_create_object(env, &out));
  NODE_API_CALL(env, napi_get_last_error_info(env, &last));
  codes[1] = last->error_code;
  if (last->error_message) {
    messages[1] = make_string(env, last->error_message);
  } else {
    NODE_API_CALL(env, napi_get_null(env, &messages[1]));
  }
  if (messages[0] == NULL) NODE_API_CALL(env, napi_get_null(env, &messages[0]));
  napi_value items[] = {make_status(env, codes[0]), messages[0], make_status(env, codes[1]),
                        messages[1]};
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* heldErrorInfo(v, fn) -> for each call of a sequence, [its status, the error_code of the
 * napi_extended_error_info pointer taken once at the start, whether an exception is pending]:
 * the record the pointer names is the env's own, which each later call rewrites (node-addon-api
 * reads it after further calls to choose between Error and TypeError). The sequence fails a
 * number query on v, asks whether an exception is pending, makes a string, fails again, throws,
 * queries and creates and calls fn while the exception is pending, then clears it. */
static napi_value HeldErrorInfo(napi_env env, napi_callback_info info) {
  napi_value argv[2], out, global, cleared;
  const napi_extended_error_info* held;
  int32_t ignored;
  bool pending;
  napi_status statuses[9];
  napi_status seen[9];
  bool pendings[9];
  int n = 0;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_global(env, &global));
#define STEP(call)                                   \
  do {                                               \
    statuses[n] = (call);                            \
    seen[n] = held->error_code;                      \
    napi_is_exception_pending(env, &pending);        \
    pendings[n] = pending;                           \
    n++;                                             \
  } while (0)
  napi_get_value_int32(env, argv[0], &ignored);
  NODE_API_CALL(env, napi_get_last_error_info(env, &held));
  STEP(napi_get_value_int32(env, argv[0], &ignored));
  STEP(napi_is_exception_pending(env, &pending));
  STEP(napi_create_string_utf8(env, "x", 1, &out));
  STEP(napi_get_value_uint32(env, argv[0], (uint32_t*)&ignored));
  STEP(napi_throw_error(env, NULL, "thrown"));
  STEP(napi_get_value_int32(env, argv[0], &ignored));
  STEP(napi_create_object(env, &out));
  STEP(napi_call_function(env, global, argv[1], 0, NULL, &out));
  STEP(napi_get_and_clear_last_exception(env, &cleared));
#undef STEP
  napi_value items[27];
  for (int i = 0; i < n; i++) {
    items[3 * i] = make_status(env, statuses[i]);
    items[3 * i + 1] = make_status(env, seen[i]);
    items[3 * i + 2] = make_bool(env, pendings[i]);
  }
  return make_list(env, 3 * n, items);
}

/* callAndRethrow(fn) -> calls fn(); if it threw, clears the exception and throws it again
 * with napi_throw (the value must survive the round trip unchanged). */
static napi_value CallAndRethrow(napi_env env, napi_callback_info info) {
  napi_value argv[1], recv, result, exception;
  bool pending;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  napi_status status = napi_call_function(env, recv, argv[0], 0, NULL, &result);
  NODE_API_CALL(env, napi_is_exception_pending(env, &pending));
  if (!pending) {
    NODE_API_CALL(env, status);
    return result;
  }
  NODE_API_CALL(env, napi_get_and_clear_last_exception(env, &exception));
  NODE_API_CALL(env, napi_throw(env, exception));
  return NULL;
}

/* catchFrom(fn) -> what fn() threw (cleared), or undefined */
static napi_value CatchFrom(napi_env env, napi_callback_info info) {
  napi_value argv[1], recv, result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  napi_call_function(env, recv, argv[0], 0, NULL, &result);
  return take_exception(env);
}

/* Statuses of misuse: [throw_error with NULL message, create_error with a number message,
 * create_error with a number code, napi_throw(NULL)] */
static napi_value StatusesOfBadErrors(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value number, message, out;
  NODE_API_CALL(env, napi_create_int32(env, 1, &number));
  NODE_API_CALL(env, napi_create_string_utf8(env, "m", NAPI_AUTO_LENGTH, &message));
  napi_value items[] = {
      make_status(env, napi_throw_error(env, NULL, NULL)),
      make_status(env, napi_create_error(env, NULL, number, &out)),
      make_status(env, napi_create_error(env, number, message, &out)),
      make_status(env, napi_throw(env, NULL)),
  };
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* fatalException(message) -> status of napi_fatal_exception with a new Error(message) */
static napi_value FatalException(napi_env env, napi_callback_info info) {
  napi_value argv[1], error;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_create_error(env, NULL, argv[0], &error));
  return make_status(env, napi_fatal_exception(env, error));
}

/* fatalExceptionOf(value) -> status of napi_fatal_exception with `value` itself */
static napi_value FatalExceptionOf(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return make_status(env, napi_fatal_exception(env, argv[0]));
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("fatalException", FatalException),
      DECLARE_METHOD("fatalExceptionOf", FatalExceptionOf),
      DECLARE_METHOD("throwValue", ThrowValue),
      DECLARE_METHOD("throwKind", ThrowKind),
      DECLARE_METHOD("createKind", CreateKind),
      DECLARE_METHOD("isError", IsError),
      DECLARE_METHOD("throwWithProps", ThrowWithProps),
      DECLARE_METHOD("statusesWhilePending", StatusesWhilePending),
      DECLARE_METHOD("clearWhenNothingPending", ClearWhenNothingPending),
      DECLARE_METHOD("lastErrorInfo", LastErrorInfo),
      DECLARE_METHOD("heldErrorInfo", HeldErrorInfo),
      DECLARE_METHOD("callAndRethrow", CallAndRethrow),
      DECLARE_METHOD("catchFrom", CatchFrom),
      DECLARE_METHOD("statusesOfBadErrors", StatusesOfBadErrors),
  };
  return EXPORT_METHODS(env, exports, methods);
}
