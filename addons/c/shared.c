/* Buffers as an addon sees their memory: for the shared-memory tests (writes seen across the
 * boundary, addresses that show when no copy was made) and the buffer benchmark. */
#include <stdint.h>
#include <string.h>

#include "common.h"

/* napi_float16_array (Node 24's headers, NODE_API_HAS_FLOAT16_ARRAY): the addons build against
 * node 20's, which stop at napi_biguint64_array. */
#define FLOAT16_ARRAY 11

/* The binary16 bits of x, a normal positive number binary16 holds exactly. */
static uint16_t half_bits(double x) {
  int e = 0;
  for (; x >= 2; x /= 2) e++;
  for (; x < 1; x *= 2) e--;
  return (uint16_t)(((e + 15) << 10) | (uint16_t)((x - 1) * 1024));
}

static napi_ref held_ref = NULL;

/* The memory of any buffer-like value: Buffer, TypedArray, DataView or ArrayBuffer. */
static bool memory_of(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  bool is;
  void* p = NULL;
  napi_typedarray_type type;
  size_t count, offset;
  napi_value ab;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    NODE_API_CALL_BASE(env, napi_get_typedarray_info(env, v, &type, &count, &p, &ab, &offset), false);
    size_t size = 1;
    switch ((int)type) {
      case napi_int16_array: case napi_uint16_array: case FLOAT16_ARRAY: size = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: size = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: size = 8; break;
      default: break;
    }
    *data = p;
    *len = count * size;
    return true;
  }
  if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    NODE_API_CALL_BASE(env, napi_get_dataview_info(env, v, len, &p, &ab, &offset), false);
    *data = p;
    return true;
  }
  if (napi_is_arraybuffer(env, v, &is) == napi_ok && is) {
    NODE_API_CALL_BASE(env, napi_get_arraybuffer_info(env, v, &p, len), false);
    *data = p;
    return true;
  }
  napi_throw_type_error(env, NULL, "expected a Buffer, TypedArray, DataView or ArrayBuffer");
  return false;
}

/* make(n) -> a Buffer of n bytes, byte i = i & 0xff */
static napi_value Make(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  double n;
  void* data;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_value_double(env, argv[0], &n));
  NODE_API_CALL(env, napi_create_buffer(env, (size_t)n, &data, &result));
  for (size_t i = 0; i < (size_t)n; i++) ((uint8_t*)data)[i] = (uint8_t)i;
  return result;
}

/* typed(type, n) -> a typed array of napi_typedarray_type `type` with n elements, element i
 * = i + 1 (negated for the signed kinds, plus a half for the float kinds, Float16Array's too) */
static napi_value Typed(napi_env env, napi_callback_info info) {
  napi_value argv[2], ab, result;
  int32_t type, n;
  void* data;
  static const size_t sizes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8, 2};
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[0], &type) || !get_int32(env, argv[1], &n)) return NULL;
  NODE_API_ASSERT(env, type >= 0 && type <= FLOAT16_ARRAY, "unknown typed array type");
  NODE_API_CALL(env, napi_create_arraybuffer(env, sizes[type] * (size_t)n, &data, &ab));
  for (int32_t i = 0; i < n; i++) {
    int64_t v = i + 1;
    switch (type) {
      case napi_int8_array: ((int8_t*)data)[i] = (int8_t)-v; break;
      case napi_uint8_array: case napi_uint8_clamped_array: ((uint8_t*)data)[i] = (uint8_t)v; break;
      case napi_int16_array: ((int16_t*)data)[i] = (int16_t)-v; break;
      case napi_uint16_array: ((uint16_t*)data)[i] = (uint16_t)v; break;
      case napi_int32_array: ((int32_t*)data)[i] = (int32_t)-v; break;
      case napi_uint32_array: ((uint32_t*)data)[i] = (uint32_t)v; break;
      case napi_float32_array: ((float*)data)[i] = (float)v + 0.5f; break;
      case napi_float64_array: ((double*)data)[i] = (double)v + 0.5; break;
      case napi_bigint64_array: ((int64_t*)data)[i] = -v; break;
      case napi_biguint64_array: ((uint64_t*)data)[i] = (uint64_t)v; break;
      case FLOAT16_ARRAY: ((uint16_t*)data)[i] = half_bits((double)v + 0.5); break;
    }
  }
  NODE_API_CALL(env, napi_create_typedarray(env, (napi_typedarray_type)type, (size_t)n, ab, 0, &result));
  return result;
}

/* dataView(ab, offset, length) */
static napi_value DataView(napi_env env, napi_callback_info info) {
  napi_value argv[3], result;
  int32_t offset, length;
  if (!get_args(env, info, 3, argv, NULL) || !get_int32(env, argv[1], &offset) || !get_int32(env, argv[2], &length)) return NULL;
  NODE_API_CALL(env, napi_create_dataview(env, (size_t)length, argv[0], (size_t)offset, &result));
  return result;
}

/* sum(buf) -> the sum of its bytes */
static napi_value Sum(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint8_t* data;
  size_t len;
  uint64_t sum = 0;
  if (!get_args(env, info, 1, argv, NULL) || !memory_of(env, argv[0], &data, &len)) return NULL;
  for (size_t i = 0; i < len; i++) sum += data[i];
  return make_double(env, (double)sum);
}

