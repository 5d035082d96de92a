/* Chapter "strings": creating and reading UTF-8, Latin-1 and UTF-16 strings with Node's
 * buffer-size rules (Node-API docs, napi_get_value_string_*).
 *
 * Raw bytes travel to and from the tests as "byte strings": JS strings whose code units are all
 * below 256, one per byte (Python: str.encode("latin-1")). */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

/* Sentinel that fills buffers before a get, so tests see exactly which bytes were written. */
#define SENTINEL 0x58 /* 'X' */
/* Bytes past `bufsize` that are reported back, to show nothing was written beyond it. */
#define SLACK 2

static napi_value make_byte_string(napi_env env, const char* bytes, size_t length) {
  napi_value result;
  NODE_API_CALL(env, napi_create_string_latin1(env, bytes, length, &result));
  return result;
}

/* Reads a byte string argument into a malloc'd buffer (caller frees). */
static char* get_byte_string(napi_env env, napi_value value, size_t* length) {
  size_t len;
  NODE_API_CALL(env, napi_get_value_string_latin1(env, value, NULL, 0, &len));
  char* bytes = malloc(len + 1);
  NODE_API_ASSERT(env, bytes != NULL, "out of memory");
  napi_status status = napi_get_value_string_latin1(env, value, bytes, len + 1, &len);
  if (status != napi_ok) {
    free(bytes);
    throw_failed_call(env, status, "napi_get_value_string_latin1");
    return NULL;
  }
  *length = len;
  return bytes;
}

/* The bufsize argument: a number >= 0, or -1 for "pass buf = NULL". */
static bool get_bufsize(napi_env env, napi_value value, int32_t* bufsize) {
  if (!get_int32(env, value, bufsize)) return false;
  if (*bufsize < -1 || *bufsize > 1 << 20) {
    napi_throw_range_error(env, NULL, "bufsize out of range");
    return false;
  }
  return true;
}

typedef napi_status (*get_string8_fn)(napi_env, napi_value, char*, size_t, size_t*);

/* [status, bytes of the buffer (bufsize + SLACK of them) after the call, *result] */
static napi_value get_string8(napi_env env, napi_callback_info info, get_string8_fn get) {
  napi_value argv[2];
  int32_t bufsize;
  if (!get_args(env, info, 2, argv, NULL) || !get_bufsize(env, argv[1], &bufsize)) return NULL;
  size_t shown = bufsize < 0 ? 0 : (size_t)bufsize + SLACK;
  char* buf = malloc(shown + 1);
  NODE_API_ASSERT(env, buf != NULL, "out of memory");
  memset(buf, SENTINEL, shown + 1);
  size_t result = 12345; /* shows whether the call wrote *result */
  napi_status status = get(env, argv[0], bufsize < 0 ? NULL : buf, bufsize < 0 ? 0 : (size_t)bufsize,
                           &result);
  napi_value items[] = {make_status(env, status), make_byte_string(env, buf, shown),
                        make_double(env, (double)result)};
  free(buf);
  for (size_t i = 0; i < ARRAY_LENGTH(items); i++) {
    if (items[i] == NULL) return NULL;
  }
  return make_list(env, ARRAY_LENGTH(items), items);
}

static napi_value GetUtf8(napi_env env, napi_callback_info info) {
  return get_string8(env, info, napi_get_value_string_utf8);
}

static napi_value GetLatin1(napi_env env, napi_callback_info info) {
  return get_string8(env, info, napi_get_value_string_latin1);
}

