/* SharedArrayBuffers through the experimental Node-API functions (Node 24+; declared here since
 * node 20's headers predate them). */
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

typedef void (*noenv_finalize)(void* data, void* hint);
napi_status node_api_create_sharedarraybuffer(napi_env env, size_t byte_length, void** data, napi_value* result);
napi_status node_api_create_external_sharedarraybuffer(napi_env env, void* external_data, size_t byte_length,
                                                       noenv_finalize finalize_cb, void* finalize_hint, napi_value* result);
napi_status node_api_is_sharedarraybuffer(napi_env env, napi_value value, bool* result);

static int32_t finalized = 0;
static void* finalized_hint = NULL;

static void Finalize(void* data, void* hint) {
  free(data);
  finalized_hint = hint;
  finalized++;
}

/* isShared(v) / isArrayBuffer(v) */
static napi_value IsShared(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool is;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, node_api_is_sharedarraybuffer(env, argv[0], &is));
  return make_bool(env, is);
}

static napi_value IsArrayBuffer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool is;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_is_arraybuffer(env, argv[0], &is));
  return make_bool(env, is);
}

/* create(n) -> a SharedArrayBuffer of n bytes, byte i = i % 256 written through `data` */
static napi_value Create(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int32_t n;
  uint8_t* data = NULL;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &n)) return NULL;
  NODE_API_ASSERT(env, n >= 0, "negative length");
  NODE_API_CALL(env, node_api_create_sharedarraybuffer(env, (size_t)n, (void**)&data, &result));
  for (int32_t i = 0; i < n; i++) data[i] = (uint8_t)(i % 256);
  return result;
}

/* byteLength(sab) -> its length from napi_get_arraybuffer_info; throws for anything else */
static napi_value ByteLength(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool is;
  size_t len;
  void* data;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, node_api_is_sharedarraybuffer(env, argv[0], &is));
  NODE_API_ASSERT(env, is, "Argument should be a SharedArrayBuffer");
  NODE_API_CALL(env, napi_get_arraybuffer_info(env, argv[0], &data, &len));
  return make_double(env, (double)len);
}

/* external(n, hint) -> a SharedArrayBuffer over n malloc'd bytes (all 7), freed by a finalizer
 * that gets no env; finalized() -> [times it ran, the hint it last got] */
static napi_value External(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int32_t n, hint;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[0], &n) || !get_int32(env, argv[1], &hint)) return NULL;
  uint8_t* data = malloc((size_t)n + 1);
  for (int32_t i = 0; i < n; i++) data[i] = 7;
  NODE_API_CALL(env, node_api_create_external_sharedarraybuffer(env, data, (size_t)n, Finalize, (void*)(intptr_t)hint, &result));
  return result;
}

static napi_value Finalized(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value items[] = {make_int32(env, finalized), make_int32(env, (int32_t)(intptr_t)finalized_hint)};
  return make_list(env, 2, items);
}

/* misuse(sab) -> [status of napi_create_typedarray over it, of napi_detach_arraybuffer on it,
 * of node_api_create_external_sharedarraybuffer(NULL data, 4 bytes), of a NULL result] */
static napi_value Misuse(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  void* data;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status typed = napi_create_typedarray(env, napi_uint8_array, 1, argv[0], 0, &out);
  napi_status detach = napi_detach_arraybuffer(env, argv[0]);
  napi_status null_data = node_api_create_external_sharedarraybuffer(env, NULL, 4, NULL, NULL, &out);
  napi_status null_result = node_api_create_sharedarraybuffer(env, 4, &data, NULL);
  napi_value items[] = {make_status(env, typed), make_status(env, detach), make_status(env, null_data), make_status(env, null_result)};
  return make_list(env, 4, items);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("isShared", IsShared),     DECLARE_METHOD("isArrayBuffer", IsArrayBuffer),
      DECLARE_METHOD("create", Create),         DECLARE_METHOD("byteLength", ByteLength),
      DECLARE_METHOD("external", External),     DECLARE_METHOD("finalized", Finalized),
      DECLARE_METHOD("misuse", Misuse),
  };
  return EXPORT_METHODS(env, exports, methods);
}
