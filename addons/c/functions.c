/* Chapter "functions": napi_create_function, napi_get_cb_info, napi_call_function,
 * napi_new_instance, napi_get_new_target, and calls back into the caller (loops, re-entrancy). */
#include "common.h"

#define MAX_ARGS 8

/* The function made by makeFunction: returns [its data string, argc]. */
static napi_value ReturnData(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  void* data;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, NULL, NULL, &data));
  napi_value items[] = {make_string(env, (const char*)data), make_double(env, (double)argc)};
  return make_list(env, 2, items);
}

/* makeFunction(name, nameLength) -> a function created with that name; nameLength -1 means
 * NAPI_AUTO_LENGTH, and a null name means NULL. Its data is the string "payload". */
static napi_value MakeFunction(napi_env env, napi_callback_info info) {
  napi_value argv[2], fn;
  char name[128];
  int32_t length;
  napi_valuetype type;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &length)) return NULL;
  NODE_API_CALL(env, napi_typeof(env, argv[0], &type));
  bool null_name = type == napi_null || type == napi_undefined;
  if (!null_name && !get_utf8(env, argv[0], name, sizeof name)) return NULL;
  NODE_API_CALL(env, napi_create_function(env, null_name ? NULL : name,
                                          length < 0 ? NAPI_AUTO_LENGTH : (size_t)length,
                                          ReturnData, (void*)"payload", &fn));
  return fn;
}

/* cbInfo(...) -> {argc, types: napi_typeof of argv[0..3], values: argv[0..3], thisType,
 * spareShared} with room for 4 arguments: argc reports how many were passed, spare slots are
 * undefined, and spareShared says whether they all hold one napi_value (node's one undefined). */
static napi_value CbInfo(napi_env env, napi_callback_info info) {
  napi_value argv[4], this_arg, result, types, values;
  size_t argc = 4;
  for (size_t i = 0; i < 4; i++) argv[i] = NULL; /* shows that spare slots get written */
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL));
  NODE_API_CALL(env, napi_create_object(env, &result));
  NODE_API_CALL(env, napi_create_array(env, &types));
  NODE_API_CALL(env, napi_create_array(env, &values));
  for (uint32_t i = 0; i < 4; i++) {
    napi_valuetype type;
    NODE_API_ASSERT(env, argv[i] != NULL, "a spare argv slot was left unwritten");
    NODE_API_CALL(env, napi_typeof(env, argv[i], &type));
    NODE_API_CALL(env, napi_set_element(env, types, i, make_int32(env, (int32_t)type)));
    NODE_API_CALL(env, napi_set_element(env, values, i, argv[i]));
  }
  bool spare_shared = true;
  for (size_t i = argc + 1; i < 4; i++) spare_shared = spare_shared && argv[i] == argv[argc];
  NODE_API_CALL(env, napi_set_named_property(env, result, "spareShared", make_bool(env, spare_shared)));
  napi_valuetype this_type;
  NODE_API_CALL(env, napi_typeof(env, this_arg, &this_type));
  NODE_API_CALL(env, napi_set_named_property(env, result, "argc", make_double(env, (double)argc)));
  NODE_API_CALL(env, napi_set_named_property(env, result, "types", types));
  NODE_API_CALL(env, napi_set_named_property(env, result, "values", values));
  NODE_API_CALL(env, napi_set_named_property(env, result, "thisType",
                                             make_int32(env, (int32_t)this_type)));
  return result;
}

/* argcOnly(...) -> argc as reported with argv == NULL and *argc == 0 */
static napi_value ArgcOnly(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, NULL, NULL, NULL));
  return make_double(env, (double)argc);
}

/* getThis() -> this */
static napi_value GetThis(napi_env env, napi_callback_info info) {
  napi_value this_arg;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, NULL));
  return this_arg;
}

/* thisIsGlobal() -> whether `this` is the global object (V8 passes the global object to a
 * native function called with an undefined receiver). */
static napi_value ThisIsGlobal(napi_env env, napi_callback_info info) {
  napi_value this_arg, global;
  bool same;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, NULL));
  NODE_API_CALL(env, napi_get_global(env, &global));
  NODE_API_CALL(env, napi_strict_equals(env, this_arg, global, &same));
  return make_bool(env, same);
}

