/* Chapter "values": primitives, napi_typeof, number conversions, coercion, strict equality. */
#include <math.h>
#include <stdint.h>

#include "common.h"

static napi_value make_uint32(napi_env env, uint32_t v) {
  napi_value result;
  NODE_API_CALL(env, napi_create_uint32(env, v, &result));
  return result;
}

/* int64 results travel as BigInt so that values beyond 2^53 arrive exactly. */
static napi_value make_bigint64(napi_env env, int64_t v) {
  napi_value result;
  NODE_API_CALL(env, napi_create_bigint_int64(env, v, &result));
  return result;
}

static napi_value make_int64_number(napi_env env, int64_t v) {
  napi_value result;
  NODE_API_CALL(env, napi_create_int64(env, v, &result));
  return result;
}

/* toX(value) -> [status, napi_get_value_X(value)] */
#define DEFINE_TO(fn_name, ctype, getter, maker)                  \
  static napi_value fn_name(napi_env env, napi_callback_info info) { \
    napi_value argv[1], out = NULL;                               \
    ctype v;                                                      \
    if (!get_args(env, info, 1, argv, NULL)) return NULL;         \
    napi_status status = getter(env, argv[0], &v);                \
    if (status == napi_ok && (out = maker(env, v)) == NULL) return NULL; \
    return make_status_pair(env, status, out);                    \
  }

DEFINE_TO(ToInt32, int32_t, napi_get_value_int32, make_int32)
DEFINE_TO(ToUint32, uint32_t, napi_get_value_uint32, make_uint32)
DEFINE_TO(ToInt64, int64_t, napi_get_value_int64, make_bigint64)
DEFINE_TO(ToDouble, double, napi_get_value_double, make_double)
DEFINE_TO(ToBool, bool, napi_get_value_bool, make_bool)

/* coerceToX(value) -> [status, napi_coerce_to_X(value), thrown] */
#define DEFINE_COERCE(fn_name, coercer)                               \
  static napi_value fn_name(napi_env env, napi_callback_info info) {  \
    napi_value argv[1], out = NULL;                                   \
    if (!get_args(env, info, 1, argv, NULL)) return NULL;             \
    napi_status status = coercer(env, argv[0], &out);                 \
    return make_status_triple(env, status, out);                      \
  }

DEFINE_COERCE(CoerceToBool, napi_coerce_to_bool)
DEFINE_COERCE(CoerceToNumber, napi_coerce_to_number)
DEFINE_COERCE(CoerceToString, napi_coerce_to_string)
DEFINE_COERCE(CoerceToObject, napi_coerce_to_object)

/* typeOf(value) -> the napi_valuetype number */
static napi_value TypeOf(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  napi_valuetype type;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_typeof(env, argv[0], &type));
  return make_int32(env, (int32_t)type);
}

static napi_value NativeFunction(napi_env env, napi_callback_info info) {
  (void)info;
  return make_undefined(env);
}

static void FinalizeNothing(napi_env env, void* data, void* hint) {
  (void)env, (void)data, (void)hint;
}

/* typesOfCreated() -> {kind: napi_valuetype} for one value of each kind made in C, so the
 * host's napi_typeof is checked on values that never crossed to Python. */
static napi_value TypesOfCreated(napi_env env, napi_callback_info info) {
  (void)info;
  static const char* names[] = {"undefined", "null",   "boolean",  "number",   "string",
                                "symbol",    "object", "function", "external", "bigint",
                                "array"};
  napi_value values[ARRAY_LENGTH(names)], result;
  NODE_API_CALL(env, napi_get_undefined(env, &values[0]));
  NODE_API_CALL(env, napi_get_null(env, &values[1]));
  NODE_API_CALL(env, napi_get_boolean(env, true, &values[2]));
  NODE_API_CALL(env, napi_create_double(env, 1.5, &values[3]));
  NODE_API_CALL(env, napi_create_string_utf8(env, "s", NAPI_AUTO_LENGTH, &values[4]));
  NODE_API_CALL(env, napi_create_symbol(env, NULL, &values[5]));
  NODE_API_CALL(env, napi_create_object(env, &values[6]));
  NODE_API_CALL(env, napi_create_function(env, "f", NAPI_AUTO_LENGTH, NativeFunction, NULL,
                                          &values[7]));
  NODE_API_CALL(env, napi_create_external(env, (void*)names, FinalizeNothing, NULL, &values[8]));
  NODE_API_CALL(env, napi_create_bigint_int64(env, 7, &values[9]));
  NODE_API_CALL(env, napi_create_array(env, &values[10]));
  NODE_API_CALL(env, napi_create_object(env, &result));
  for (size_t i = 0; i < ARRAY_LENGTH(names); i++) {
    napi_valuetype type;
    NODE_API_CALL(env, napi_typeof(env, values[i], &type));
    napi_value type_value = make_int32(env, (int32_t)type);
    if (type_value == NULL) return NULL;
    NODE_API_CALL(env, napi_set_named_property(env, result, names[i], type_value));
  }
  return result;
}

/* Limits made by the create functions: [INT32_MIN, INT32_MAX, UINT32_MAX,
 * int64 2^53, int64 -(2^53), int64 INT64_MAX (rounds to a double), double 0.1] */
