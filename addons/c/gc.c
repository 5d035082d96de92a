/* Collection and finalizers: a wrapped class whose finalizer counts, weak and strong
 * references, napi_add_finalizer and node_api_post_finalizer (from a finalizer and from a plain
 * call, watched against promise jobs and immediates), and a log of the order in which
 * finalizers run (written to a file, so it can be read after the host has exited). */
#define NAPI_EXPERIMENTAL
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static int32_t finalized = 0;
static int32_t post_finalized = 0;
static char log_path[512] = "";
static napi_ref weak_ref = NULL;

static void log_line(const char* what, intptr_t n) {
  if (!log_path[0]) return;
  FILE* f = fopen(log_path, "a");
  if (!f) return;
  fprintf(f, "%s %ld\n", what, (long)n);
  fclose(f);
}

static void FinalizeCounted(node_api_basic_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  finalized++;
  log_line("wrap", (intptr_t)data);
}

/* new Counted(tag): a wrapped object whose finalizer counts and logs its tag */
static napi_value CountedNew(napi_env env, napi_callback_info info) {
  napi_value argv[1], self;
  size_t argc = 1;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
  int32_t tag = 0;
  if (argc > 0) NODE_API_CALL(env, napi_get_value_int32(env, argv[0], &tag));
  NODE_API_CALL(env, napi_wrap(env, self, (void*)(intptr_t)tag, FinalizeCounted, NULL, NULL));
  return self;
}

static napi_value FinalizedCount(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int32(env, finalized);
}

static napi_value PostFinalizedCount(napi_env env, napi_callback_info info) {
  (void)info;
  return make_int32(env, post_finalized);
}

/* setLog(path): finalizers append "<kind> <tag>" lines to path */
static napi_value SetLog(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL) || !get_utf8(env, argv[0], log_path, sizeof log_path)) return NULL;
  return make_undefined(env);
}

/* weakRefTo(obj): keeps a count-0 reference; weakTarget() reads it (undefined once collected) */
static napi_value WeakRefTo(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  if (weak_ref) NODE_API_CALL(env, napi_delete_reference(env, weak_ref));
  NODE_API_CALL(env, napi_create_reference(env, argv[0], 0, &weak_ref));
  return make_undefined(env);
}

static napi_value WeakTarget(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value value = NULL;
  NODE_API_CALL(env, napi_get_reference_value(env, weak_ref, &value));
  return value ? value : make_undefined(env);
}

/* strengthen(): makes the weak reference strong (count 1) */
static napi_value Strengthen(napi_env env, napi_callback_info info) {
  (void)info;
  uint32_t count;
  NODE_API_CALL(env, napi_reference_ref(env, weak_ref, &count));
  return make_int32(env, (int32_t)count);
}

static void PostFinalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  post_finalized++;
  log_line("post", (intptr_t)data);
}

static void FinalizeAdded(node_api_basic_env env, void* data, void* hint) {
  (void)hint;
  finalized++;
  log_line("added", (intptr_t)data);
  /* Queue follow-up work the way Node-API 10 finalizers do. */
  napi_status s = node_api_post_finalizer(env, PostFinalize, data, NULL);
  if (s != napi_ok) log_line("post_finalizer_failed", s);
}

/* What postFinalizerWatched saw: the post-finalized count in the posting call, in a promise job
 * it queued and in an immediate it set, and the promise answering them. */
static int32_t watched[3], watch_base;
static napi_deferred watching = NULL;

static napi_value SeenByPromiseJob(napi_env env, napi_callback_info info) {
  (void)info;
  watched[1] = post_finalized - watch_base;
  return make_undefined(env);
}

static napi_value SeenByImmediate(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value counts, count;
  watched[2] = post_finalized - watch_base;
  NODE_API_CALL(env, napi_create_array_with_length(env, 3, &counts));
  for (uint32_t i = 0; i < 3; i++) {
    NODE_API_CALL(env, napi_create_int32(env, watched[i], &count));
    NODE_API_CALL(env, napi_set_element(env, counts, i, count));
  }
  NODE_API_CALL(env, napi_resolve_deferred(env, watching, counts));
  watching = NULL;
  return make_undefined(env);
}

/* Calls globalThis[name] (or `this_arg`'s method) with a native function as its one argument. */
static bool call_with_native(napi_env env, napi_value this_arg, const char* name, napi_callback cb) {
  napi_value method, fn;
  return napi_get_named_property(env, this_arg, name, &method) == napi_ok &&
         napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) == napi_ok &&
         napi_call_function(env, this_arg, method, 1, &fn, NULL) == napi_ok;
}

/* postFinalizerWatched(tag): node_api_post_finalizer from a plain call (PostFinalize logs "post
 * tag"), then a promise job queued and an immediate set; answers a promise of how many posted
 * finalizers had run since the post: in the call, in the job and in the immediate. */
