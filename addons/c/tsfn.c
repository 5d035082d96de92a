/* Node-API chapter "Asynchronous thread-safe function calls" (tests/napi/test_tsfn.py).
 *
 * Each scenario keeps what it saw in C (no Python callable is called from call_js_cb): the
 * values delivered and their order, calls made with a NULL env (teardown leftovers), how often
 * the finalizer ran and how much had been delivered by then. Getters read it back. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <fcntl.h>
#include <pthread.h>
#endif

#include "common.h"
#include "detached_thread.h"

#define MAX_THREADS 16
#define MAX_VALUES 200000

typedef struct {
  napi_threadsafe_function tsfn;
  int blocking;
  int per_thread;
  int threads;
  /* Filled on the JS thread by call_js_cb. */
  int* values;
  int received;
  int null_env_calls;
  int js_cb_null; /* every call_js_cb got js_callback == NULL */
  int finalized;
  int received_at_finalize;
  /* Filled by producers. */
  atomic_int queue_full_seen;
  atomic_int bad_status;
  atomic_int calls_begun; /* flood: calls the producer began (the last may be blocked) */
  char marker[256];
} Scenario;

static Scenario* scenario_new(void) {
  Scenario* s = calloc(1, sizeof *s);
  s->values = calloc(MAX_VALUES, sizeof(int));
  s->js_cb_null = 1;
  return s;
}

static void append_marker(Scenario* s, const char* line, int number) {
  if (!s->marker[0]) return;
  FILE* f = fopen(s->marker, "a");
  if (f) {
    fprintf(f, "%s %d\n", line, number);
    fclose(f);
  }
}

static void Record(napi_env env, napi_value js_cb, void* context, void* data) {
  Scenario* s = context;
  if (env == NULL) {
    /* Teardown: Node hands leftovers over with a NULL env so they can be freed. */
    s->null_env_calls++;
    append_marker(s, "L", (int)(intptr_t)data);
    return;
  }
  if (js_cb != NULL) s->js_cb_null = 0;
  if (s->received < MAX_VALUES) s->values[s->received] = (int)(intptr_t)data;
  s->received++;
}

static void Finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)data;
  Scenario* s = hint; /* the context */
  s->finalized++;
  s->received_at_finalize = s->received;
  append_marker(s, "finalized, received", s->received);
}

static Scenario* scenarios[64];
static int scenario_count;

static napi_value register_scenario(napi_env env, Scenario* s) {
  scenarios[scenario_count] = s;
  return make_int32(env, scenario_count++);
}

static Scenario* scenario_arg(napi_env env, napi_value v) {
  int32_t id;
  if (!get_int32(env, v, &id)) return NULL;
  if (id < 0 || id >= scenario_count) {
    napi_throw_range_error(env, NULL, "no such scenario");
    return NULL;
  }
  return scenarios[id];
}

static napi_status create(napi_env env, napi_value func, size_t max_queue, size_t threads,
                          napi_threadsafe_function_call_js call_js, Scenario* s) {
  napi_value name;
  napi_create_string_utf8(env, "napi-python:tsfn-test", NAPI_AUTO_LENGTH, &name);
  return napi_create_threadsafe_function(env, func, NULL, name, max_queue, threads, NULL, Finalize,
                                         s, call_js, &s->tsfn);
}

typedef struct {
  Scenario* s;
  int index;
} Producer;

static void* Produce(void* arg) {
  Producer* p = arg;
  Scenario* s = p->s;
  for (int i = 0; i < s->per_thread; i++) {
    void* data = (void*)(intptr_t)(p->index * 1000000 + i);
    for (;;) {
      napi_status st = napi_call_threadsafe_function(
          s->tsfn, data, s->blocking ? napi_tsfn_blocking : napi_tsfn_nonblocking);
      if (st == napi_ok) break;
      if (st == napi_queue_full) {
        atomic_store(&s->queue_full_seen, 1);
        usleep(100);
        continue;
      }
      atomic_fetch_add(&s->bad_status, 1);
      break;
    }
  }
  if (napi_release_threadsafe_function(s->tsfn, napi_tsfn_release) != napi_ok) {
    atomic_fetch_add(&s->bad_status, 1);
  }
  free(p);
  return NULL;
}

