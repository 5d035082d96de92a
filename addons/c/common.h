/* Shared call-and-check helpers for the C test addons.
 *
 * Every addon includes this header instead of <node_api.h>. An addon that needs a newer
 * Node-API than the header's default (8) defines NAPI_VERSION before including it.
 *
 * Conventions used by the addons:
 * - NODE_API_CALL(env, call) runs a Node-API call; on failure it throws a JS Error naming the
 *   call, its status and the last error message, and returns NULL from the callback.
 * - Functions named `status*` do not throw: they return the napi_status of one call as a number,
 *   so tests can assert Node's exact status code. Functions named `*Pair` return
 *   `[status, result]` (result is undefined when the call failed).
 */
#ifndef NAPI_PYTHON_TEST_COMMON_H
#define NAPI_PYTHON_TEST_COMMON_H

#include <node_api.h>
#include <stdio.h>
#include <string.h>

/* Throws an Error describing the failed `call`, unless the failure left an exception pending
 * (then that exception is what the caller sees). Reads the last error info first: any other
 * Node-API call would overwrite it. */
static inline void throw_failed_call(napi_env env, napi_status status, const char* call) {
  const napi_extended_error_info* info = NULL;
  char message[512];
  const char* last = "(no last error info)";
  if (napi_get_last_error_info(env, &info) == napi_ok && info != NULL &&
      info->error_message != NULL) {
    last = info->error_message;
  }
  snprintf(message, sizeof message, "%s failed with status %d: %s", call, (int)status, last);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_error(env, NULL, message);
}

