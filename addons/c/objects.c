/* Chapter "objects": property access by name, key and index, napi_define_properties with
 * attributes, key listing, prototypes, instanceof, freeze/seal and arrays.
 *
 * Accessors that can fail return `[status, result]` (or `[status, result, thrown]` where the
 * call may leave an exception pending), so tests assert Node's exact statuses. */
#include <stdlib.h>

#include "common.h"

#define MAX_NAME 256

/* ---- named: napi_{set,get,has}_named_property(obj, "name") ---- */

static napi_value SetNamed(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  char name[MAX_NAME];
  if (!get_args(env, info, 3, argv, NULL) || !get_utf8(env, argv[1], name, sizeof name)) {
    return NULL;
  }
  return make_status_triple(env, napi_set_named_property(env, argv[0], name, argv[2]), NULL);
}

static napi_value GetNamed(napi_env env, napi_callback_info info) {
  napi_value argv[2], result = NULL;
  char name[MAX_NAME];
  if (!get_args(env, info, 2, argv, NULL) || !get_utf8(env, argv[1], name, sizeof name)) {
    return NULL;
  }
  napi_status status = napi_get_named_property(env, argv[0], name, &result);
  return make_status_triple(env, status, result);
}

static napi_value HasNamed(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char name[MAX_NAME];
  bool has = false;
  if (!get_args(env, info, 2, argv, NULL) || !get_utf8(env, argv[1], name, sizeof name)) {
    return NULL;
  }
  napi_status status = napi_has_named_property(env, argv[0], name, &has);
  return make_status_triple(env, status, make_bool(env, has));
}

/* ---- keyed: napi_{set,get,has,has_own,delete}_property(obj, key) ---- */

static napi_value SetProperty(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, NULL)) return NULL;
  return make_status_triple(env, napi_set_property(env, argv[0], argv[1], argv[2]), NULL);
}

static napi_value GetProperty(napi_env env, napi_callback_info info) {
  napi_value argv[2], result = NULL;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  napi_status status = napi_get_property(env, argv[0], argv[1], &result);
  return make_status_triple(env, status, result);
}

typedef napi_status (*key_predicate_fn)(napi_env, napi_value, napi_value, bool*);

static napi_value key_predicate(napi_env env, napi_callback_info info, key_predicate_fn fn) {
  napi_value argv[2];
  bool answer = false;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  napi_status status = fn(env, argv[0], argv[1], &answer);
  return make_status_triple(env, status, make_bool(env, answer));
}

static napi_value HasProperty(napi_env env, napi_callback_info info) {
  return key_predicate(env, info, napi_has_property);
}

static napi_value HasOwnProperty(napi_env env, napi_callback_info info) {
  return key_predicate(env, info, napi_has_own_property);
}

static napi_value DeleteProperty(napi_env env, napi_callback_info info) {
  return key_predicate(env, info, napi_delete_property);
}

/* ---- indexed: napi_{set,get,has,delete}_element(obj, index) ---- */

static bool get_index(napi_env env, napi_callback_info info, size_t argc, napi_value* argv,
                      uint32_t* index) {
  if (!get_args(env, info, argc, argv, NULL)) return false;
  napi_status status = napi_get_value_uint32(env, argv[1], index);
  if (status != napi_ok) throw_failed_call(env, status, "napi_get_value_uint32");
  return status == napi_ok;
}

static napi_value SetElement(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  uint32_t index;
  if (!get_index(env, info, 3, argv, &index)) return NULL;
  return make_status_triple(env, napi_set_element(env, argv[0], index, argv[2]), NULL);
}

static napi_value GetElement(napi_env env, napi_callback_info info) {
  napi_value argv[2], result = NULL;
  uint32_t index;
  if (!get_index(env, info, 2, argv, &index)) return NULL;
  napi_status status = napi_get_element(env, argv[0], index, &result);
  return make_status_triple(env, status, result);
}

static napi_value HasElement(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t index;
  bool has = false;
  if (!get_index(env, info, 2, argv, &index)) return NULL;
  napi_status status = napi_has_element(env, argv[0], index, &has);
  return make_status_triple(env, status, make_bool(env, has));
}

static napi_value DeleteElement(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  uint32_t index;
  bool deleted = false;
  if (!get_index(env, info, 2, argv, &index)) return NULL;
  napi_status status = napi_delete_element(env, argv[0], index, &deleted);
  return make_status_triple(env, status, make_bool(env, deleted));
}

/* ---- napi_define_properties ---- */

/* The accessor pair keeps its value on a holder object held by a reference (references to
 * primitives need Node-API 10). Tests load a fresh host per test, so a static is enough. */
static napi_ref holder_ref = NULL;

static napi_value get_holder(napi_env env) {
  napi_value holder;
  if (holder_ref == NULL) {
    NODE_API_CALL(env, napi_create_object(env, &holder));
    NODE_API_CALL(env, napi_create_reference(env, holder, 1, &holder_ref));
  }
  NODE_API_CALL(env, napi_get_reference_value(env, holder_ref, &holder));
  return holder;
}