static napi_value CreatedLimits(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value items[] = {
      make_int32(env, INT32_MIN),
      make_int32(env, INT32_MAX),
      make_uint32(env, UINT32_MAX),
      make_int64_number(env, INT64_C(9007199254740992)),
      make_int64_number(env, -INT64_C(9007199254740992)),
      make_int64_number(env, INT64_MAX),
      make_double(env, 0.1),
  };
  for (size_t i = 0; i < ARRAY_LENGTH(items); i++) {
    if (items[i] == NULL) return NULL;
  }
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* specialDoubles() -> [NaN, Infinity, -Infinity, -0] made with napi_create_double */
static napi_value SpecialDoubles(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value items[] = {make_double(env, NAN), make_double(env, INFINITY),
                        make_double(env, -INFINITY), make_double(env, -0.0)};
  for (size_t i = 0; i < ARRAY_LENGTH(items); i++) {
    if (items[i] == NULL) return NULL;
  }
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* nullAndUndefined() -> [null, undefined, true, false] from the get_* functions */
static napi_value Singletons(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value items[4];
  NODE_API_CALL(env, napi_get_null(env, &items[0]));
  NODE_API_CALL(env, napi_get_undefined(env, &items[1]));
  NODE_API_CALL(env, napi_get_boolean(env, true, &items[2]));
  NODE_API_CALL(env, napi_get_boolean(env, false, &items[3]));
  return make_list(env, 4, items);
}

/* Whether napi_get_null returns the same value twice (strict equality of singletons). */
static napi_value SingletonsAreStrictEqual(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value a, b, c, d;
  bool nulls, undefineds, null_is_undefined;
  NODE_API_CALL(env, napi_get_null(env, &a));
  NODE_API_CALL(env, napi_get_null(env, &b));
  NODE_API_CALL(env, napi_get_undefined(env, &c));
  NODE_API_CALL(env, napi_get_undefined(env, &d));
  NODE_API_CALL(env, napi_strict_equals(env, a, b, &nulls));
  NODE_API_CALL(env, napi_strict_equals(env, c, d, &undefineds));
  NODE_API_CALL(env, napi_strict_equals(env, a, c, &null_is_undefined));
  return make_bool(env, nulls && undefineds && !null_is_undefined);
}

static napi_value StrictEquals(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool equal;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_strict_equals(env, argv[0], argv[1], &equal));
  return make_bool(env, equal);
}

/* A fresh object and a fresh string built from the same text: identity vs value equality. */
static napi_value StrictEqualsFreshValues(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o1, o2, s1, s2, n1, n2;
  bool objects, strings, numbers;
  NODE_API_CALL(env, napi_create_object(env, &o1));
  NODE_API_CALL(env, napi_create_object(env, &o2));
  NODE_API_CALL(env, napi_create_string_utf8(env, "same", NAPI_AUTO_LENGTH, &s1));
  NODE_API_CALL(env, napi_create_string_utf8(env, "same", NAPI_AUTO_LENGTH, &s2));
  NODE_API_CALL(env, napi_create_double(env, NAN, &n1));
  NODE_API_CALL(env, napi_create_double(env, NAN, &n2));
  NODE_API_CALL(env, napi_strict_equals(env, o1, o2, &objects));
  NODE_API_CALL(env, napi_strict_equals(env, s1, s2, &strings));
  NODE_API_CALL(env, napi_strict_equals(env, n1, n2, &numbers));
  napi_value items[] = {make_bool(env, objects), make_bool(env, strings), make_bool(env, numbers)};
  return make_list(env, 3, items);
}

static napi_value GetVersion(napi_env env, napi_callback_info info) {
  (void)info;
  uint32_t version;
  NODE_API_CALL(env, napi_get_version(env, &version));
  return make_uint32(env, version);
}

/* Statuses of calls with a NULL result pointer: Node answers napi_invalid_arg. */
static napi_value StatusesOfNullResult(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_value items[] = {
      make_status(env, napi_get_value_int32(env, argv[0], NULL)),
      make_status(env, napi_get_value_double(env, argv[0], NULL)),
      make_status(env, napi_typeof(env, argv[0], NULL)),
      make_status(env, napi_create_int32(env, 1, NULL)),
      make_status(env, napi_get_undefined(env, NULL)),
      make_status(env, napi_typeof(env, NULL, NULL)),
  };
  return make_list(env, ARRAY_LENGTH(items), items);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("toInt32", ToInt32),
      DECLARE_METHOD("toUint32", ToUint32),
      DECLARE_METHOD("toInt64", ToInt64),
      DECLARE_METHOD("toDouble", ToDouble),
      DECLARE_METHOD("toBool", ToBool),
      DECLARE_METHOD("coerceToBool", CoerceToBool),
      DECLARE_METHOD("coerceToNumber", CoerceToNumber),
      DECLARE_METHOD("coerceToString", CoerceToString),
      DECLARE_METHOD("coerceToObject", CoerceToObject),
      DECLARE_METHOD("typeOf", TypeOf),
      DECLARE_METHOD("typesOfCreated", TypesOfCreated),
      DECLARE_METHOD("createdLimits", CreatedLimits),
      DECLARE_METHOD("specialDoubles", SpecialDoubles),
      DECLARE_METHOD("singletons", Singletons),
      DECLARE_METHOD("singletonsAreStrictEqual", SingletonsAreStrictEqual),
      DECLARE_METHOD("strictEquals", StrictEquals),
      DECLARE_METHOD("strictEqualsFreshValues", StrictEqualsFreshValues),
      DECLARE_METHOD("getVersion", GetVersion),
      DECLARE_METHOD("statusesOfNullResult", StatusesOfNullResult),
  };
  return EXPORT_METHODS(env, exports, methods);
}