#define NODE_API_CALL_BASE(env, call, ret_val)           \
  do {                                                   \
    napi_status call_status_ = (call);                   \
    if (call_status_ != napi_ok) {                       \
      throw_failed_call((env), call_status_, #call);     \
      return ret_val;                                    \
    }                                                    \
  } while (0)

/* In a napi_callback: on failure throw and return NULL. */
#define NODE_API_CALL(env, call) NODE_API_CALL_BASE(env, call, NULL)
/* In a function returning void (e.g. a finalizer helper). */
#define NODE_API_CALL_RETURN_VOID(env, call) NODE_API_CALL_BASE(env, call, )

/* Throws an Error with `message` and returns NULL when `cond` is false. */
#define NODE_API_ASSERT(env, cond, message)                                       \
  do {                                                                            \
    if (!(cond)) {                                                                \
      napi_throw_error((env), NULL, "assertion (" #cond ") failed: " message);    \
      return NULL;                                                                \
    }                                                                             \
  } while (0)

/* A property descriptor for an exported function. */
#define DECLARE_METHOD(name, fn) \
  { (name), NULL, (fn), NULL, NULL, NULL, napi_default, NULL }

#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))

/* Defines `descs` on `exports` and returns exports (NULL after throwing). */
#define EXPORT_METHODS(env, exports, descs)                                              \
  (napi_define_properties((env), (exports), ARRAY_LENGTH(descs), (descs)) == napi_ok     \
       ? (exports)                                                                       \
       : (throw_failed_call((env), napi_generic_failure, "napi_define_properties"), NULL))

/* Fetches exactly `expected` arguments into argv (and `this` when this_arg is not NULL).
 * Throws a TypeError and returns false when fewer were passed. */
static inline bool get_args(napi_env env, napi_callback_info info, size_t expected,
                            napi_value* argv, napi_value* this_arg) {
  size_t argc = expected;
  napi_status status = napi_get_cb_info(env, info, &argc, argv, this_arg, NULL);
  if (status != napi_ok) {
    throw_failed_call(env, status, "napi_get_cb_info");
    return false;
  }
  if (argc < expected) {
    char message[96];
    snprintf(message, sizeof message, "expected %zu arguments, got %zu", expected, argc);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  return true;
}

/* Replaces *ref with a strong reference to the call's one argument (deleting the one before):
 * what the test addons' keep/hold functions do. */
static inline napi_value hold_argument(napi_env env, napi_callback_info info, napi_ref* ref) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  if (*ref != NULL) NODE_API_CALL(env, napi_delete_reference(env, *ref));
  NODE_API_CALL(env, napi_create_reference(env, argv[0], 1, ref));
  return NULL;
}

/* Small constructors that throw and return NULL on failure. */
static inline napi_value make_int32(napi_env env, int32_t v) {
  napi_value result;
  NODE_API_CALL(env, napi_create_int32(env, v, &result));
  return result;
}

static inline napi_value make_double(napi_env env, double v) {
  napi_value result;
  NODE_API_CALL(env, napi_create_double(env, v, &result));
  return result;
}

static inline napi_value make_bool(napi_env env, bool v) {
  napi_value result;
  NODE_API_CALL(env, napi_get_boolean(env, v, &result));
  return result;
}

static inline napi_value make_string(napi_env env, const char* s) {
  napi_value result;
  NODE_API_CALL(env, napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &result));
  return result;
}

static inline napi_value make_undefined(napi_env env) {
  napi_value result;
  NODE_API_CALL(env, napi_get_undefined(env, &result));
  return result;
}

/* The status of a call as a JS number (for the `status*` functions). */
static inline napi_value make_status(napi_env env, napi_status status) {
  return make_int32(env, (int32_t)status);
}

/* `[status, result]`; result is replaced by undefined when the call failed. */
static inline napi_value make_status_pair(napi_env env, napi_status status, napi_value result) {
  napi_value pair, first, second;
  NODE_API_CALL(env, napi_create_array_with_length(env, 2, &pair));
  NODE_API_CALL(env, napi_create_int32(env, (int32_t)status, &first));
  if (status == napi_ok && result != NULL) {
    second = result;
  } else {
    NODE_API_CALL(env, napi_get_undefined(env, &second));
  }
  NODE_API_CALL(env, napi_set_element(env, pair, 0, first));
  NODE_API_CALL(env, napi_set_element(env, pair, 1, second));
  return pair;
}

/* A JS array of `count` values. */
static inline napi_value make_list(napi_env env, size_t count, const napi_value* items) {
  napi_value list;
  NODE_API_CALL(env, napi_create_array_with_length(env, count, &list));
  for (size_t i = 0; i < count; i++) {
    NODE_API_CALL(env, napi_set_element(env, list, (uint32_t)i, items[i]));
  }
  return list;
}

/* Clears and returns the pending exception, or undefined when none is pending: lets a
 * `status*` function report both the status and what a failing call threw. */
static inline napi_value take_exception(napi_env env) {
  bool pending = false;
  napi_value exception;
  napi_is_exception_pending(env, &pending);
  if (!pending) return make_undefined(env);
  NODE_API_CALL(env, napi_get_and_clear_last_exception(env, &exception));
  return exception;
}

/* `[status, result, thrown]`: like make_status_pair, plus what the call left pending
 * (cleared; undefined when nothing was thrown). */
static inline napi_value make_status_triple(napi_env env, napi_status status,
                                            napi_value result) {
  napi_value items[3];
  items[2] = take_exception(env);
  if (items[2] == NULL) return NULL;
  items[0] = make_status(env, status);
  items[1] = status == napi_ok && result != NULL ? result : make_undefined(env);
  return make_list(env, 3, items);
}

/* Reads a number argument as int32 / double, throwing on a non-number. */
static inline bool get_int32(napi_env env, napi_value value, int32_t* out) {
  napi_status status = napi_get_value_int32(env, value, out);
  if (status != napi_ok) {
    throw_failed_call(env, status, "napi_get_value_int32");
    return false;
  }
  return true;
}

static inline bool get_double(napi_env env, napi_value value, double* out) {
  napi_status status = napi_get_value_double(env, value, out);
  if (status != napi_ok) {
    throw_failed_call(env, status, "napi_get_value_double");
    return false;
  }
  return true;
}

/* Copies a string argument into `buf` (UTF-8, truncated to fit), throwing on a non-string. */
static inline bool get_utf8(napi_env env, napi_value value, char* buf, size_t bufsize) {
  size_t len;
  napi_status status = napi_get_value_string_utf8(env, value, buf, bufsize, &len);
  if (status != napi_ok) {
    throw_failed_call(env, status, "napi_get_value_string_utf8");
    return false;
  }
  return true;
}

/* add(a, b) -> a + b: the simplest call, exported by several addons (bench, faults). */
static inline napi_value AddNumbers(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double a, b;
  if (!get_args(env, info, 2, argv, NULL) || !get_double(env, argv[0], &a) ||
      !get_double(env, argv[1], &b)) {
    return NULL;
  }
  return make_double(env, a + b);
}

#endif /* NAPI_PYTHON_TEST_COMMON_H */
