/* napi_calls.c's asynchronous operations: async work (created, queued, cancelled, deleted),
 * threadsafe functions (called from the JS thread and from a thread of their own, acquired,
 * released, aborted) and napi_run_script. What happens after run() returns (completions, calls
 * into JS, finalizers) is written to a log of each work or function, which settle() hands back
 * once every one of them is done: the logs in the order the works and functions were made, each
 * in the order its own events came. Their order across logs is not compared: node's follows
 * libuv's handles and which worker finished first.
 *
 * Every work's execute waits at a gate that stays closed until the program ends, so which works
 * a cancel finds started is fixed: libuv's pool (and napi_python's) takes queued work first in,
 * first out with 4 threads, and before a cancel the program waits until the first 4 live ones
 * have started. A threadsafe function's calls made during the program are not taken off its
 * queue before the program returns (the JS thread is running it), so a full queue is full in
 * node and in napi_python alike; a call that would block on it is not made. */
#include "napi_calls_threads.h"

#define WORKS 4
#define TSFNS 4
#define SOURCES 64
#define POOL_THREADS 4

typedef struct {
  bool tsfn;
  char* log;
  size_t len, cap;
  bool done;
  /* a work's */
  napi_async_work work;
  bool queued, cancelled, executed;
  /* a threadsafe function's */
  napi_threadsafe_function fn;
  uint32_t max_queue, queued_calls, threads, calls;
} source;

static source sources[SOURCES];
static int source_count;
static int work_slot[WORKS];
static int tsfn_slot[TSFNS];
static int pending; /* works queued and functions made whose end has not come yet */
static napi_deferred settling;

static gate_mutex gate_lock = GATE_MUTEX_INIT;
static gate_cond gate_changed = GATE_COND_INIT;
static bool gate_open = true;
static int started; /* executes that reached the gate */

/* emit() into a source's log (the callbacks after run() returned), then back to the transcript. */
static void log_to(source* s) {
  char* keep = out;
  size_t keep_len = out_len, keep_cap = out_cap;
  out = s->log, out_len = s->len, out_cap = s->cap;
  s->log = keep, s->len = keep_len, s->cap = keep_cap;
}

static source* new_source(bool tsfn) {
  if (source_count == SOURCES) return NULL;
  source* s = &sources[source_count++];
  memset(s, 0, sizeof *s);
  s->tsfn = tsfn;
  s->cap = 256;
  s->log = malloc(s->cap);
  if (s->log != NULL) s->log[0] = 0;
  return s;
}

static void reset_async(void) {
  for (int i = 0; i < WORKS; i++) work_slot[i] = -1;
  for (int i = 0; i < TSFNS; i++) tsfn_slot[i] = -1;
  gate_mutex_lock(&gate_lock);
  gate_open = false;
  started = 0;
  gate_mutex_unlock(&gate_lock);
}

/* settle()'s answer: every log, in the order its work or function was made. */
static napi_value settled_logs(napi_env env) {
  size_t total = 1;
  for (int i = 0; i < source_count; i++) total += sources[i].len + 16;
  char* text = malloc(total);
  size_t at = 0;
  napi_value v = NULL;
  if (text == NULL) return NULL;
  text[0] = 0;
  for (int i = 0; i < source_count; i++) {
    at += (size_t)snprintf(text + at, total - at, "%s%d:%s\n", sources[i].tsfn ? "tsfn" : "work", i,
                           sources[i].log ? sources[i].log : "?");
    free(sources[i].log);
  }
  source_count = 0;
  napi_create_string_utf8(env, text, at, &v);
  free(text);
  return v;
}

static void source_done(napi_env env, source* s) {
  s->done = true;
  if (--pending == 0 && settling != NULL) {
    napi_deferred d = settling;
    settling = NULL;
    napi_resolve_deferred(env, d, settled_logs(env));
  }
}

/* ---- async work ---- */

static void work_execute(napi_env env, void* data) {
  (void)env;
  gate_mutex_lock(&gate_lock);
  started++;
  gate_cond_broadcast(&gate_changed);
  while (!gate_open) gate_cond_wait(&gate_changed, &gate_lock);
  gate_mutex_unlock(&gate_lock);
  sources[(intptr_t)data].executed = true;
}