/* startProducers(threads, perThread, maxQueue, blocking) -> scenario id. No JS function: every
 * value goes to call_js_cb with js_callback NULL. */
static napi_value StartProducers(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, NULL)) return NULL;
  int32_t threads, per_thread, max_queue;
  bool blocking;
  if (!get_int32(env, argv[0], &threads) || !get_int32(env, argv[1], &per_thread) ||
      !get_int32(env, argv[2], &max_queue))
    return NULL;
  NODE_API_CALL(env, napi_get_value_bool(env, argv[3], &blocking));
  NODE_API_ASSERT(env, threads > 0 && threads <= MAX_THREADS, "1..16 threads");
  NODE_API_ASSERT(env, (long)threads * per_thread <= MAX_VALUES, "too many values");
  Scenario* s = scenario_new();
  s->threads = threads;
  s->per_thread = per_thread;
  s->blocking = blocking;
  NODE_API_CALL(env, create(env, NULL, (size_t)max_queue, (size_t)threads, Record, s));
  for (int i = 0; i < threads; i++) {
    Producer* p = malloc(sizeof *p);
    p->s = s;
    p->index = i;
    NODE_API_ASSERT(env, start_detached(Produce, p) == 0, "cannot start a producer");
  }
  return register_scenario(env, s);
}

/* state(id) -> [received, finalized, receivedAtFinalize, nullEnvCalls, jsCbAlwaysNull,
 * perThreadInOrder, queueFullSeen, badStatuses] */
static napi_value State(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Scenario* s = scenario_arg(env, argv[0]);
  if (s == NULL) return NULL;
  int next[MAX_THREADS] = {0};
  bool in_order = true;
  for (int i = 0; i < s->received && i < MAX_VALUES; i++) {
    int thread = s->values[i] / 1000000, seq = s->values[i] % 1000000;
    if (thread < 0 || thread >= MAX_THREADS || next[thread] != seq) {
      in_order = false;
      break;
    }
    next[thread]++;
  }
  napi_value items[8] = {
      make_int32(env, s->received),        make_int32(env, s->finalized),
      make_int32(env, s->received_at_finalize), make_int32(env, s->null_env_calls),
      make_bool(env, s->js_cb_null),       make_bool(env, in_order),
      make_bool(env, atomic_load(&s->queue_full_seen)), make_int32(env, atomic_load(&s->bad_status)),
  };
  return make_list(env, 8, items);
}

/* queueFull() -> [id, status x3] from the JS thread: max_queue_size 2, so the third
 * non-blocking call finds the queue full (the JS thread cannot drain it meanwhile). */
static napi_value QueueFull(napi_env env, napi_callback_info info) {
  (void)info;
  Scenario* s = scenario_new();
  NODE_API_CALL(env, create(env, NULL, 2, 1, Record, s));
  napi_value items[5];
  items[0] = register_scenario(env, s);
  for (int i = 0; i < 3; i++) {
    items[i + 1] = make_status(env, napi_call_threadsafe_function(s->tsfn, (void*)(intptr_t)i,
                                                                  napi_tsfn_nonblocking));
  }
  items[4] = make_status(env, napi_release_threadsafe_function(s->tsfn, napi_tsfn_release));
  return make_list(env, 5, items);
}

/* A thread's scheduler state as Linux's stat file of that thread says it ("tid (comm) S ...":
 * S, asleep: waiting on a lock or a condition variable, here the full queue's), opened by the
 * thread itself so that another thread can read it. On Windows that is the Linux thread wine runs
 * it on, opened through wine's Z: drive: wine's process list reports no thread states, and
 * Windows has no other way to ask; without wine the file is missing, and the caller says so. */
