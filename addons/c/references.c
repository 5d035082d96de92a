/* Chapter "references": napi_create_reference / ref / unref / delete / get_reference_value,
 * references kept across calls, and the global object real addons reach through
 * napi_get_global. */
#include <stdlib.h>

#include "common.h"

#define MAX_REFS 64

/* References made by createRef, addressed by slot number from the tests. */
static napi_ref refs[MAX_REFS];

static bool get_slot(napi_env env, napi_value value, int32_t* slot) {
  if (!get_int32(env, value, slot)) return false;
  if (*slot < 0 || *slot >= MAX_REFS || refs[*slot] == NULL) {
    napi_throw_range_error(env, NULL, "no reference in that slot");
    return false;
  }
  return true;
}

/* createRef(value, initialCount) -> [status, slot] */
static napi_value CreateRef(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t count, slot;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &count)) return NULL;
  for (slot = 0; slot < MAX_REFS && refs[slot] != NULL; slot++) {
  }
  NODE_API_ASSERT(env, slot < MAX_REFS, "out of reference slots");
  napi_status status = napi_create_reference(env, argv[0], (uint32_t)count, &refs[slot]);
  if (status != napi_ok) refs[slot] = NULL;
  return make_status_pair(env, status, make_int32(env, slot));
}

/* refRef(slot) / unrefRef(slot) -> [status, new count] */
typedef napi_status (*ref_count_fn)(napi_env, napi_ref, uint32_t*);

static napi_value change_count(napi_env env, napi_callback_info info, ref_count_fn fn) {
  napi_value argv[1];
  int32_t slot;
  uint32_t count = 0;
  if (!get_args(env, info, 1, argv, NULL) || !get_slot(env, argv[0], &slot)) return NULL;
  napi_status status = fn(env, refs[slot], &count);
  return make_status_pair(env, status, make_double(env, count));
}

static napi_value RefRef(napi_env env, napi_callback_info info) {
  return change_count(env, info, napi_reference_ref);
}

static napi_value UnrefRef(napi_env env, napi_callback_info info) {
  return change_count(env, info, napi_reference_unref);
}

/* getRef(slot) -> [status, value] (value undefined when the target was collected) */
static napi_value GetRef(napi_env env, napi_callback_info info) {
  napi_value argv[1], value = NULL;
  int32_t slot;
  if (!get_args(env, info, 1, argv, NULL) || !get_slot(env, argv[0], &slot)) return NULL;
  napi_status status = napi_get_reference_value(env, refs[slot], &value);
  return make_status_pair(env, status, value == NULL ? make_undefined(env) : value);
}

/* deleteRef(slot) -> status */
static napi_value DeleteRef(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t slot;
  if (!get_args(env, info, 1, argv, NULL) || !get_slot(env, argv[0], &slot)) return NULL;
  napi_status status = napi_delete_reference(env, refs[slot]);
  refs[slot] = NULL;
  return make_status(env, status);
}

/* remember(value) / recall(): one strong reference kept in a static between calls. */
static napi_ref remembered = NULL;

static napi_value Remember(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  if (remembered != NULL) NODE_API_CALL(env, napi_delete_reference(env, remembered));
  remembered = NULL;
  NODE_API_CALL(env, napi_create_reference(env, argv[0], 1, &remembered));
  return NULL;
}

static napi_value Recall(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value value;
  if (remembered == NULL) return make_undefined(env);
  NODE_API_CALL(env, napi_get_reference_value(env, remembered, &value));
  return value;
}

/* Statuses of misuse: [delete_reference(NULL), reference_ref(NULL), create_reference with a
 * NULL value] */
static napi_value StatusesOfBadRefs(napi_env env, napi_callback_info info) {
  (void)info;
  napi_ref out;
  uint32_t count;
  napi_value items[] = {
      make_status(env, napi_delete_reference(env, NULL)),
      make_status(env, napi_reference_ref(env, NULL, &count)),
      make_status(env, napi_create_reference(env, NULL, 1, &out)),
  };
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* globalPathType("JSON.stringify") -> napi_valuetype of that path from the global object,
 * or -1 when a step is missing (undefined before the last step). */
static napi_value GlobalPathType(napi_env env, napi_callback_info info) {
  napi_value argv[1], current;
  char path[256];
  if (!get_args(env, info, 1, argv, NULL) || !get_utf8(env, argv[0], path, sizeof path)) {
    return NULL;
  }
  NODE_API_CALL(env, napi_get_global(env, &current));
  /* The steps between dots, cut in place (strsep's walk: Windows' C library has no strsep). */
  for (char *step = path, *dot; step != NULL; step = dot ? dot + 1 : NULL) {
    dot = strchr(step, '.');
    if (dot) *dot = '\0';
    napi_valuetype type;
    NODE_API_CALL(env, napi_typeof(env, current, &type));
    if (type == napi_undefined || type == napi_null) return make_int32(env, -1);
    napi_value key;
    NODE_API_CALL(env, napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &key));
    NODE_API_CALL(env, napi_get_property(env, current, key, &current));
  }
  napi_valuetype type;
  NODE_API_CALL(env, napi_typeof(env, current, &type));
  return make_int32(env, (int32_t)type);
}