static napi_value PostFinalizerWatched(napi_env env, napi_callback_info info) {
  napi_value argv[1], global, resolved, promise, undefined;
  napi_deferred now;
  int32_t tag;
  if (watching != NULL) {
    napi_throw_error(env, NULL, "one watch at a time");
    return NULL;
  }
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &tag)) return NULL;
  watch_base = post_finalized; /* earlier tests of an in-process host count too */
  NODE_API_CALL(env, node_api_post_finalizer(env, PostFinalize, (void*)(intptr_t)tag, NULL));
  watched[0] = post_finalized - watch_base;
  NODE_API_CALL(env, napi_get_undefined(env, &undefined));
  NODE_API_CALL(env, napi_create_promise(env, &now, &resolved));
  NODE_API_CALL(env, napi_resolve_deferred(env, now, undefined));
  NODE_API_CALL(env, napi_get_global(env, &global));
  if (!call_with_native(env, resolved, "then", SeenByPromiseJob) ||
      !call_with_native(env, global, "setImmediate", SeenByImmediate)) {
    return NULL;
  }
  NODE_API_CALL(env, napi_create_promise(env, &watching, &promise));
  return promise;
}

/* addFinalizer(obj, tag): napi_add_finalizer with a finalizer that logs and posts a follow-up */
static napi_value AddFinalizer(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t tag;
  if (!get_args(env, info, 2, argv, NULL) || !get_int32(env, argv[1], &tag)) return NULL;
  NODE_API_CALL(env, napi_add_finalizer(env, argv[0], (void*)(intptr_t)tag, FinalizeAdded, NULL, NULL));
  return make_undefined(env);
}

/* The references napi_wrap and napi_add_finalizer returned, by tag (Node: each owns its
 * finalizer, and deleting it before the finalizer ran cancels that finalizer). */
static napi_ref owners[16];

static napi_ref* owner_slot(napi_env env, napi_value tag_value, int32_t* tag) {
  if (napi_get_value_int32(env, tag_value, tag) != napi_ok || *tag < 0 || *tag >= 16) {
    napi_throw_range_error(env, NULL, "tag must be 0..15");
    return NULL;
  }
  return &owners[*tag];
}

/* addOwnedFinalizer(obj, tag): addFinalizer's finalizer, keeping the reference it returns */
static napi_value AddOwnedFinalizer(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t tag;
  napi_ref* slot;
  if (!get_args(env, info, 2, argv, NULL) || !(slot = owner_slot(env, argv[1], &tag))) return NULL;
  NODE_API_CALL(env, napi_add_finalizer(env, argv[0], (void*)(intptr_t)tag, FinalizeAdded, NULL, slot));
  return make_undefined(env);
}

/* wrapOwned(obj, tag): napi_wrap with Counted's finalizer, keeping the reference it returns */
static napi_value WrapOwned(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t tag;
  napi_ref* slot;
  if (!get_args(env, info, 2, argv, NULL) || !(slot = owner_slot(env, argv[1], &tag))) return NULL;
  NODE_API_CALL(env, napi_wrap(env, argv[0], (void*)(intptr_t)tag, FinalizeCounted, NULL, slot));
  return make_undefined(env);
}

/* dropOwner(tag): napi_delete_reference of the reference kept for tag */
static napi_value DropOwner(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t tag;
  napi_ref* slot;
  if (!get_args(env, info, 1, argv, NULL) || !(slot = owner_slot(env, argv[0], &tag))) return NULL;
  NODE_API_CALL(env, napi_delete_reference(env, *slot));
  *slot = NULL;
  return make_undefined(env);
}

/* call(fn): calls fn once and forgets it (so the host no longer references it) */
static napi_value CallOnce(napi_env env, napi_callback_info info) {
  napi_value argv[1], global, result;
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  NODE_API_CALL(env, napi_get_global(env, &global));
  NODE_API_CALL(env, napi_call_function(env, global, argv[0], 0, NULL, &result));
  return result;
}

static void FinalizeInstanceData(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  log_line("instance_data", (intptr_t)data);
}

NAPI_MODULE_INIT() {
  napi_value counted;
  NODE_API_CALL(env, napi_define_class(env, "Counted", NAPI_AUTO_LENGTH, CountedNew, NULL, 0, NULL, &counted));
  NODE_API_CALL(env, napi_set_named_property(env, exports, "Counted", counted));
  NODE_API_CALL(env, napi_set_instance_data(env, (void*)(intptr_t)99, FinalizeInstanceData, NULL));
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("finalizedCount", FinalizedCount),
      DECLARE_METHOD("postFinalizedCount", PostFinalizedCount),
      DECLARE_METHOD("postFinalizerWatched", PostFinalizerWatched),
      DECLARE_METHOD("setLog", SetLog),
      DECLARE_METHOD("weakRefTo", WeakRefTo),
      DECLARE_METHOD("weakTarget", WeakTarget),
      DECLARE_METHOD("strengthen", Strengthen),
      DECLARE_METHOD("addFinalizer", AddFinalizer),
      DECLARE_METHOD("callOnce", CallOnce),
      DECLARE_METHOD("addOwnedFinalizer", AddOwnedFinalizer),
      DECLARE_METHOD("wrapOwned", WrapOwned),
      DECLARE_METHOD("dropOwner", DropOwner),
  };
  return EXPORT_METHODS(env, exports, methods);
}