#ifdef _WIN32
typedef HANDLE ThreadStat;
#define NO_THREAD_STAT INVALID_HANDLE_VALUE
static ThreadStat open_own_stat(void) {
  return CreateFileA("Z:\\proc\\thread-self\\stat", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
}
static int read_stat(ThreadStat f, char* buf, size_t size) {
  OVERLAPPED at_start = {0};
  DWORD n = 0;
  return ReadFile(f, buf, (DWORD)size, &n, &at_start) ? (int)n : -1;
}
static void close_stat(ThreadStat f) { CloseHandle(f); }
#else
typedef int ThreadStat;
#define NO_THREAD_STAT (-1)
static ThreadStat open_own_stat(void) { return open("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC); }
static int read_stat(ThreadStat f, char* buf, size_t size) { return (int)pread(f, buf, size, 0); }
static void close_stat(ThreadStat f) { close(f); }
#endif

static int asleep(ThreadStat f) {
  char stat[512];
  int n = read_stat(f, stat, sizeof stat - 1);
  if (n <= 0) return 0;
  stat[n] = 0;
  const char* end = strrchr(stat, ')'); /* comm may hold anything */
  return end != NULL && end[1] == ' ' && end[2] == 'S';
}

typedef struct {
  Scenario* s;
  atomic_int* started;
  ThreadStat stat;
  napi_status status;
} Blocked;

static void* ProduceBlocked(void* arg) {
  Blocked* b = arg;
  b->stat = open_own_stat();
  atomic_fetch_add(b->started, 1);
  b->status = napi_call_threadsafe_function(b->s->tsfn, (void*)(intptr_t)7, napi_tsfn_blocking);
  return NULL;
}

/* A blocked producer's thread, joined: Windows' own there (winpthreads would give the addon a TLS
 * directory, and an in-process host then relays its calls, scripts/windows addons). */
#ifdef _WIN32
typedef HANDLE BlockedThread;

static DWORD WINAPI produce_blocked_thread(LPVOID blocked) {
  ProduceBlocked(blocked);
  return 0;
}

static void start_blocked(BlockedThread* t, Blocked* blocked) { *t = CreateThread(NULL, 0, produce_blocked_thread, blocked, 0, NULL); }

static void join_blocked(BlockedThread t) {
  WaitForSingleObject(t, INFINITE);
  CloseHandle(t);
}
#else
typedef pthread_t BlockedThread;

static void start_blocked(BlockedThread* t, Blocked* blocked) { pthread_create(t, NULL, ProduceBlocked, blocked); }

static void join_blocked(BlockedThread t) { pthread_join(t, NULL); }
#endif

/* abortBlocked(threads) -> [id, abort status, each producer's status]. The queue (size 1) is
 * full; the producers block (the abort waits until every one of them sleeps, 10 s at most); an
 * abort from the JS thread must wake them all (else the join hangs). The queued item is never
 * called into JS: it goes to call_js_cb with a NULL env when the function is finalized. */
static napi_value AbortBlocked(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  int32_t n;
  if (!get_int32(env, argv[0], &n)) return NULL;
  NODE_API_ASSERT(env, n > 0 && n <= MAX_THREADS, "1..16 threads");
  Scenario* s = scenario_new();
  NODE_API_CALL(env, create(env, NULL, 1, (size_t)n + 1, Record, s));
  NODE_API_CALL(env, napi_call_threadsafe_function(s->tsfn, (void*)(intptr_t)1, napi_tsfn_nonblocking));
  atomic_int started = 0;
  Blocked blocked[MAX_THREADS];
  BlockedThread threads[MAX_THREADS];
  for (int i = 0; i < n; i++) {
    blocked[i] = (Blocked){s, &started, NO_THREAD_STAT, napi_ok};
    start_blocked(&threads[i], &blocked[i]);
  }
  const char* failure = NULL;
  for (int waited_ms = 0;; waited_ms++) {
    int sleeping = 0, unseen = 0;
    for (int i = 0; atomic_load(&started) == n && i < n; i++) {
      unseen += blocked[i].stat == NO_THREAD_STAT;
      sleeping += blocked[i].stat != NO_THREAD_STAT && asleep(blocked[i].stat);
    }
    if (sleeping == n) break;
    if (unseen) failure = "a producer cannot read its own state (no /proc/thread-self/stat)";
    if (waited_ms == 10000) failure = "the producers did not block within 10 s";
    if (failure) break;
    usleep(1000);
  }
  napi_value items[2 + MAX_THREADS];
  napi_status aborted = napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort); /* lets them go */
  for (int i = 0; i < n; i++) {
    join_blocked(threads[i]);
    if (blocked[i].stat != NO_THREAD_STAT) close_stat(blocked[i].stat);
    items[2 + i] = make_status(env, blocked[i].status);
  }
  if (failure) {
    napi_throw_error(env, NULL, failure);
    return NULL;
  }
  items[0] = register_scenario(env, s);
  items[1] = make_status(env, aborted);
  return make_list(env, 2 + n, items);
}

/* counting() -> statuses of acquire, release, release(abort), acquire, call, release, and
 * whether get_context answers the context, all within one turn. */
static napi_value Counting(napi_env env, napi_callback_info info) {
  (void)info;
  Scenario* s = scenario_new();
  NODE_API_CALL(env, create(env, NULL, 0, 1, Record, s));
  void* context = NULL;
  napi_status ctx = napi_get_threadsafe_function_context(s->tsfn, &context);
  napi_value items[8];
  items[0] = register_scenario(env, s);
  items[1] = make_status(env, napi_acquire_threadsafe_function(s->tsfn));
  items[2] = make_status(env, napi_release_threadsafe_function(s->tsfn, napi_tsfn_release));
  items[3] = make_status(env, napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort));
  items[4] = make_status(env, napi_acquire_threadsafe_function(s->tsfn));
  items[5] = make_status(env, napi_call_threadsafe_function(s->tsfn, NULL, napi_tsfn_nonblocking));
  items[6] = make_status(env, napi_release_threadsafe_function(s->tsfn, napi_tsfn_release));
  items[7] = make_bool(env, ctx == napi_ok && context == s);
  return make_list(env, 8, items);
}

/* Argument checks of create: [NULL name, 0 threads, NULL result, no function and no call_js_cb,
 * a non-function]. */
static napi_value CreateStatuses(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value name = make_string(env, "name");
  napi_value object;
  NODE_API_CALL(env, napi_create_object(env, &object));
  napi_threadsafe_function f;
  napi_value items[5];
  items[0] = make_status(env, napi_create_threadsafe_function(env, NULL, NULL, NULL, 0, 1, NULL, NULL, NULL, Record, &f));
  items[1] = make_status(env, napi_create_threadsafe_function(env, NULL, NULL, name, 0, 0, NULL, NULL, NULL, Record, &f));
  items[2] = make_status(env, napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, Record, NULL));
  items[3] = make_status(env, napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, NULL, &f));
  items[4] = make_status(env, napi_create_threadsafe_function(env, object, NULL, name, 0, 1, NULL, NULL, NULL, NULL, &f));
  return make_list(env, 5, items);
}