/* getUtf16(str, bufsize) -> [status, code units of the buffer (bufsize + SLACK), *result] */
static napi_value GetUtf16(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t bufsize;
  if (!get_args(env, info, 2, argv, NULL) || !get_bufsize(env, argv[1], &bufsize)) return NULL;
  size_t shown = bufsize < 0 ? 0 : (size_t)bufsize + SLACK;
  char16_t* buf = malloc((shown + 1) * sizeof(char16_t));
  NODE_API_ASSERT(env, buf != NULL, "out of memory");
  for (size_t i = 0; i <= shown; i++) buf[i] = SENTINEL;
  size_t result = 12345;
  napi_status status = napi_get_value_string_utf16(
      env, argv[0], bufsize < 0 ? NULL : buf, bufsize < 0 ? 0 : (size_t)bufsize, &result);
  napi_value units;
  napi_status list_status = napi_create_array_with_length(env, shown, &units);
  for (size_t i = 0; list_status == napi_ok && i < shown; i++) {
    napi_value unit;
    list_status = napi_create_uint32(env, buf[i], &unit);
    if (list_status == napi_ok) list_status = napi_set_element(env, units, (uint32_t)i, unit);
  }
  free(buf);
  NODE_API_CALL(env, list_status);
  napi_value items[] = {make_status(env, status), units, make_double(env, (double)result)};
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* createUtf8(bytes, length) / createLatin1(bytes, length): create from the raw bytes with an
 * explicit length, or NAPI_AUTO_LENGTH when length is -1 (stops at the first NUL). */
typedef napi_status (*create_string8_fn)(napi_env, const char*, size_t, napi_value*);

static napi_value create_string8(napi_env env, napi_callback_info info, create_string8_fn create) {
  napi_value argv[2], result;
  int32_t length;
  size_t byte_count;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &length)) return NULL;
  char* bytes = get_byte_string(env, argv[0], &byte_count);
  if (bytes == NULL) return NULL;
  if (length > (int32_t)byte_count) {
    free(bytes);
    napi_throw_range_error(env, NULL, "length beyond the bytes given");
    return NULL;
  }
  napi_status status = create(env, bytes, length < 0 ? NAPI_AUTO_LENGTH : (size_t)length, &result);
  free(bytes);
  NODE_API_CALL(env, status);
  return result;
}

static napi_value CreateUtf8(napi_env env, napi_callback_info info) {
  return create_string8(env, info, napi_create_string_utf8);
}

static napi_value CreateLatin1(napi_env env, napi_callback_info info) {
  return create_string8(env, info, napi_create_string_latin1);
}

/* createUtf16(units, length): from an array of code units; length -1 = NAPI_AUTO_LENGTH. */
static napi_value CreateUtf16(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int32_t length;
  uint32_t count;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &length)) return NULL;
  NODE_API_CALL(env, napi_get_array_length(env, argv[0], &count));
  NODE_API_ASSERT(env, length <= (int32_t)count, "length beyond the units given");
  char16_t* units = calloc((size_t)count + 1, sizeof(char16_t));
  NODE_API_ASSERT(env, units != NULL, "out of memory");
  napi_status status = napi_ok;
  for (uint32_t i = 0; status == napi_ok && i < count; i++) {
    napi_value unit;
    uint32_t v = 0;
    status = napi_get_element(env, argv[0], i, &unit);
    if (status == napi_ok) status = napi_get_value_uint32(env, unit, &v);
    units[i] = (char16_t)v;
  }
  if (status == napi_ok) {
    status = napi_create_string_utf16(env, units, length < 0 ? NAPI_AUTO_LENGTH : (size_t)length,
                                      &result);
  }
  free(units);
  NODE_API_CALL(env, status);
  return result;
}

/* Statuses of create calls with bad arguments:
 * [utf8 NULL/AUTO, latin1 NULL/AUTO, utf16 NULL/AUTO, utf8 NULL/0, utf8 length INT_MAX + 1,
 *  utf8 NULL result] */
static napi_value StatusesOfBadCreate(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  napi_value items[] = {
      make_status(env, napi_create_string_utf8(env, NULL, NAPI_AUTO_LENGTH, &out)),
      make_status(env, napi_create_string_latin1(env, NULL, NAPI_AUTO_LENGTH, &out)),
      make_status(env, napi_create_string_utf16(env, NULL, NAPI_AUTO_LENGTH, &out)),
      make_status(env, napi_create_string_utf8(env, NULL, 0, &out)),
      make_status(env, napi_create_string_utf8(env, "x", (size_t)INT_MAX + 1, &out)),
      make_status(env, napi_create_string_utf8(env, "x", 1, NULL)),
  };
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* emptyFromNull() -> the string napi_create_string_utf8(NULL, 0) makes */
static napi_value EmptyFromNull(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NODE_API_CALL(env, napi_create_string_utf8(env, NULL, 0, &result));
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("getUtf8", GetUtf8),
      DECLARE_METHOD("getLatin1", GetLatin1),
      DECLARE_METHOD("getUtf16", GetUtf16),
      DECLARE_METHOD("createUtf8", CreateUtf8),
      DECLARE_METHOD("createLatin1", CreateLatin1),
      DECLARE_METHOD("createUtf16", CreateUtf16),
      DECLARE_METHOD("statusesOfBadCreate", StatusesOfBadCreate),
      DECLARE_METHOD("emptyFromNull", EmptyFromNull),
  };
  return EXPORT_METHODS(env, exports, methods);
}