/* Reads (fn, recv, ...args) from the callback's arguments. */
static bool get_call_args(napi_env env, napi_callback_info info, size_t fixed, napi_value* argv,
                          size_t* argc) {
  *argc = MAX_ARGS;
  napi_status status = napi_get_cb_info(env, info, argc, argv, NULL, NULL);
  if (status != napi_ok) {
    throw_failed_call(env, status, "napi_get_cb_info");
    return false;
  }
  if (*argc < fixed || *argc > MAX_ARGS) {
    napi_throw_type_error(env, NULL, "wrong number of arguments");
    return false;
  }
  return true;
}

/* call(fn, recv, ...args) -> fn.call(recv, ...args); exceptions propagate. */
static napi_value Call(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], result;
  size_t argc;
  if (!get_call_args(env, info, 2, argv, &argc)) return NULL;
  NODE_API_CALL(env, napi_call_function(env, argv[1], argv[0], argc - 2, argv + 2, &result));
  return result;
}

/* callStatus(fn, ...args) -> [status, result, thrown] of fn(...args) with recv undefined. */
static napi_value CallStatus(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], recv, result = NULL;
  size_t argc;
  if (!get_call_args(env, info, 1, argv, &argc)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  napi_status status = napi_call_function(env, recv, argv[0], argc - 1, argv + 1, &result);
  return make_status_triple(env, status, result);
}

/* construct(ctor, ...args) -> new ctor(...args) via napi_new_instance */
static napi_value Construct(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], result;
  size_t argc;
  if (!get_call_args(env, info, 1, argv, &argc)) return NULL;
  NODE_API_CALL(env, napi_new_instance(env, argv[0], argc - 1, argv + 1, &result));
  return result;
}

/* constructStatus(ctor) -> [status, result, thrown] of napi_new_instance(ctor) */
static napi_value ConstructStatus(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status status = napi_new_instance(env, argv[0], 0, NULL, &result);
  return make_status_triple(env, status, result);
}

/* NewTargetProbe: called, returns "called without new" (new_target is NULL); constructed,
 * sets this.newTargetIsCallee (new.target === the function) and this.args (the arguments). */
static napi_value NewTargetProbe(napi_env env, napi_callback_info info) {
  napi_value new_target, this_arg, args[2];
  size_t argc = 2;
  NODE_API_CALL(env, napi_get_new_target(env, info, &new_target));
  if (new_target == NULL) return make_string(env, "called without new");
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, args, &this_arg, NULL));
  napi_value self;
  NODE_API_CALL(env, napi_get_named_property(env, this_arg, "constructor", &self));
  bool same;
  NODE_API_CALL(env, napi_strict_equals(env, new_target, self, &same));
  NODE_API_CALL(env, napi_set_named_property(env, this_arg, "newTargetIsCallee",
                                             make_bool(env, same)));
  NODE_API_CALL(env, napi_set_named_property(env, this_arg, "args",
                                             make_list(env, argc < 2 ? argc : 2, args)));
  return NULL;
}

/* One call of callInLoop's body inside its own handle scope. The scope is closed on every
 * path: node aborts when a callback returns with a scope left open. */
static napi_status call_with_index(napi_env env, napi_value fn, int32_t i, double* value) {
  napi_handle_scope scope;
  napi_value recv, arg, result;
  napi_status status = napi_open_handle_scope(env, &scope);
  if (status != napi_ok) return status;
  if ((status = napi_get_undefined(env, &recv)) == napi_ok &&
      (status = napi_create_int32(env, i, &arg)) == napi_ok &&
      (status = napi_call_function(env, recv, fn, 1, &arg, &result)) == napi_ok) {
    status = napi_get_value_double(env, result, value);
  }
  napi_status close_status = napi_close_handle_scope(env, scope);
  return status != napi_ok ? status : close_status;
}

/* callInLoop(fn, n) -> sum of fn(i) for i in 0..n-1 (fn returns numbers) */
static napi_value CallInLoop(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t n;
  double sum = 0;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &n)) return NULL;
  for (int32_t i = 0; i < n; i++) {
    double value;
    NODE_API_CALL(env, call_with_index(env, argv[0], i, &value));
    sum += value;
  }
  return make_double(env, sum);
}

/* recurse(fn, depth) -> depth == 0 ? 0 : fn(depth - 1) + 1; fn usually calls recurse again,
 * so the addon and the caller nest `depth` times on one stack. */
static napi_value Recurse(napi_env env, napi_callback_info info) {
  napi_value argv[2], recv, arg, result;
  int32_t depth;
  double inner;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &depth)) return NULL;
  if (depth <= 0) return make_int32(env, 0);
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  NODE_API_CALL(env, napi_create_int32(env, depth - 1, &arg));
  NODE_API_CALL(env, napi_call_function(env, recv, argv[0], 1, &arg, &result));
  NODE_API_CALL(env, napi_get_value_double(env, result, &inner));
  return make_double(env, inner + 1);
}

