/* Chapter "classes": napi_define_class (constructor, methods, accessors, statics, prototype
 * values), napi_wrap / napi_unwrap / napi_remove_wrap, and a Counter class. */
#include <stdlib.h>

#include "common.h"

typedef struct {
  double value;
} Counter;

/* The Counter constructor, kept as instance data so static methods can construct it. */
static napi_value get_constructor(napi_env env) {
  napi_ref* ctor_ref;
  napi_value ctor;
  NODE_API_CALL(env, napi_get_instance_data(env, (void**)&ctor_ref));
  NODE_API_CALL(env, napi_get_reference_value(env, *ctor_ref, &ctor));
  return ctor;
}

static void FinalizeCounter(napi_env env, void* data, void* hint) {
  (void)env, (void)hint;
  free(data);
}

/* Unwraps `this` of a Counter method; throws a TypeError for anything else. */
static Counter* this_counter(napi_env env, napi_callback_info info, size_t argc,
                             napi_value* argv) {
  napi_value this_arg;
  size_t got = argc;
  Counter* counter = NULL;
  if (napi_get_cb_info(env, info, &got, argv, &this_arg, NULL) != napi_ok ||
      napi_unwrap(env, this_arg, (void**)&counter) != napi_ok || counter == NULL) {
    napi_throw_type_error(env, "ERR_NOT_A_COUNTER", "this is not a Counter");
    return NULL;
  }
  return counter;
}

/* new Counter(initial = 0) */
static napi_value CounterNew(napi_env env, napi_callback_info info) {
  napi_value argv[1], this_arg, new_target;
  size_t argc = 1;
  double initial = 0;
  NODE_API_CALL(env, napi_get_new_target(env, info, &new_target));
  if (new_target == NULL) {
    napi_throw_type_error(env, NULL, "Class constructor Counter cannot be invoked without 'new'");
    return NULL;
  }
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL));
  if (argc >= 1 && !get_double(env, argv[0], &initial)) return NULL;
  Counter* counter = malloc(sizeof *counter);
  NODE_API_ASSERT(env, counter != NULL, "out of memory");
  counter->value = initial;
  napi_status status = napi_wrap(env, this_arg, counter, FinalizeCounter, NULL, NULL);
  if (status != napi_ok) {
    free(counter);
    throw_failed_call(env, status, "napi_wrap");
    return NULL;
  }
  return this_arg;
}

static napi_value CounterIncrement(napi_env env, napi_callback_info info) {
  Counter* counter = this_counter(env, info, 0, NULL);
  if (counter == NULL) return NULL;
  return make_double(env, ++counter->value);
}

static napi_value CounterGetValue(napi_env env, napi_callback_info info) {
  Counter* counter = this_counter(env, info, 0, NULL);
  if (counter == NULL) return NULL;
  return make_double(env, counter->value);
}

static napi_value CounterSetValue(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Counter* counter = this_counter(env, info, 1, argv);
  if (counter == NULL || !get_double(env, argv[0], &counter->value)) return NULL;
  return NULL;
}

/* static Counter.zero() -> new Counter(0) via napi_new_instance */
static napi_value CounterZero(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value ctor = get_constructor(env), zero, instance;
  if (ctor == NULL) return NULL;
  NODE_API_CALL(env, napi_create_int32(env, 0, &zero));
  NODE_API_CALL(env, napi_new_instance(env, ctor, 1, &zero, &instance));
  return instance;
}

/* static Counter.describe(x) -> "static this is Counter: <bool>" checks `this` of a static */
static napi_value CounterStaticThis(napi_env env, napi_callback_info info) {
  napi_value this_arg, ctor = get_constructor(env);
  bool same;
  if (ctor == NULL) return NULL;
  NODE_API_CALL(env, napi_get_cb_info(env, info, NULL, NULL, &this_arg, NULL));
  NODE_API_CALL(env, napi_strict_equals(env, this_arg, ctor, &same));
  return make_bool(env, same);
}

static void FinalizeConstructorRef(napi_env env, void* data, void* hint) {
  (void)hint;
  napi_delete_reference(env, *(napi_ref*)data);
  free(data);
}

