/* Buffers over the addon's own memory (external), detaching, and Buffers made from part of an
 * ArrayBuffer. */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int32_t external_finalized = 0;
static char static_bytes[] = "hello, external";

static void FinalizeExternal(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  (void)data;
  external_finalized++;
}

/* externalBuffer() -> a Buffer over static memory, finalized once when collected */
static napi_value ExternalBuffer(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NODE_API_CALL(env, napi_create_external_buffer(env, strlen(static_bytes), static_bytes,
                                                 FinalizeExternal, NULL, &result));
  return result;
}

/* writeExternal(index, byte) -> the external memory as a string after static_bytes[index] = byte:
 * the addon writing its own memory while Python holds a Buffer over it. */
static napi_value WriteExternal(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int32_t index, byte;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_value_int32(env, argv[0], &index));
  NODE_API_CALL(env, napi_get_value_int32(env, argv[1], &byte));
  NODE_API_ASSERT(env, index >= 0 && (size_t)index < strlen(static_bytes), "index out of range");
  static_bytes[index] = (char)byte;
  NODE_API_CALL(env, napi_create_string_utf8(env, static_bytes, NAPI_AUTO_LENGTH, &result));
  return result;
}

/* externalOffset(typedArray) -> where its data lies in the external memory, or -1 elsewhere: a
 * view Python passes back must be over the addon's memory itself. */
static napi_value ExternalOffset(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data;
  size_t length;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_typedarray_info(env, argv[0], NULL, &length, &data, NULL, NULL));
  char* at = (char*)data;
  bool inside = at >= static_bytes && at < static_bytes + sizeof(static_bytes);
  return make_double(env, inside ? (double)(at - static_bytes) : -1);
}

/* externalArrayBuffer() -> an ArrayBuffer over static memory */
static napi_value ExternalArrayBuffer(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NODE_API_CALL(env, napi_create_external_arraybuffer(env, static_bytes, 5, FinalizeExternal, NULL, &result));
  return result;
}

/* failedExternalStatus() -> status of napi_create_external_buffer with a NULL result: the
 * finalizer must not run for a call that failed. */
static napi_value FailedExternalStatus(napi_env env, napi_callback_info info) {
  (void)info;
  return make_status(env, napi_create_external_buffer(env, 3, static_bytes, FinalizeExternal, NULL, NULL));
}

static napi_value ExternalFinalized(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int32(env, external_finalized);
}

/* detach(ab) -> [status, isDetached after] */
static napi_value Detach(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool detached = false;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status s = napi_detach_arraybuffer(env, argv[0]);
  NODE_API_CALL(env, napi_is_detached_arraybuffer(env, argv[0], &detached));
  napi_value items[] = {make_status(env, s), make_bool(env, detached)};
  return make_list(env, 2, items);
}

/* typedArrayLength(ta) -> [length, byteOffset, data is NULL] from napi_get_typedarray_info */
static napi_value TypedArrayLength(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t length, offset;
  void* data;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_typedarray_info(env, argv[0], NULL, &length, &data, NULL, &offset));
  napi_value items[] = {make_double(env, (double)length), make_double(env, (double)offset), make_bool(env, data == NULL)};
  return make_list(env, 3, items);
}

/* newArrayBuffer(n) / uint8View(ab, offset, length) */
static napi_value NewArrayBuffer(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int32_t n;
  void* data;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &n)) return NULL;
  NODE_API_CALL(env, napi_create_arraybuffer(env, (size_t)n, &data, &result));
  for (int32_t i = 0; i < n; i++) ((unsigned char*)data)[i] = (unsigned char)i;
  return result;
}

static napi_value Uint8View(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  int32_t offset, length;
  if (!get_args(env, info, 3, argv, NULL) || !get_int32(env, argv[1], &offset) || !get_int32(env, argv[2], &length)) return NULL;
  NODE_API_CALL(env, napi_create_typedarray(env, napi_uint8_array, (size_t)length, argv[0], (size_t)offset, &result));
  return result;
}

/* viewDetachSequence() -> [info of a 4-byte view at offset 2 of an 8-byte buffer, detach, info
 * again]: the view and its buffer both stay in the host for the whole sequence. */
