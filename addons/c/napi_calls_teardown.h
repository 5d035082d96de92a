/* napi_calls.c's teardown programs: teardown(program, path) runs a program as run() does, in an
 * env that ends right after (node's process exits, napi_python's host closes), and what the
 * env's end runs is appended to the file at path, a line each, in the order it ran: cleanup
 * hooks (added and removed by the program), async cleanup hooks (each removes itself), and the
 * finalizers of wraps, externals, external buffers, added finalizers and instance data. Each
 * object given a finalizer is held by a strong reference of its own until the end, so that no
 * collection before it decides which finalizers are left: the order is the env's alone. */

static char* teardown_path; /* set for a teardown program */
static bool hook_added[NATIVES];
static napi_async_cleanup_hook_handle async_hooks[NATIVES];
static int finalizer_serial; /* a finalizer's hint: the order it was given in */
static bool posted;          /* a program posts one finalizer at most */

static void teardown_log(const char* fmt, ...) PRINTF_LIKE(1, 2);
static void teardown_log(const char* fmt, ...) {
  if (teardown_path == NULL) return;
  FILE* f = fopen(teardown_path, "a");
  if (f == NULL) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fclose(f);
}

static int native_index(const void* p) {
  for (int i = 0; i < NATIVES; i++) {
    if (p == &natives[i] || p == external_bytes[i]) return i;
  }
  return -1;
}

static void logged_finalizer(node_api_basic_env env, void* data, void* hint) {
  (void)env;
  finalized++;
  teardown_log("finalize #%d native#%d\n", (int)(intptr_t)hint, native_index(data));
}

static void logged_free(node_api_basic_env env, void* data, void* hint) {
  (void)env;
  free(data);
  finalized++;
  teardown_log("finalize #%d memory\n", (int)(intptr_t)hint);
}

static void* next_hint(void) { return (void*)(intptr_t)finalizer_serial++; }

/* What node_api_post_finalizer runs on the loop's next turn (after the program returned). */
static void posted_finalizer(napi_env env, void* data, void* hint) {
  (void)env;
  teardown_log("posted #%d native#%d\n", (int)(intptr_t)hint, native_index(data));
}

/* In a teardown program, `v` (given a finalizer) is held until the env ends. */
static void hold(napi_env env, napi_value v) {
  napi_ref ref = NULL;
  if (teardown_path != NULL && v != NULL) napi_create_reference(env, v, 1, &ref);
}

static void cleanup_hook(void* arg) { teardown_log("cleanup native#%d\n", native_index(arg)); }

static void async_cleanup_hook(napi_async_cleanup_hook_handle handle, void* arg) {
  int i = native_index(arg);
  napi_status s = napi_remove_async_cleanup_hook(handle);
  if (i >= 0) async_hooks[i] = NULL;
  teardown_log("async cleanup native#%d removed s=%d\n", i, (int)s);
}

/* Operands: the hook (0: add, 1: remove, 2: add async, 3: remove async; 4 posts a finalizer
 * instead, 5-7 are 1-3), a native slot. */
static void op_cleanup_hook(napi_env env, const operands* o) {
  int i = (int)(o->v[1] % NATIVES);
  int kind = (int)(o->v[0] % 8);
  napi_status s;
  if (kind == 4) {
    if (posted) {
      emit(" post skipped"); /* node runs those posted together in its hash set's order */
      return;
    }
    posted = true;
    emit(" post");
    report(env, node_api_post_finalizer(env, posted_finalizer, &natives[i], next_hint()), NULL);
    return;
  }
  kind %= 4;
  if (teardown_path == NULL) {
    emit(" teardown only"); /* hooks added by every program of a run would pile up */
    return;
  }
  switch (kind) {
    case 0:
      if (hook_added[i]) {
        emit(" skipped"); /* node aborts on a hook added twice */
        return;
      }
      s = napi_add_env_cleanup_hook(env, cleanup_hook, &natives[i]);
      if (s == napi_ok) hook_added[i] = true;
      break;
    case 1:
      s = napi_remove_env_cleanup_hook(env, cleanup_hook, &natives[i]);
      hook_added[i] = false;
      break;
    case 2:
      if (async_hooks[i] != NULL) {
        emit(" skipped"); /* one handle a slot */
        return;
      }
      s = napi_add_async_cleanup_hook(env, async_cleanup_hook, &natives[i], &async_hooks[i]);
      break;
    default:
      if (async_hooks[i] == NULL) {
        emit(" skipped"); /* node frees the handle it is given */
        return;
      }
      s = napi_remove_async_cleanup_hook(async_hooks[i]);
      async_hooks[i] = NULL;
      break;
  }
  report(env, s, NULL);
}
