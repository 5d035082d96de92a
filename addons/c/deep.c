/* Values nested deep, made and measured by an addon: JavaScript allows any depth
 * napi builds, so every way a value crosses to and from Python must carry it whole.
 *
 * Nesting is "arrays" ([[[...[]]]], the next level at element 0) or "objects" ({k: {k: ...{}}}).
 * Everything here loops: nothing in this file recurses, whatever the depth. */
#include "common.h"

#include <stdlib.h>

static bool get_kind(napi_env env, napi_value v, bool* objects) {
  char kind[16];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, kind, sizeof kind, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "the nesting is \"arrays\" or \"objects\"");
    return false;
  }
  *objects = strcmp(kind, "objects") == 0;
  return true;
}

/* A value nested `depth` levels deep: an empty array or object inside `depth` others. */
static napi_value build(napi_env env, int32_t depth, bool objects) {
  napi_value v;
  if (objects) {
    NODE_API_CALL(env, napi_create_object(env, &v));
  } else {
    NODE_API_CALL(env, napi_create_array(env, &v));
  }
  for (int32_t i = 0; i < depth; i++) {
    napi_value outer;
    if (objects) {
      NODE_API_CALL(env, napi_create_object(env, &outer));
      NODE_API_CALL(env, napi_set_named_property(env, outer, "k", v));
    } else {
      NODE_API_CALL(env, napi_create_array(env, &outer));
      NODE_API_CALL(env, napi_set_element(env, outer, 0, v));
    }
    v = outer;
  }
  return v;
}

/* How deep `v` is nested: the number of arrays (or objects) passed through until one that is
 * empty, or is not one. -1 (and a thrown error) when a call fails. */
static int64_t measure(napi_env env, napi_value v, bool objects) {
  int64_t depth = 0;
  for (;;) {
    bool more = false;
    napi_value inner = NULL;
    if (objects) {
      napi_valuetype type;
      if (napi_typeof(env, v, &type) != napi_ok) return -1;
      if (type == napi_object && napi_has_named_property(env, v, "k", &more) != napi_ok) return -1;
      if (more && napi_get_named_property(env, v, "k", &inner) != napi_ok) return -1;
    } else {
      bool is_array = false;
      uint32_t length = 0;
      if (napi_is_array(env, v, &is_array) != napi_ok) return -1;
      if (is_array && napi_get_array_length(env, v, &length) != napi_ok) return -1;
      more = is_array && length > 0;
      if (more && napi_get_element(env, v, 0, &inner) != napi_ok) return -1;
    }
    if (!more) return depth;
    depth++;
    v = inner;
  }
}

/* make(depth, nesting) -> a value nested `depth` deep. */
static napi_value Make(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t depth;
  bool objects;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[0], &depth) || !get_kind(env, argv[1], &objects)) return NULL;
  return build(env, depth, objects);
}

/* flat(n) -> [0, 1, ..., n - 1]: the shallow common case, for benchmarks. */
static napi_value Flat(napi_env env, napi_callback_info info) {
  napi_value argv[1], array;
  int32_t n;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &n)) return NULL;
  NODE_API_CALL(env, napi_create_array_with_length(env, (size_t)n, &array));
  for (int32_t i = 0; i < n; i++) NODE_API_CALL(env, napi_set_element(env, array, (uint32_t)i, make_int32(env, i)));
  return array;
}

/* depthOf(value, nesting) -> how deep `value` is nested (see `measure`). */
static napi_value DepthOf(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool objects;
  if (!get_args(env, info, 2, argv, NULL) || !get_kind(env, argv[1], &objects)) return NULL;
  int64_t depth = measure(env, argv[0], objects);
  if (depth < 0) return NULL;
  return make_double(env, (double)depth);
}

/* callWith(fn, depth, nesting) -> the depth of what fn returned, given a value nested `depth`
 * deep. */
static napi_value CallWith(napi_env env, napi_callback_info info) {
  napi_value argv[3], undefined, result;
  int32_t depth;
  bool objects;
  if (!get_args(env, info, 3, argv, NULL) || !get_int32(env, argv[1], &depth) || !get_kind(env, argv[2], &objects)) return NULL;
  napi_value deep = build(env, depth, objects);
  if (deep == NULL) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &undefined));
  NODE_API_CALL(env, napi_call_function(env, undefined, argv[0], 1, &deep, &result));
  int64_t back = measure(env, result, objects);
  if (back < 0) return NULL;
  return make_double(env, (double)back);
}

/* resolved(depth, nesting) -> a promise already resolved with a value nested `depth` deep. */
static napi_value Resolved(napi_env env, napi_callback_info info) {
  napi_value argv[2], promise;
  int32_t depth;
  bool objects;
  napi_deferred deferred;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[0], &depth) || !get_kind(env, argv[1], &objects)) return NULL;
  napi_value deep = build(env, depth, objects);
  if (deep == NULL) return NULL;
  NODE_API_CALL(env, napi_create_promise(env, &deferred, &promise));
  NODE_API_CALL(env, napi_resolve_deferred(env, deferred, deep));
  return promise;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor descs[] = {
      DECLARE_METHOD("make", Make),
      DECLARE_METHOD("flat", Flat),
      DECLARE_METHOD("depthOf", DepthOf),
      DECLARE_METHOD("callWith", CallWith),
      DECLARE_METHOD("resolved", Resolved),
  };
  return EXPORT_METHODS(env, exports, descs);
}