static void work_complete(napi_env env, napi_status status, void* data) {
  source* s = &sources[(intptr_t)data];
  log_to(s);
  bool pending_exception = false;
  napi_is_exception_pending(env, &pending_exception);
  emit(" complete s=%d executed=%d%s", (int)status, s->executed, pending_exception ? " P" : "");
  emit(" delete s=%d", (int)napi_delete_async_work(env, s->work));
  log_to(s);
  source_done(env, s);
}

/* Waits (2 s at most) until the first live queued works, up to the pool's threads, reached the
 * gate: a cancel then finds those started and the rest still queued. */
static bool pool_settled(void) {
  int live = 0;
  for (int i = 0; i < source_count; i++) live += !sources[i].tsfn && sources[i].queued && !sources[i].cancelled;
  int want = live < POOL_THREADS ? live : POOL_THREADS;
  gate_deadline until = gate_deadline_in(2);
  gate_mutex_lock(&gate_lock);
  while (started < want && gate_cond_wait_until(&gate_changed, &gate_lock, until)) {
  }
  bool ok = started >= want;
  gate_mutex_unlock(&gate_lock);
  return ok;
}

static source* work_in(uint8_t slot) {
  int i = work_slot[slot % WORKS];
  return i < 0 ? NULL : &sources[i];
}

/* node converts the resource to an object and the name to a string outside of Node-API's
 * exception handling: what they throw escapes to the JS that called the addon, after the
 * program, and no transcript comes back (napi_python answers napi_string_expected or
 * napi_object_expected with the exception pending, as the status says). Only what converts is
 * passed: a resource that is no null or undefined, a name that is a primitive but no symbol. */
static bool conversion_escapes(napi_env env, napi_value resource, napi_value name) {
  napi_valuetype t;
  if (resource != NULL && napi_typeof(env, resource, &t) == napi_ok && (t == napi_undefined || t == napi_null)) return true;
  if (name == NULL || napi_typeof(env, name, &t) != napi_ok) return false;
  return t == napi_symbol || t == napi_object || t == napi_function || t == napi_external;
}

/* Operands: the slot, which of the resource (0x01) and the name (0x02) come from the register
 * (else no resource and the name "napi_calls"), the register. */
static void op_async_create(napi_env env, const operands* o) {
  napi_value resource = o->v[1] & 1 ? reg(o->v[2]) : NULL, name = NULL;
  if (o->v[1] & 2) name = reg(o->v[2]);
  else napi_create_string_utf8(env, "napi_calls", NAPI_AUTO_LENGTH, &name);
  if (conversion_escapes(env, resource, name)) {
    emit(" escapes");
    return;
  }
  source* old = work_in(o->v[0]);
  /* A work never queued is deleted when its slot is taken; a queued one goes on. */
  if (old != NULL && !old->queued) napi_delete_async_work(env, old->work), old->done = true;
  work_slot[o->v[0] % WORKS] = -1;
  source* s = new_source(false);
  if (s == NULL) {
    emit(" skipped");
    return;
  }
  intptr_t id = s - sources;
  napi_status st = napi_create_async_work(env, resource, name, work_execute, work_complete, (void*)id, &s->work);
  report(env, st, NULL);
  if (st == napi_ok) {
    work_slot[o->v[0] % WORKS] = (int)id;
    emit(" work#%d", (int)id);
  } else {
    s->done = true;
  }
}

static void op_async_queue(napi_env env, const operands* o) {
  source* s = work_in(o->v[0]);
  if (s != NULL && s->queued) {
    emit(" skipped"); /* queued twice, node's uv_work_t is in libuv's queue twice */
    return;
  }
  napi_status st = napi_queue_async_work(env, s ? s->work : NULL);
  report(env, st, NULL);
  if (st == napi_ok && s != NULL) s->queued = true, pending++;
}

static void op_async_cancel(napi_env env, const operands* o) {
  source* s = work_in(o->v[0]);
  if (s != NULL && !s->queued) {
    emit(" skipped"); /* node cancels a uv_work_t libuv never saw */
    return;
  }
  if (s != NULL && !pool_settled()) emit(" pool-not-started");
  napi_status st = napi_cancel_async_work(env, s ? s->work : NULL);
  report(env, st, NULL);
  if (st == napi_ok && s != NULL) s->cancelled = true;
}