/* The default call_js_cb (NULL) calls the function with no arguments. */
static int native_calls;
static size_t native_max_argc;

static napi_value Counted(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, NULL, NULL, NULL));
  native_calls++;
  if (argc > native_max_argc) native_max_argc = argc;
  return NULL;
}

/* defaultCall(n[, fn[, markerPath]]) -> scenario id: a producer thread calls n times; the JS
 * function is fn, or else a native one counting its calls and arguments. The finalizer writes
 * to the marker when one is given. */
static napi_value DefaultCall(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc = 3;
  NODE_API_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "expected 1 to 3 arguments, got 0");
    return NULL;
  }
  int32_t n;
  if (!get_int32(env, argv[0], &n)) return NULL;
  napi_value fn = argc > 1 ? argv[1] : NULL;
  if (fn == NULL) NODE_API_CALL(env, napi_create_function(env, "counted", NAPI_AUTO_LENGTH, Counted, NULL, &fn));
  Scenario* s = scenario_new();
  if (argc > 2 && !get_utf8(env, argv[2], s->marker, sizeof s->marker)) return NULL;
  s->threads = 1;
  s->per_thread = n;
  s->blocking = 1;
  NODE_API_CALL(env, create(env, fn, 0, 1, NULL, s));
  Producer* p = malloc(sizeof *p);
  p->s = s;
  p->index = 0;
  NODE_API_ASSERT(env, start_detached(Produce, p) == 0, "cannot start the producer");
  return register_scenario(env, s);
}

