/* Chapter "faults": functions that crash the process that runs them (a write through a NULL
 * pointer, abort(); built with sanitizers, a use of freed memory and a signed overflow), next to
 * ordinary functions, so tests can check that a crash in the host surfaces as an exception and
 * leaves the caller alive. */
#include <stdlib.h>

#include "common.h"

/* Read through a volatile pointer so the compiler cannot see the NULL and turn the store into
 * a trap instruction (SIGILL instead of SIGSEGV). */
static int* volatile null_pointer = NULL;

static napi_value Segfault(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  *null_pointer = 1;
  return NULL;
}

static napi_value Abort(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  abort();
}

/* Faults only the sanitizer lane (scripts/sanitize) sees, which its builds report and stop at:
 * a write to a heap block just freed (harmless to malloc otherwise), and a signed overflow. The
 * volatile pointer and operand keep the compiler from seeing either. */
static char* volatile freed;
static volatile int int_max = 2147483647;

static napi_value UseAfterFree(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  freed = malloc(64);
  free(freed);
  if (freed) freed[32] = 1;
  return NULL;
}

static napi_value OverflowInt(napi_env env, napi_callback_info info) {
  napi_value result;
  int sum = int_max + 8;
  (void)info;
  NODE_API_CALL(env, napi_create_int32(env, sum, &result));
  return result;
}

/* callback(fn, x) -> fn(x) */
static napi_value Callback(napi_env env, napi_callback_info info) {
  napi_value argv[2], recv, result;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  NODE_API_CALL(env, napi_call_function(env, recv, argv[0], 1, &argv[1], &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("segfault", Segfault),
      DECLARE_METHOD("abort", Abort),
      DECLARE_METHOD("useAfterFree", UseAfterFree),
      DECLARE_METHOD("overflowInt", OverflowInt),
      DECLARE_METHOD("add", AddNumbers),
      DECLARE_METHOD("callback", Callback),
  };
  return EXPORT_METHODS(env, exports, methods);
}