static void op_async_delete(napi_env env, const operands* o) {
  source* s = work_in(o->v[0]);
  if (s != NULL && s->queued) {
    emit(" skipped"); /* node frees a uv_work_t libuv still holds */
    return;
  }
  report(env, napi_delete_async_work(env, s ? s->work : NULL), NULL);
  if (s != NULL) s->done = true, work_slot[o->v[0] % WORKS] = -1;
}

/* ---- threadsafe functions ---- */

static void tsfn_call_js(napi_env env, napi_value js_cb, void* context, void* data) {
  source* s = &sources[(intptr_t)context];
  log_to(s);
  emit(" call#%d", (int)(intptr_t)data);
  if (env == NULL) {
    emit("(no env%s)", js_cb == NULL ? "" : ", a function");
    log_to(s);
    return;
  }
  if (js_cb != NULL) {
    napi_value arg = NULL, undefined = NULL, v = NULL;
    napi_create_int32(env, (int32_t)(intptr_t)data, &arg);
    napi_get_undefined(env, &undefined);
    napi_status st = napi_call_function(env, undefined, js_cb, 1, &arg, &v);
    emit(" s=%d", (int)st);
    if (st == napi_ok) emit("="), render(env, v);
    bool pending_exception = false;
    napi_is_exception_pending(env, &pending_exception);
    if (pending_exception) {
      napi_value e = NULL;
      napi_get_and_clear_last_exception(env, &e);
      emit(" threw "), render_exception(env, e);
    }
  }
  log_to(s);
}

static void tsfn_finalized(node_api_basic_env env, void* data, void* hint) {
  (void)hint;
  source* s = &sources[(intptr_t)data];
  log_to(s);
  emit(" finalized");
  log_to(s);
  source_done((napi_env)env, s);
}

static source* tsfn_in(uint8_t slot) {
  int i = tsfn_slot[slot % TSFNS];
  return i < 0 ? NULL : &sources[i];
}

static void op_tsfn_create(napi_env env, const operands* o) {
  static const uint32_t queue_sizes[] = {0, 1, 2};
  napi_value func = reg(o->v[1]), name = NULL;
  if (uncallable(env, func)) {
    emit(" uncalled");
    return;
  }
  source* s = new_source(true);
  if (s == NULL) {
    emit(" skipped");
    return;
  }
  intptr_t id = s - sources;
  s->max_queue = queue_sizes[o->v[2] % 3];
  s->threads = (uint32_t)(o->v[3] % 3);
  napi_create_string_utf8(env, "napi_calls", NAPI_AUTO_LENGTH, &name);
  napi_status st = napi_create_threadsafe_function(env, func, NULL, name, s->max_queue, s->threads, (void*)id,
                                                   tsfn_finalized, (void*)id, tsfn_call_js, &s->fn);
  report(env, st, NULL);
  if (st != napi_ok) {
    s->done = true;
    return;
  }
  tsfn_slot[o->v[0] % TSFNS] = (int)id;
  emit(" tsfn#%d", (int)id);
  pending++;
}

/* What node's Push answers, mirrored to know whether a blocking call would wait, and how many
 * threads hold the function (each let go at the end). */
static void note_call(source* s, napi_status st) {
  if (st == napi_ok) s->queued_calls++;
  if (st == napi_closing && s->threads > 0) s->threads--;
}

typedef struct {
  source* s;
  int count;
  napi_status statuses[4];
} caller;

static void* call_from_thread(void* arg) {
  caller* c = arg;
  for (int i = 0; i < c->count; i++) {
    c->statuses[i] = napi_call_threadsafe_function(c->s->fn, (void*)(intptr_t)c->s->calls++, napi_tsfn_nonblocking);
  }
  return NULL;
}