/* fill(buf, byte) -> undefined: every byte of buf set */
static napi_value Fill(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint8_t* data;
  size_t len;
  int32_t byte;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &byte) || !memory_of(env, argv[0], &data, &len)) return NULL;
  memset(data, byte, len);
  return NULL;
}

/* fillThenThrow(buf, byte): every byte of buf set, then an Error thrown (the writes stay, as in
 * node) */
static napi_value FillThenThrow(napi_env env, napi_callback_info info) {
  bool pending;
  Fill(env, info);
  NODE_API_CALL(env, napi_is_exception_pending(env, &pending));
  if (!pending) napi_throw_error(env, NULL, "filled, then thrown");
  return NULL;
}

/* address(buf) -> its data pointer as a BigInt (0 for none) */
static napi_value Address(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  uint8_t* data;
  size_t len;
  if (!get_args(env, info, 1, argv, NULL) || !memory_of(env, argv[0], &data, &len)) return NULL;
  NODE_API_CALL(env, napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)data, &result));
  return result;
}

/* hold(buf): keeps buf in a strong reference; held() -> it; isHeld(x) -> x === it;
 * release() drops it */
static napi_value Hold(napi_env env, napi_callback_info info) {
  return hold_argument(env, info, &held_ref);
}

/* The held value, or false with an Error thrown when nothing is held. */
static bool get_held(napi_env env, napi_value* held) {
  if (held_ref == NULL) {
    napi_throw_error(env, NULL, "nothing held");
    return false;
  }
  NODE_API_CALL_BASE(env, napi_get_reference_value(env, held_ref, held), false);
  return true;
}

static napi_value Held(napi_env env, napi_callback_info info) {
  napi_value result;
  (void)info;
  return get_held(env, &result) ? result : NULL;
}

static napi_value IsHeld(napi_env env, napi_callback_info info) {
  napi_value argv[1], held;
  bool same;
  if (!get_args(env, info, 1, argv, NULL) || !get_held(env, &held)) return NULL;
  NODE_API_CALL(env, napi_strict_equals(env, argv[0], held, &same));
  return make_bool(env, same);
}

static napi_value Release(napi_env env, napi_callback_info info) {
  (void)info;
  if (held_ref != NULL) NODE_API_CALL(env, napi_delete_reference(env, held_ref));
  held_ref = NULL;
  return NULL;
}

/* poke(i, byte) / peek(i): the held buffer's byte i, written or read by the addon */
static napi_value Poke(napi_env env, napi_callback_info info) {
  napi_value argv[2], held;
  int32_t i, byte;
  uint8_t* data;
  size_t len;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[0], &i) || !get_int32(env, argv[1], &byte)) return NULL;
  if (!get_held(env, &held) || !memory_of(env, held, &data, &len)) return NULL;
  NODE_API_ASSERT(env, i >= 0 && (size_t)i < len, "index out of range");
  data[i] = (uint8_t)byte;
  return NULL;
}

static napi_value Peek(napi_env env, napi_callback_info info) {
  napi_value argv[1], held;
  int32_t i;
  uint8_t* data;
  size_t len;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &i)) return NULL;
  if (!get_held(env, &held) || !memory_of(env, held, &data, &len)) return NULL;
  NODE_API_ASSERT(env, i >= 0 && (size_t)i < len, "index out of range");
  return make_int32(env, data[i]);
}

/* kind(x) -> "Uint8Array" ... | "DataView" | "ArrayBuffer", as the addon sees x (a Buffer is a
 * Uint8Array; napi_is_buffer is true for every view, as in node 20) */
static napi_value Kind(napi_env env, napi_callback_info info) {
  static const char* names[] = {"Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array",
                                "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array",
                                "Float16Array"};
  napi_value argv[1], result;
  bool is;
  const char* name = "other";
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  if (napi_is_typedarray(env, argv[0], &is) == napi_ok && is) {
    napi_typedarray_type type;
    NODE_API_CALL(env, napi_get_typedarray_info(env, argv[0], &type, NULL, NULL, NULL, NULL));
    name = names[type];
  } else if (napi_is_dataview(env, argv[0], &is) == napi_ok && is) {
    name = "DataView";
  } else if (napi_is_arraybuffer(env, argv[0], &is) == napi_ok && is) {
    name = "ArrayBuffer";
  }
  NODE_API_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result));
  return result;
}

/* detachHeld() -> detaches the held ArrayBuffer */
static napi_value DetachHeld(napi_env env, napi_callback_info info) {
  napi_value held;
  (void)info;
  if (!get_held(env, &held)) return NULL;
  NODE_API_CALL(env, napi_detach_arraybuffer(env, held));
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("make", Make),       DECLARE_METHOD("typed", Typed),     DECLARE_METHOD("dataView", DataView),
      DECLARE_METHOD("sum", Sum),         DECLARE_METHOD("fill", Fill),       DECLARE_METHOD("address", Address),
      DECLARE_METHOD("hold", Hold),       DECLARE_METHOD("held", Held),       DECLARE_METHOD("isHeld", IsHeld),
      DECLARE_METHOD("release", Release), DECLARE_METHOD("poke", Poke),       DECLARE_METHOD("peek", Peek),
      DECLARE_METHOD("kind", Kind),       DECLARE_METHOD("detachHeld", DetachHeld), DECLARE_METHOD("fillThenThrow", FillThenThrow),
  };
  return EXPORT_METHODS(env, exports, methods);
}