static napi_value define_counter(napi_env env) {
  napi_value ctor, kind, species;
  NODE_API_CALL(env, napi_create_string_utf8(env, "counter", NAPI_AUTO_LENGTH, &kind));
  NODE_API_CALL(env, napi_create_string_utf8(env, "counter-proto", NAPI_AUTO_LENGTH, &species));
  napi_property_descriptor props[] = {
      {"increment", NULL, CounterIncrement, NULL, NULL, NULL, napi_default_method, NULL},
      {"value", NULL, NULL, CounterGetValue, CounterSetValue, NULL,
       napi_enumerable | napi_configurable, NULL},
      /* a value on the prototype only: instances see it but do not own it */
      {"species", NULL, NULL, NULL, NULL, species, napi_default, NULL},
      {"zero", NULL, CounterZero, NULL, NULL, NULL, napi_static | napi_default_method, NULL},
      {"staticThisIsClass", NULL, CounterStaticThis, NULL, NULL, NULL,
       napi_static | napi_default_method, NULL},
      {"kind", NULL, NULL, NULL, NULL, kind, napi_static | napi_enumerable, NULL},
  };
  NODE_API_CALL(env, napi_define_class(env, "Counter", NAPI_AUTO_LENGTH, CounterNew, NULL,
                                       ARRAY_LENGTH(props), props, &ctor));
  napi_ref* ctor_ref = malloc(sizeof *ctor_ref);
  NODE_API_ASSERT(env, ctor_ref != NULL, "out of memory");
  NODE_API_CALL(env, napi_create_reference(env, ctor, 1, ctor_ref));
  NODE_API_CALL(env, napi_set_instance_data(env, ctor_ref, FinalizeConstructorRef, NULL));
  return ctor;
}

/* ---- functions taking instances back ---- */

/* counterValue(obj) -> the wrapped Counter's value read with napi_unwrap (identity check) */
static napi_value CounterValue(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Counter* counter;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_unwrap(env, argv[0], (void**)&counter));
  return make_double(env, counter->value);
}

/* isCounter(x) -> napi_instanceof(x, Counter) */
static napi_value IsCounter(napi_env env, napi_callback_info info) {
  napi_value argv[1], ctor;
  bool answer;
  if (!get_args(env, info, 1, argv, NULL) || (ctor = get_constructor(env)) == NULL) return NULL;
  NODE_API_CALL(env, napi_instanceof(env, argv[0], ctor, &answer));
  return make_bool(env, answer);
}

/* unwrapStatus(x) -> status of napi_unwrap(x) */
static napi_value UnwrapStatus(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return make_status(env, napi_unwrap(env, argv[0], &data));
}

/* wrapSequence(obj) -> statuses of, in order on obj: wrap, wrap again, unwrap (then checks the
 * pointer), remove_wrap (checks the pointer), unwrap, remove_wrap again, wrap again. */
static int wrapped_marker = 42;

static napi_value WrapSequence(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void* data = NULL;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  napi_status s[7];
  s[0] = napi_wrap(env, argv[0], &wrapped_marker, NULL, NULL, NULL);
  s[1] = napi_wrap(env, argv[0], &wrapped_marker, NULL, NULL, NULL);
  s[2] = napi_unwrap(env, argv[0], &data);
  NODE_API_ASSERT(env, data == &wrapped_marker, "unwrap returned another pointer");
  data = NULL;
  s[3] = napi_remove_wrap(env, argv[0], &data);
  NODE_API_ASSERT(env, data == &wrapped_marker, "remove_wrap returned another pointer");
  s[4] = napi_unwrap(env, argv[0], &data);
  s[5] = napi_remove_wrap(env, argv[0], &data);
  s[6] = napi_wrap(env, argv[0], &wrapped_marker, NULL, NULL, NULL);
  napi_value items[ARRAY_LENGTH(s)];
  for (size_t i = 0; i < ARRAY_LENGTH(s); i++) {
    if ((items[i] = make_status(env, s[i])) == NULL) return NULL;
  }
  return make_list(env, ARRAY_LENGTH(items), items);
}

/* wrapStatus(x) -> status of napi_wrap(x) (for primitives) */
static napi_value WrapStatus(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return make_status(env, napi_wrap(env, argv[0], &wrapped_marker, NULL, NULL, NULL));
}

NAPI_MODULE_INIT() {
  napi_value counter = define_counter(env);
  if (counter == NULL) return NULL;
  napi_property_descriptor methods[] = {
      {"Counter", NULL, NULL, NULL, NULL, counter, napi_enumerable, NULL},
      DECLARE_METHOD("counterValue", CounterValue),
      DECLARE_METHOD("isCounter", IsCounter),
      DECLARE_METHOD("unwrapStatus", UnwrapStatus),
      DECLARE_METHOD("wrapSequence", WrapSequence),
      DECLARE_METHOD("wrapStatus", WrapStatus),
  };
  return EXPORT_METHODS(env, exports, methods);
}