static void op_tsfn_call(napi_env env, const operands* o, bool from_thread) {
  (void)env;
  source* s = tsfn_in(o->v[0]);
  if (s == NULL) {
    emit(" skipped"); /* node CHECKs the function: a NULL aborts it */
    return;
  }
  if (!from_thread) {
    bool blocking = o->v[1] & 1;
    if (blocking && s->max_queue > 0 && s->queued_calls >= s->max_queue) blocking = false, emit(" nonblocking");
    napi_status st = napi_call_threadsafe_function(s->fn, (void*)(intptr_t)s->calls++,
                                                   blocking ? napi_tsfn_blocking : napi_tsfn_nonblocking);
    emit(" s=%d", (int)st);
    note_call(s, st);
    return;
  }
  /* The thread's calls never block, so the JS thread waits for it here. */
  caller c = {s, (int)(o->v[1] % 4) + 1, {0}};
  joinable_thread thread;
  if (start_thread(&thread, call_from_thread, &c) != 0) {
    emit(" no thread");
    return;
  }
  join_thread(&thread);
  emit(" s=");
  for (int i = 0; i < c.count; i++) emit("%s%d", i ? "," : "", (int)c.statuses[i]), note_call(s, c.statuses[i]);
}

static void op_tsfn_acquire(napi_env env, const operands* o) {
  (void)env;
  source* s = tsfn_in(o->v[0]);
  if (s == NULL || s->threads >= 4) {
    emit(" skipped"); /* a NULL aborts node; more threads than the end lets go keep it open */
    return;
  }
  napi_status st = napi_acquire_threadsafe_function(s->fn);
  emit(" s=%d", (int)st);
  if (st == napi_ok) s->threads++;
}

static void op_tsfn_release(napi_env env, const operands* o) {
  (void)env;
  source* s = tsfn_in(o->v[0]);
  if (s == NULL) {
    emit(" skipped");
    return;
  }
  napi_status st = napi_release_threadsafe_function(s->fn, o->v[1] & 1 ? napi_tsfn_abort : napi_tsfn_release);
  emit(" s=%d", (int)st);
  if (st == napi_ok && s->threads > 0) s->threads--;
}

/* The end of a program: works never queued deleted, every function let go by the threads still
 * holding it, and the gate opened. */
static void finish_async(napi_env env) {
  for (int i = 0; i < source_count; i++) {
    source* s = &sources[i];
    if (s->done) continue;
    if (!s->tsfn && !s->queued) {
      napi_delete_async_work(env, s->work);
      s->done = true;
    } else if (s->tsfn && s->threads > 0) {
      emit("end: tsfn#%d released", i);
      while (s->threads > 0) emit(" s=%d", (int)napi_release_threadsafe_function(s->fn, napi_tsfn_release)), s->threads--;
      emit("\n");
    }
  }
  gate_mutex_lock(&gate_lock);
  gate_open = true;
  gate_cond_broadcast(&gate_changed);
  gate_mutex_unlock(&gate_lock);
}

/* A promise of the logs, resolved once every work completed and every function was finalized. */
static napi_value Settle(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value promise = NULL;
  if (settling != NULL) {
    napi_throw_error(env, NULL, "settle() is already waiting");
    return NULL;
  }
  NODE_API_CALL(env, napi_create_promise(env, &settling, &promise));
  if (pending == 0) {
    napi_deferred d = settling;
    settling = NULL;
    napi_resolve_deferred(env, d, settled_logs(env));
  }
  return promise;
}

/* ---- napi_run_script ---- */

/* Expressions both evaluate (napi_python's host evaluates a subset of JS: tests/napi/
 * test_run_script.py), some throwing; an operand past them runs a register's value. */
static const char* const scripts[] = {
    "1 + 2 * 3 - 4 / 8 % 3", "'a' + 1 + 2", "[1, 2, 3].map(String).join()", "({a: 1, ['b' + 1]: 2, 'c d': 3})",
    "10n ** 20n + 1n", "typeof null + typeof undefined + typeof 1n + typeof Symbol()", "`x${1 + 1}y`",
    "[] + {}", "", "nope + 1", "undefined.x", "1n + 1", "Symbol() + ''", "[, 1].length",
};

static void op_run_script(napi_env env, const operands* o) {
  napi_value script = NULL, v = NULL;
  size_t n = o->v[1] % (ARRAY_LENGTH(scripts) + 2);
  if (n < ARRAY_LENGTH(scripts)) napi_create_string_utf8(env, scripts[n], NAPI_AUTO_LENGTH, &script);
  else script = reg(o->v[2]);
  napi_status s = napi_run_script(env, script, &v);
  result(env, o->v[0], s, v);
}