static napi_value ViewDetachSequence(napi_env env, napi_callback_info info) {
  napi_value ab, view;
  void* data;
  NODE_API_CALL(env, napi_create_arraybuffer(env, 8, &data, &ab));
  NODE_API_CALL(env, napi_create_typedarray(env, napi_uint8_array, 4, ab, 2, &view));
  napi_value before, detached, after;
  (void)info;
  napi_value items[3];
  size_t length, offset;
  void* vdata;
  NODE_API_CALL(env, napi_get_typedarray_info(env, view, NULL, &length, &vdata, NULL, &offset));
  napi_value b[] = {make_double(env, (double)length), make_double(env, (double)offset), make_bool(env, vdata == NULL)};
  before = make_list(env, 3, b);
  bool is_detached = false;
  napi_status s = napi_detach_arraybuffer(env, ab);
  NODE_API_CALL(env, napi_is_detached_arraybuffer(env, ab, &is_detached));
  napi_value d[] = {make_status(env, s), make_bool(env, is_detached)};
  detached = make_list(env, 2, d);
  NODE_API_CALL(env, napi_get_typedarray_info(env, view, NULL, &length, &vdata, NULL, &offset));
  napi_value a[] = {make_double(env, (double)length), make_double(env, (double)offset), make_bool(env, vdata == NULL)};
  after = make_list(env, 3, a);
  items[0] = before;
  items[1] = detached;
  items[2] = after;
  return make_list(env, 3, items);
}

/* elementAccess(): a typed array's elements through the element functions, which V8 serves
 * from the buffer (integer-indexed exotic objects): [value read back after storing -1.5 at 1,
 * the uint32 in memory there, has 5 (out of range, the store there ignored), has 2, the
 * property names, element 7 (undefined), a BigInt64Array element stored and read back]. */
static napi_value ElementAccess(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value ab, arr, v, got, names, out[7], big, ab64, arr64;
  void *data, *data64;
  bool has;
  NODE_API_CALL(env, napi_create_arraybuffer(env, 12, &data, &ab));
  NODE_API_CALL(env, napi_create_typedarray(env, napi_uint32_array, 3, ab, 0, &arr));
  NODE_API_CALL(env, napi_create_double(env, -1.5, &v));
  NODE_API_CALL(env, napi_set_element(env, arr, 1, v));
  NODE_API_CALL(env, napi_set_element(env, arr, 5, v));
  NODE_API_CALL(env, napi_get_element(env, arr, 1, &out[0]));
  out[1] = make_double(env, ((uint32_t*)data)[1]);
  NODE_API_CALL(env, napi_has_element(env, arr, 5, &has));
  out[2] = make_bool(env, has);
  NODE_API_CALL(env, napi_has_element(env, arr, 2, &has));
  out[3] = make_bool(env, has);
  NODE_API_CALL(env, napi_get_property_names(env, arr, &names));
  out[4] = names;
  NODE_API_CALL(env, napi_get_element(env, arr, 7, &got));
  out[5] = got;
  NODE_API_CALL(env, napi_create_arraybuffer(env, 16, &data64, &ab64));
  NODE_API_CALL(env, napi_create_typedarray(env, napi_bigint64_array, 2, ab64, 0, &arr64));
  NODE_API_CALL(env, napi_create_bigint_int64(env, -5, &big));
  NODE_API_CALL(env, napi_set_element(env, arr64, 0, big));
  NODE_API_CALL(env, napi_get_element(env, arr64, 0, &out[6]));
  return make_list(env, 7, out);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("externalBuffer", ExternalBuffer),
      DECLARE_METHOD("externalArrayBuffer", ExternalArrayBuffer),
      DECLARE_METHOD("writeExternal", WriteExternal),
      DECLARE_METHOD("externalOffset", ExternalOffset),
      DECLARE_METHOD("failedExternalStatus", FailedExternalStatus),
      DECLARE_METHOD("externalFinalized", ExternalFinalized),
      DECLARE_METHOD("detach", Detach),
      DECLARE_METHOD("typedArrayLength", TypedArrayLength),
      DECLARE_METHOD("newArrayBuffer", NewArrayBuffer),
      DECLARE_METHOD("uint8View", Uint8View),
      DECLARE_METHOD("viewDetachSequence", ViewDetachSequence),
      DECLARE_METHOD("elementAccess", ElementAccess),
  };
  return EXPORT_METHODS(env, exports, methods);
}