/* A function whose data points at a counter that survives between calls. */
static int32_t call_count = 0;

static napi_value CountCalls(napi_env env, napi_callback_info info) {
  int32_t* counter;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, NULL, (void**)&counter));
  return make_int32(env, ++*counter);
}

static napi_value MakeCounter(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value fn;
  NODE_API_CALL(env, napi_create_function(env, "count", NAPI_AUTO_LENGTH, CountCalls,
                                          &call_count, &fn));
  return fn;
}

/* keep(f) holds f (in a reference) for callKept(...args), which calls it with those arguments
 * and returns what it returned: a call with plain arguments that calls back into its caller
 * through a function it did not get with the call. */
static napi_ref kept;

static napi_value Keep(napi_env env, napi_callback_info info) {
  return hold_argument(env, info, &kept);
}

static napi_value CallKept(napi_env env, napi_callback_info info) {
  size_t argc = MAX_ARGS;
  napi_value argv[MAX_ARGS], recv, fn, result;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  NODE_API_CALL(env, napi_get_reference_value(env, kept, &fn));
  NODE_API_CALL(env, napi_call_function(env, recv, fn, argc < MAX_ARGS ? argc : MAX_ARGS, argv, &result));
  return result;
}

/* Statuses of misuse: [call_function on a non-function, new_instance on a non-function,
 * create_function with a NULL callback, call_function with argc > 0 and NULL argv] */
/* [this call's env as a number, the status of a napi call made with the env of the library's
 * first call]: a library loaded by two in-process hosts (one library, one set of statics) sees
 * a distinct env in each, as under node's worker threads, and one host refuses the other's env
 * (napi_invalid_arg) rather than taking it for one of its own. */
static napi_env first_env;
static napi_value EnvInfo(napi_env env, napi_callback_info info) {
  if (first_env == NULL) first_env = env;
  napi_value probe, result;
  napi_status status = napi_create_object(first_env, &probe);
  NODE_API_CALL(env, napi_create_array_with_length(env, 2, &result));
  NODE_API_CALL(env, napi_set_element(env, result, 0, make_double(env, (double)(uintptr_t)env)));
  NODE_API_CALL(env, napi_set_element(env, result, 1, make_status(env, status)));
  return result;
}

static napi_value StatusesOfBadCalls(napi_env env, napi_callback_info info) {
  napi_value argv[1], recv, number, out;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_undefined(env, &recv));
  NODE_API_CALL(env, napi_create_int32(env, 1, &number));
  napi_status s1 = napi_call_function(env, recv, number, 0, NULL, &out);
  napi_value t1 = take_exception(env);
  napi_status s2 = napi_new_instance(env, number, 0, NULL, &out);
  napi_value t2 = take_exception(env);
  napi_status s3 = napi_create_function(env, "f", NAPI_AUTO_LENGTH, NULL, NULL, &out);
  napi_status s4 = napi_call_function(env, recv, argv[0], 1, NULL, &out);
  napi_value t4 = take_exception(env);
  (void)t1, (void)t2, (void)t4;
  napi_value items[] = {make_status(env, s1), make_status(env, s2), make_status(env, s3),
                        make_status(env, s4)};
  return make_list(env, ARRAY_LENGTH(items), items);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("makeFunction", MakeFunction),
      DECLARE_METHOD("cbInfo", CbInfo),
      DECLARE_METHOD("argcOnly", ArgcOnly),
      DECLARE_METHOD("getThis", GetThis),
      DECLARE_METHOD("thisIsGlobal", ThisIsGlobal),
      DECLARE_METHOD("call", Call),
      DECLARE_METHOD("callStatus", CallStatus),
      DECLARE_METHOD("construct", Construct),
      DECLARE_METHOD("constructStatus", ConstructStatus),
      DECLARE_METHOD("NewTargetProbe", NewTargetProbe),
      DECLARE_METHOD("callInLoop", CallInLoop),
      DECLARE_METHOD("recurse", Recurse),
      DECLARE_METHOD("makeCounter", MakeCounter),
      DECLARE_METHOD("statusesOfBadCalls", StatusesOfBadCalls),
      DECLARE_METHOD("envInfo", EnvInfo),
      DECLARE_METHOD("keep", Keep),
      DECLARE_METHOD("callKept", CallKept),
  };
  return EXPORT_METHODS(env, exports, methods);
}