static napi_value GetterReturningData(napi_env env, napi_callback_info info) {
  void* data;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, NULL, &data));
  return make_string(env, (const char*)data);
}

static napi_value StoredGetter(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value holder = get_holder(env), value;
  if (holder == NULL) return NULL;
  NODE_API_CALL(env, napi_get_named_property(env, holder, "value", &value));
  return value;
}

static napi_value StoredSetter(napi_env env, napi_callback_info info) {
  napi_value argv[1], holder;
  if (!get_args(env, info, 1, argv, NULL) || (holder = get_holder(env)) == NULL) return NULL;
  NODE_API_CALL(env, napi_set_named_property(env, holder, "value", argv[0]));
  return NULL;
}

/* A method that returns its `this` and its data string: [this, data] */
static napi_value MethodReturningThisAndData(napi_env env, napi_callback_info info) {
  napi_value this_arg;
  void* data;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, &data));
  napi_value items[] = {this_arg, make_string(env, (const char*)data)};
  return make_list(env, 2, items);
}

/* defineAll(obj, symbolKey): defines on obj
 *   value_<w><e><c> = 1..8  data properties for each attribute combination (bits w=1,e=2,c=4),
 *   method            a method (napi_default: read-only, hidden, fixed); returns [this, "m"]
 *   enumerableMethod  a method with napi_default_method | napi_enumerable
 *   readOnlyAccessor  getter only, returns "ro", enumerable
 *   accessor          getter + setter backed by a reference, configurable
 *   [symbolKey]       a data property named by a napi_value, writable */
static napi_value DefineAll(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  static const char* value_names[] = {"value_000", "value_w00", "value_0e0", "value_we0",
                                      "value_00c", "value_w0c", "value_0ec", "value_wec"};
  napi_property_descriptor descs[ARRAY_LENGTH(value_names) + 5];
  memset(descs, 0, sizeof descs);
  for (size_t bits = 0; bits < ARRAY_LENGTH(value_names); bits++) {
    descs[bits].utf8name = value_names[bits];
    descs[bits].value = make_int32(env, (int32_t)bits + 1);
    if (descs[bits].value == NULL) return NULL;
    descs[bits].attributes = (napi_property_attributes)bits;
  }
  size_t n = ARRAY_LENGTH(value_names);
  descs[n++] = (napi_property_descriptor){"method", NULL, MethodReturningThisAndData, NULL, NULL,
                                          NULL, napi_default, (void*)"m"};
  descs[n++] = (napi_property_descriptor){"enumerableMethod", NULL, MethodReturningThisAndData,
                                          NULL, NULL, NULL,
                                          napi_default_method | napi_enumerable, (void*)"em"};
  descs[n++] = (napi_property_descriptor){"readOnlyAccessor", NULL, NULL, GetterReturningData,
                                          NULL, NULL, napi_enumerable, (void*)"ro"};
  descs[n++] = (napi_property_descriptor){"accessor", NULL, NULL, StoredGetter, StoredSetter,
                                          NULL, napi_configurable, NULL};
  descs[n++] = (napi_property_descriptor){NULL, argv[1], NULL, NULL, NULL,
                                          make_string(env, "by symbol"), napi_writable, NULL};
  NODE_API_CALL(env, napi_define_properties(env, argv[0], n, descs));
  return argv[0];
}

/* Statuses of napi_define_properties misuse: [non-object target, NULL descriptors with
 * count > 0, a number as the name]. (A descriptor with neither name crashes node 20.) */
static napi_value StatusesOfBadDefine(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, number, value;
  NODE_API_CALL(env, napi_create_object(env, &obj));
  NODE_API_CALL(env, napi_create_int32(env, 1, &number));
  value = number;
  napi_property_descriptor good = {"x", NULL, NULL, NULL, NULL, value, napi_default, NULL};
  napi_property_descriptor number_name = {NULL, number, NULL, NULL, NULL, value, napi_default,
                                          NULL};
  napi_value items[] = {
      make_status(env, napi_define_properties(env, number, 1, &good)),
      make_status(env, napi_define_properties(env, obj, 1, NULL)),
      make_status(env, napi_define_properties(env, obj, 1, &number_name)),
  };
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* ---- keys ---- */

static napi_value PropertyNames(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status status = napi_get_property_names(env, argv[0], &result);
  return make_status_triple(env, status, result);
}

/* allPropertyNames(obj, mode, filter, conversion) -> [status, keys, thrown] */
static napi_value AllPropertyNames(napi_env env, napi_callback_info info) {
  napi_value argv[4], result = NULL;
  int32_t mode, filter, conversion;
  if (!get_args(env, info, 4, argv, NULL) || !get_int32(env, argv[1], &mode) ||
      !get_int32(env, argv[2], &filter) || !get_int32(env, argv[3], &conversion)) {
    return NULL;
  }
  napi_status status = napi_get_all_property_names(
      env, argv[0], (napi_key_collection_mode)mode, (napi_key_filter)filter,
      (napi_key_conversion)conversion, &result);
  return make_status_triple(env, status, result);
}

/* ---- prototypes, instanceof, freeze, seal ---- */

static napi_value GetPrototype(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status status = napi_get_prototype(env, argv[0], &result);
  return make_status_triple(env, status, result);
}

static napi_value InstanceOf(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool answer = false;
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  napi_status status = napi_instanceof(env, argv[0], argv[1], &answer);
  return make_status_triple(env, status, make_bool(env, answer));
}

static napi_value Freeze(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return make_status_triple(env, napi_object_freeze(env, argv[0]), NULL);
}

static napi_value Seal(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return make_status_triple(env, napi_object_seal(env, argv[0]), NULL);
}

/* A plain object made in C, for checks of its prototype and its keys' order. */
/* The `name` property of `this` (for makeApi). */
static napi_value ApiName(napi_env env, napi_callback_info info) {
  napi_value this_arg, name;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, NULL));
  NODE_API_CALL(env, napi_get_named_property(env, this_arg, "name", &name));
  return name;
}