static napi_value NativeCalls(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value items[2] = {make_int32(env, native_calls), make_int32(env, (int32_t)native_max_argc)};
  return make_list(env, 2, items);
}

static void* Flood(void* arg) {
  Scenario* s = arg;
  for (int i = 0;; i++) {
    atomic_fetch_add(&s->calls_begun, 1);
    napi_status st = napi_call_threadsafe_function(s->tsfn, (void*)(intptr_t)(i % 1000000), napi_tsfn_blocking);
    if (st != napi_ok) {
      /* napi_closing once the environment goes away; the thread never releases otherwise. */
      if (st != napi_closing) atomic_fetch_add(&s->bad_status, 1);
      return NULL;
    }
  }
}

#define FLOOD_QUEUE 100

/* startFlood(markerPath) -> scenario id: a thread calls with the values 0, 1, 2, ... (blocking,
 * queue of 100) until told the function is closing; unreferenced so that node may exit. Returns
 * once the queue is full and the producer blocked on its 101st call (this thread, the JS thread,
 * drains nothing meanwhile), or throws after 10 s. The finalizer writes "finalized, received
 * <how many values JS got>" to the marker, each teardown leftover "L <value>". */
static napi_value StartFlood(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Scenario* s = scenario_new();
  if (!get_utf8(env, argv[0], s->marker, sizeof s->marker)) return NULL;
  NODE_API_CALL(env, create(env, NULL, FLOOD_QUEUE, 1, Record, s));
  NODE_API_CALL(env, napi_unref_threadsafe_function(env, s->tsfn));
  NODE_API_ASSERT(env, start_detached(Flood, s) == 0, "cannot start the producer");
  for (int waited_ms = 0; atomic_load(&s->calls_begun) <= FLOOD_QUEUE; waited_ms++) {
    NODE_API_ASSERT(env, waited_ms < 10000, "the producer did not fill the queue within 10 s");
    usleep(1000);
  }
  return register_scenario(env, s);
}

/* The env cleanup hook of queueAtTeardown. Registered after its threadsafe function was made,
 * it runs before that function closes (Node runs cleanup hooks newest first, and closes a
 * threadsafe function from a hook of its own, registered when it was made), so what it queues
 * is never called into JS: every value is a teardown leftover. */
static void QueueLeftovers(void* arg) {
  Scenario* s = arg;
  for (int i = 0; i < s->per_thread; i++) {
    napi_status st = napi_call_threadsafe_function(s->tsfn, (void*)(intptr_t)i, napi_tsfn_nonblocking);
    if (st != napi_ok) append_marker(s, "status", (int)st);
  }
}

/* queueAtTeardown(markerPath, n) -> scenario id: a threadsafe function nobody releases, and a
 * cleanup hook that queues the values 0..n-1 into it at teardown. */
static napi_value QueueAtTeardown(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  Scenario* s = scenario_new();
  int32_t n;
  if (!get_utf8(env, argv[0], s->marker, sizeof s->marker) || !get_int32(env, argv[1], &n)) return NULL;
  s->per_thread = n;
  NODE_API_CALL(env, create(env, NULL, 0, 1, Record, s));
  NODE_API_CALL(env, napi_unref_threadsafe_function(env, s->tsfn));
  NODE_API_CALL(env, napi_add_env_cleanup_hook(env, QueueLeftovers, s));
  return register_scenario(env, s);
}