/* globalIsStable() -> napi_get_global twice gives the same object */
static napi_value GlobalIsStable(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value a, b;
  bool same;
  NODE_API_CALL(env, napi_get_global(env, &a));
  NODE_API_CALL(env, napi_get_global(env, &b));
  NODE_API_CALL(env, napi_strict_equals(env, a, b, &same));
  return make_bool(env, same);
}

/* constructGlobal(name, message) -> new global[name](message) with napi_new_instance;
 * returns [is_error, result] */
static napi_value ConstructGlobal(napi_env env, napi_callback_info info) {
  napi_value argv[2], global, ctor, instance;
  char name[64];
  bool is_error;
  if (!get_args(env, info, 2, argv, NULL) || !get_utf8(env, argv[0], name, sizeof name)) {
    return NULL;
  }
  NODE_API_CALL(env, napi_get_global(env, &global));
  NODE_API_CALL(env, napi_get_named_property(env, global, name, &ctor));
  NODE_API_CALL(env, napi_new_instance(env, ctor, 1, &argv[1], &instance));
  NODE_API_CALL(env, napi_is_error(env, instance, &is_error));
  napi_value items[] = {make_bool(env, is_error), instance};
  return make_list(env, 2, items);
}

/* jsonStringify(value) -> global.JSON.stringify(value), the way napi-rs serializes */
static napi_value JsonStringify(napi_env env, napi_callback_info info) {
  napi_value argv[1], global, json, stringify, result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_global(env, &global));
  NODE_API_CALL(env, napi_get_named_property(env, global, "JSON", &json));
  NODE_API_CALL(env, napi_get_named_property(env, json, "stringify", &stringify));
  NODE_API_CALL(env, napi_call_function(env, json, stringify, 1, argv, &result));
  return result;
}

/* What an env's end lets a finalizer do (node's test_env_teardown_gc does this and returns before
 * its free): armTeardownProbe(path) wraps a new object, kept alive by a reference until the env
 * ends, whose finalizer then reads the global's "cleanup" and calls it, appending each call's
 * status to the file at path ("get_global 0", ...). The probe's memory is freed whatever the
 * statuses. */
typedef struct {
  char path[512];
  napi_ref keep;
} TeardownProbe;

static void log_status(const char* path, const char* call, napi_status status) {
  FILE* f = fopen(path, "a");
  if (f == NULL) return;
  fprintf(f, "%s %d\n", call, (int)status);
  fclose(f);
}

static void TeardownProbeFinalize(napi_env env, void* data, void* hint) {
  (void)hint;
  TeardownProbe* probe = data;
  napi_value global = NULL, cleanup = NULL;
  log_status(probe->path, "get_global", napi_get_global(env, &global));
  log_status(probe->path, "get_named_property", napi_get_named_property(env, global, "cleanup", &cleanup));
  log_status(probe->path, "call_function", napi_call_function(env, global, cleanup, 0, NULL, NULL));
  log_status(probe->path, "delete_reference", napi_delete_reference(env, probe->keep));
  free(probe);
}

static napi_value ArmTeardownProbe(napi_env env, napi_callback_info info) {
  napi_value argv[1], object;
  TeardownProbe* probe = calloc(1, sizeof(*probe));
  NODE_API_ASSERT(env, probe != NULL, "out of memory");
  if (!get_args(env, info, 1, argv, NULL) || !get_utf8(env, argv[0], probe->path, sizeof(probe->path))) {
    free(probe);
    return NULL;
  }
  NODE_API_CALL(env, napi_create_object(env, &object));
  NODE_API_CALL(env, napi_wrap(env, object, probe, TeardownProbeFinalize, NULL, NULL));
  NODE_API_CALL(env, napi_create_reference(env, object, 1, &probe->keep));
  return make_undefined(env);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("createRef", CreateRef),
      DECLARE_METHOD("refRef", RefRef),
      DECLARE_METHOD("unrefRef", UnrefRef),
      DECLARE_METHOD("getRef", GetRef),
      DECLARE_METHOD("deleteRef", DeleteRef),
      DECLARE_METHOD("remember", Remember),
      DECLARE_METHOD("recall", Recall),
      DECLARE_METHOD("statusesOfBadRefs", StatusesOfBadRefs),
      DECLARE_METHOD("globalPathType", GlobalPathType),
      DECLARE_METHOD("globalIsStable", GlobalIsStable),
      DECLARE_METHOD("constructGlobal", ConstructGlobal),
      DECLARE_METHOD("jsonStringify", JsonStringify),
      DECLARE_METHOD("armTeardownProbe", ArmTeardownProbe),
  };
  return EXPORT_METHODS(env, exports, methods);
}