/* makeApi() -> {name: "api", getName: function () { return this.name }}: a plain object whose
 * function needs it as `this`, as an addon's namespace objects do. */
static napi_value MakeApi(napi_env env, napi_callback_info info) {
  napi_value obj, name, fn;
  (void)info;
  NODE_API_CALL(env, napi_create_object(env, &obj));
  NODE_API_CALL(env, napi_create_string_utf8(env, "api", NAPI_AUTO_LENGTH, &name));
  NODE_API_CALL(env, napi_create_function(env, "getName", NAPI_AUTO_LENGTH, ApiName, NULL, &fn));
  NODE_API_CALL(env, napi_set_named_property(env, obj, "name", name));
  NODE_API_CALL(env, napi_set_named_property(env, obj, "getName", fn));
  return obj;
}

static napi_value MakeObject(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj;
  NODE_API_CALL(env, napi_create_object(env, &obj));
  static const char* keys[] = {"b", "2", "a", "1"};
  for (size_t i = 0; i < ARRAY_LENGTH(keys); i++) {
    napi_value v = make_int32(env, (int32_t)i);
    if (v == NULL) return NULL;
    NODE_API_CALL(env, napi_set_named_property(env, obj, keys[i], v));
  }
  return obj;
}

/* ---- arrays ---- */

static napi_value CreateArray(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  NODE_API_CALL(env, napi_create_array(env, &result));
  return result;
}

static napi_value CreateArrayWithLength(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int32_t length;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &length)) return NULL;
  NODE_API_CALL(env, napi_create_array_with_length(env, (size_t)length, &result));
  return result;
}

static napi_value ArrayLength(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint32_t length = 0;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status status = napi_get_array_length(env, argv[0], &length);
  return make_status_triple(env, status, make_double(env, length));
}

static napi_value IsArray(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool answer = false;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status status = napi_is_array(env, argv[0], &answer);
  return make_status_pair(env, status, make_bool(env, answer));
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("setNamed", SetNamed),
      DECLARE_METHOD("getNamed", GetNamed),
      DECLARE_METHOD("hasNamed", HasNamed),
      DECLARE_METHOD("setProperty", SetProperty),
      DECLARE_METHOD("getProperty", GetProperty),
      DECLARE_METHOD("hasProperty", HasProperty),
      DECLARE_METHOD("hasOwnProperty", HasOwnProperty),
      DECLARE_METHOD("deleteProperty", DeleteProperty),
      DECLARE_METHOD("setElement", SetElement),
      DECLARE_METHOD("getElement", GetElement),
      DECLARE_METHOD("hasElement", HasElement),
      DECLARE_METHOD("deleteElement", DeleteElement),
      DECLARE_METHOD("defineAll", DefineAll),
      DECLARE_METHOD("statusesOfBadDefine", StatusesOfBadDefine),
      DECLARE_METHOD("propertyNames", PropertyNames),
      DECLARE_METHOD("allPropertyNames", AllPropertyNames),
      DECLARE_METHOD("getPrototype", GetPrototype),
      DECLARE_METHOD("instanceOf", InstanceOf),
      DECLARE_METHOD("freeze", Freeze),
      DECLARE_METHOD("seal", Seal),
      DECLARE_METHOD("makeObject", MakeObject),
      DECLARE_METHOD("makeApi", MakeApi),
      DECLARE_METHOD("createArray", CreateArray),
      DECLARE_METHOD("createArrayWithLength", CreateArrayWithLength),
      DECLARE_METHOD("arrayLength", ArrayLength),
      DECLARE_METHOD("isArray", IsArray),
  };
  return EXPORT_METHODS(env, exports, methods);
}