/* callWithDeepArray(fn, depth) -> outcome id: a native thread asks for one call through a
 * threadsafe function whose call_js_cb builds an array nested `depth` deep and calls fn with it.
 * JS allows any depth (node's callback gets the whole value); what the call answered is kept
 * for deepOutcome(id). */
typedef struct {
  napi_threadsafe_function tsfn;
  int depth;
  int done;
  napi_status status;
  char error[256]; /* the message of what fn threw, "" when nothing */
} DeepCall;

static DeepCall* deep_calls[16];
static int deep_call_count;

static void CallDeep(napi_env env, napi_value js_cb, void* context, void* data) {
  (void)data;
  DeepCall* d = context;
  if (env == NULL) return;
  napi_value v;
  napi_create_array(env, &v);
  for (int i = 0; i < d->depth; i++) {
    napi_value outer;
    napi_create_array(env, &outer);
    napi_set_element(env, outer, 0, v);
    v = outer;
  }
  napi_value undefined, result;
  napi_get_undefined(env, &undefined);
  d->status = napi_call_function(env, undefined, js_cb, 1, &v, &result);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value e, message;
    napi_get_and_clear_last_exception(env, &e);
    if (napi_get_named_property(env, e, "message", &message) == napi_ok) {
      size_t len;
      napi_get_value_string_utf8(env, message, d->error, sizeof d->error, &len);
    }
  }
  d->done = 1;
}

static void* AskForDeepCall(void* arg) {
  DeepCall* d = arg;
  napi_call_threadsafe_function(d->tsfn, NULL, napi_tsfn_blocking);
  napi_release_threadsafe_function(d->tsfn, napi_tsfn_release);
  return NULL;
}

static napi_value CallWithDeepArray(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  NODE_API_ASSERT(env, deep_call_count < (int)ARRAY_LENGTH(deep_calls), "too many deep calls");
  DeepCall* d = calloc(1, sizeof *d);
  if (!get_int32(env, argv[1], &d->depth)) return NULL;
  napi_value name;
  napi_create_string_utf8(env, "napi-python:deep-call", NAPI_AUTO_LENGTH, &name);
  NODE_API_CALL(env, napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, d,
                                                     CallDeep, &d->tsfn));
  NODE_API_ASSERT(env, start_detached(AskForDeepCall, d) == 0, "pthread_create");
  deep_calls[deep_call_count] = d;
  return make_int32(env, deep_call_count++);
}

/* deepOutcome(id) -> null until the call ran, then [status, message of what fn threw or ""]. */
static napi_value DeepOutcome(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t id;
  if (!get_args(env, info, 1, argv, NULL) || !get_int32(env, argv[0], &id)) return NULL;
  NODE_API_ASSERT(env, id >= 0 && id < deep_call_count, "no such deep call");
  DeepCall* d = deep_calls[id];
  napi_value result;
  if (!d->done) {
    napi_get_null(env, &result);
    return result;
  }
  napi_value items[2] = {make_int32(env, d->status), make_string(env, d->error)};
  return make_list(env, 2, items);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor descs[] = {
      DECLARE_METHOD("startProducers", StartProducers),
      DECLARE_METHOD("state", State),
      DECLARE_METHOD("queueFull", QueueFull),
      DECLARE_METHOD("abortBlocked", AbortBlocked),
      DECLARE_METHOD("counting", Counting),
      DECLARE_METHOD("createStatuses", CreateStatuses),
      DECLARE_METHOD("defaultCall", DefaultCall),
      DECLARE_METHOD("nativeCalls", NativeCalls),
      DECLARE_METHOD("startFlood", StartFlood),
      DECLARE_METHOD("queueAtTeardown", QueueAtTeardown),
      DECLARE_METHOD("callWithDeepArray", CallWithDeepArray),
      DECLARE_METHOD("deepOutcome", DeepOutcome),
  };
  return EXPORT_METHODS(env, exports, descs);
}
