/* libuv from an addon, as real addons use it besides Node-API: tests/napi/test_uv.py runs
 * each function under node and through napi_python and compares. Compiled against node 20's
 * <uv.h>; the uv_* symbols stay undefined, provided by node or by the host.
 *
 * Callbacks that libuv runs call back into JS with napi_call_function inside a handle scope of
 * their own, as addons do; their callback functions are kept in references. */
#define _GNU_SOURCE /* pipe2 */
#include "common.h"

#include <fcntl.h>
#include <stdint.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

static uv_loop_t* loop_of(napi_env env) {
  uv_loop_t* loop = NULL;
  return napi_get_uv_event_loop(env, &loop) == napi_ok ? loop : NULL;
}

/* Calls the JS function referenced by `ref` with up to three numbers or strings (NULL string:
 * the argument is skipped), in a handle scope of its own; a thrown exception stays pending. */
static void call_back(napi_env env, napi_ref ref, const char* tag, double a, double b, int argc) {
  napi_handle_scope scope;
  napi_value cb, global, argv[3];
  napi_open_handle_scope(env, &scope);
  napi_get_reference_value(env, ref, &cb);
  napi_get_global(env, &global);
  napi_create_string_utf8(env, tag, NAPI_AUTO_LENGTH, &argv[0]);
  napi_create_double(env, a, &argv[1]);
  napi_create_double(env, b, &argv[2]);
  napi_call_function(env, global, cb, (size_t)argc, argv, NULL);
  napi_close_handle_scope(env, scope);
}

static int32_t arg_int(napi_env env, napi_value v) {
  int32_t n = 0;
  napi_get_value_int32(env, v, &n);
  return n;
}

/* loopIsDefault() -> whether the env's loop is uv_default_loop() */
static napi_value LoopIsDefault(napi_env env, napi_callback_info info) {
  (void)info;
  uv_loop_t* loop = loop_of(env);
  NODE_API_ASSERT(env, loop != NULL, "napi_get_uv_event_loop gave no loop");
  napi_value out;
  NODE_API_CALL(env, napi_get_boolean(env, loop == uv_default_loop(), &out));
  return out;
}

/* ---- uv_queue_work ---------------------------------------------------------------------- */

typedef struct {
  uv_work_t req;
  napi_env env;
  napi_ref cb;
  int32_t n;
  double sum;
  uv_thread_t caller;
  int off_caller_thread;
  double stamps[6];
} Work;

/* CLOCK_MONOTONIC in µs: the clock of Python's time.perf_counter and node's process.hrtime, so
 * that tests/bench/bench_uv.py --hops can place each hop of a work item on one time line. */
static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The last completed work item's stamps: queued, work started, work ended, after_work_cb
 * entered, "done" callback returned, "thread" callback returned. */
static double last_stamps[6];

static void sum_work(uv_work_t* req) {
  Work* w = req->data;
  w->stamps[1] = now_us();
  uv_thread_t self = uv_thread_self();
  w->off_caller_thread = !uv_thread_equal(&self, &w->caller);
  for (int32_t i = 1; i <= w->n; i++) w->sum += i;
  w->stamps[2] = now_us();
}

/* cb("done", status, sum) then cb("thread", off the caller's thread) */
static void sum_after(uv_work_t* req, int status) {
  Work* w = req->data;
  w->stamps[3] = now_us();
  call_back(w->env, w->cb, "done", status, w->sum, 3);
  w->stamps[4] = now_us();
  call_back(w->env, w->cb, "thread", w->off_caller_thread, 0, 2);
  w->stamps[5] = now_us();
  memcpy(last_stamps, w->stamps, sizeof last_stamps);
  napi_delete_reference(w->env, w->cb);
  free(w);
}

static Work* new_work(napi_env env, napi_value cb, int32_t n) {
  Work* w = calloc(1, sizeof *w);
  w->stamps[0] = now_us();
  w->env = env;
  w->n = n;
  w->req.data = w;
  w->caller = uv_thread_self();
  napi_create_reference(env, cb, 1, &w->cb);
  return w;
}

/* queueWork(n, cb) -> uv_queue_work's status; cb("done", status, 1 + ... + n) from the loop */
static napi_value QueueWork(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  Work* w = new_work(env, argv[1], arg_int(env, argv[0]));
  return make_int32(env, uv_queue_work(loop_of(env), &w->req, sum_work, sum_after));
}

/* workStamps() -> the last completed work item's stamps (µs, CLOCK_MONOTONIC): queued, work
 * started on the pool, work ended, after_work_cb entered, "done" and "thread" callbacks returned */
static napi_value WorkStamps(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, v;
  NODE_API_CALL(env, napi_create_array(env, &out));
  for (uint32_t i = 0; i < 6; i++) {
    NODE_API_CALL(env, napi_create_double(env, last_stamps[i], &v));
    NODE_API_CALL(env, napi_set_element(env, out, i, v));
  }
  return out;
}

/* A gate that blocks the pool's threads, to make queued work observable (and cancellable). */
static uv_mutex_t gate_lock;
static uv_cond_t gate_cond;
static int gate_open, gate_running, gate_done;
static uv_once_t gate_once = UV_ONCE_INIT;
static uv_work_t blockers[64];

static void gate_init(void) {
  uv_mutex_init(&gate_lock);
  uv_cond_init(&gate_cond);
}

static void blocker_work(uv_work_t* req) {
  (void)req;
  uv_mutex_lock(&gate_lock);
  gate_running++;
  while (!gate_open) uv_cond_wait(&gate_cond, &gate_lock);
  gate_running--;
  uv_mutex_unlock(&gate_lock);
}

static void blocker_after(uv_work_t* req, int status) {
  (void)req;
  (void)status;
  gate_done++;
}

/* blockPool(n): n work items that hold a pool thread each until openGate() */
static napi_value BlockPool(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  int32_t n = arg_int(env, argv[0]);
  NODE_API_ASSERT(env, n > 0 && n <= 64, "1 to 64 blockers");
  uv_once(&gate_once, gate_init);
  gate_open = 0;
  gate_done = 0;
  for (int32_t i = 0; i < n; i++) uv_queue_work(loop_of(env), &blockers[i], blocker_work, blocker_after);
  return make_undefined(env);
}

/* gate() -> [blockers running now, blockers completed] */
static napi_value Gate(napi_env env, napi_callback_info info) {
  (void)info;
  /* The lock is made by the first of blockPool, gate and openGate: a zeroed Windows critical
   * section (libuv's mutex there) reads as held, so one never made would wait for good. */
  uv_once(&gate_once, gate_init);
  uv_mutex_lock(&gate_lock);
  int running = gate_running;
  uv_mutex_unlock(&gate_lock);
  napi_value out;
  NODE_API_CALL(env, napi_create_array(env, &out));
  NODE_API_CALL(env, napi_set_element(env, out, 0, make_int32(env, running)));
  NODE_API_CALL(env, napi_set_element(env, out, 1, make_int32(env, gate_done)));
  return out;
}

static napi_value OpenGate(napi_env env, napi_callback_info info) {
  (void)info;
  uv_once(&gate_once, gate_init);
  uv_mutex_lock(&gate_lock);
  gate_open = 1;
  uv_cond_broadcast(&gate_cond);
  uv_mutex_unlock(&gate_lock);
  return make_undefined(env);
}

/* cancelBlocker(i) -> uv_cancel of blocker i (running: UV_EBUSY) */
static napi_value CancelBlocker(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return make_int32(env, uv_cancel((uv_req_t*)&blockers[arg_int(env, argv[0])]));
}

/* queueAndCancel(cb) -> [uv_queue_work's status, uv_cancel's status]; cb("done", UV_ECANCELED, 0) */
static napi_value QueueAndCancel(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Work* w = new_work(env, argv[0], 10);
  int queued = uv_queue_work(loop_of(env), &w->req, sum_work, sum_after);
  int cancelled = uv_cancel((uv_req_t*)&w->req);
  napi_value out;
  NODE_API_CALL(env, napi_create_array(env, &out));
  NODE_API_CALL(env, napi_set_element(env, out, 0, make_int32(env, queued)));
  NODE_API_CALL(env, napi_set_element(env, out, 1, make_int32(env, cancelled)));
  return out;
}

/* ---- uv_async_send from a native thread ----------------------------------------------------- */

typedef struct {
  uv_async_t async;
  uv_thread_t thread;
  napi_env env;
  napi_ref cb;
  int32_t n;
  volatile int32_t sent;
  int32_t deliveries;
} Sender;

static void sender_thread(void* arg) {
  Sender* s = arg;
  for (int32_t i = 1; i <= s->n; i++) {
    __atomic_store_n(&s->sent, i, __ATOMIC_SEQ_CST);
    uv_async_send(&s->async);
  }
}

static void sender_closed(uv_handle_t* h) {
  Sender* s = h->data;
  call_back(s->env, s->cb, "closed", s->deliveries, 0, 2);
  napi_delete_reference(s->env, s->cb);
  free(s);
}

/* cb("send", the last send seen) per delivery; once the last is seen the thread is joined and
 * the handle closed: cb("closed", deliveries) */
static void on_async(uv_async_t* a) {
  Sender* s = a->data;
  int32_t seen = __atomic_load_n(&s->sent, __ATOMIC_SEQ_CST);
  s->deliveries++;
  call_back(s->env, s->cb, "send", seen, 0, 2);
  if (seen == s->n) {
    uv_thread_join(&s->thread);
    uv_close((uv_handle_t*)&s->async, sender_closed);
  }
}

/* asyncSends(n, cb): a native thread calls uv_async_send n times (libuv coalesces them) */
static napi_value AsyncSends(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  Sender* s = calloc(1, sizeof *s);
  s->env = env;
  s->n = arg_int(env, argv[0]);
  NODE_API_ASSERT(env, s->n > 0, "at least one send");
  NODE_API_CALL(env, napi_create_reference(env, argv[1], 1, &s->cb));
  s->async.data = s;
  NODE_API_ASSERT(env, uv_async_init(loop_of(env), &s->async, on_async) == 0, "uv_async_init");
  NODE_API_ASSERT(env, uv_thread_create(&s->thread, sender_thread, s) == 0, "uv_thread_create");
  return make_undefined(env);
}

/* ---- uv_timer ----------------------------------------------------------------------------- */

typedef struct {
  uv_timer_t timer;
  napi_env env;
  napi_ref cb;
  int32_t times, ticks;
  uint64_t started;
} Ticker;

static void ticker_closed(uv_handle_t* h) {
  Ticker* t = h->data;
  call_back(t->env, t->cb, "closed", t->ticks, 0, 2);
  napi_delete_reference(t->env, t->cb);
  free(t);
}

/* cb("tick", n, ms since start by the loop's clock) per tick; after `times`: cb("closed", n) */
static void on_tick(uv_timer_t* timer) {
  Ticker* t = timer->data;
  t->ticks++;
  call_back(t->env, t->cb, "tick", t->ticks, (double)(uv_now(timer->loop) - t->started), 3);
  if (t->ticks == t->times) {
    uv_timer_stop(timer);
    uv_close((uv_handle_t*)timer, ticker_closed);
  }
}

/* timer(timeout, repeat, times, cb) */
static napi_value Timer(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, NULL)) return NULL;
  Ticker* t = calloc(1, sizeof *t);
  t->env = env;
  t->times = arg_int(env, argv[2]);
  NODE_API_CALL(env, napi_create_reference(env, argv[3], 1, &t->cb));
  t->timer.data = t;
  uv_loop_t* loop = loop_of(env);
  uv_timer_init(loop, &t->timer);
  uv_update_time(loop);
  t->started = uv_now(loop);
  uv_timer_start(&t->timer, on_tick, (uint64_t)arg_int(env, argv[0]), (uint64_t)arg_int(env, argv[1]));
  return make_undefined(env);
}

/* refs() -> uv_has_ref of a timer: after init, after uv_unref, after uv_ref, after a second
 * uv_unref; then the timer is closed. */
static napi_value Refs(napi_env env, napi_callback_info info) {
  (void)info;
  uv_timer_t* t = malloc(sizeof *t);
  uv_timer_init(loop_of(env), t);
  int seen[4];
  seen[0] = uv_has_ref((uv_handle_t*)t);
  uv_unref((uv_handle_t*)t);
  seen[1] = uv_has_ref((uv_handle_t*)t);
  uv_ref((uv_handle_t*)t);
  seen[2] = uv_has_ref((uv_handle_t*)t);
  uv_unref((uv_handle_t*)t);
  seen[3] = uv_has_ref((uv_handle_t*)t);
  uv_close((uv_handle_t*)t, (uv_close_cb)free);
  napi_value out;
  NODE_API_CALL(env, napi_create_array(env, &out));
  for (uint32_t i = 0; i < 4; i++) NODE_API_CALL(env, napi_set_element(env, out, i, make_int32(env, seen[i])));
  return out;
}

/* throwFromTimer(f): a timer whose callback calls f, which throws: the exception is left
 * pending in a callback no JS called. */
typedef struct {
  uv_timer_t timer;
  napi_env env;
  napi_ref cb;
} Thrower;

static void thrower_closed(uv_handle_t* h) {
  free(h->data);
}

static void on_throw_tick(uv_timer_t* timer) {
  Thrower* t = timer->data;
  call_back(t->env, t->cb, "tick", 0, 0, 1);
  napi_delete_reference(t->env, t->cb);
  uv_close((uv_handle_t*)timer, thrower_closed);
}

static napi_value ThrowFromTimer(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  Thrower* t = calloc(1, sizeof *t);
  t->env = env;
  t->timer.data = t;
  NODE_API_CALL(env, napi_create_reference(env, argv[0], 1, &t->cb));
  uv_timer_init(loop_of(env), &t->timer);
  uv_timer_start(&t->timer, on_throw_tick, 1, 0);
  return make_undefined(env);
}

/* A pipe polled by descriptor is POSIX's: the Windows build of the test addons leaves it out. */
#ifndef _WIN32
/* ---- uv_poll on a pipe ---------------------------------------------------------------------- */

/* pipe() -> [read end, write end] */
static napi_value Pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  NODE_API_ASSERT(env, pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0, "pipe2");
  napi_value out;
  NODE_API_CALL(env, napi_create_array(env, &out));
  NODE_API_CALL(env, napi_set_element(env, out, 0, make_int32(env, fds[0])));
  NODE_API_CALL(env, napi_set_element(env, out, 1, make_int32(env, fds[1])));
  return out;
}

/* closeFd(fd) */
static napi_value CloseFd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  return make_int32(env, close(arg_int(env, argv[0])));
}

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref cb;
  int fd;
} Reader;

static void reader_closed(uv_handle_t* h) {
  Reader* r = h->data;
  close(r->fd);
  call_back(r->env, r->cb, "closed", 0, 0, 1);
  napi_delete_reference(r->env, r->cb);
  free(r);
}

/* cb("data", <bytes read, as a string>) per readable event; at the end of input the poll stops
 * and closes: cb("closed") */
static void on_readable(uv_poll_t* poll, int status, int events) {
  Reader* r = poll->data;
  char buf[256];
  ssize_t n = status == 0 && (events & UV_READABLE) ? read(r->fd, buf, sizeof buf) : 0;
  if (n > 0) {
    napi_handle_scope scope;
    napi_value cb, global, argv[2];
    napi_open_handle_scope(r->env, &scope);
    napi_get_reference_value(r->env, r->cb, &cb);
    napi_get_global(r->env, &global);
    napi_create_string_utf8(r->env, "data", NAPI_AUTO_LENGTH, &argv[0]);
    napi_create_string_utf8(r->env, buf, (size_t)n, &argv[1]);
    napi_call_function(r->env, global, cb, 2, argv, NULL);
    napi_close_handle_scope(r->env, scope);
    return;
  }
  if (n < 0) return; /* EAGAIN: another reader got there first */
  uv_poll_stop(poll);
  uv_close((uv_handle_t*)poll, reader_closed);
}

/* pollRead(fd, cb) -> uv_poll_start's status */
static napi_value PollRead(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  Reader* r = calloc(1, sizeof *r);
  r->env = env;
  r->fd = arg_int(env, argv[0]);
  r->poll.data = r;
  NODE_API_CALL(env, napi_create_reference(env, argv[1], 1, &r->cb));
  NODE_API_ASSERT(env, uv_poll_init(loop_of(env), &r->poll, r->fd) == 0, "uv_poll_init");
  return make_int32(env, uv_poll_start(&r->poll, UV_READABLE | UV_DISCONNECT, on_readable));
}

#endif /* _WIN32 */

/* ---- threads, mutexes, conditions, once --------------------------------------------------- */

static int once_calls;
static void count_once(void) { once_calls++; }

typedef struct {
  uv_mutex_t lock;
  uv_cond_t done;
  uv_rwlock_t rw;
  uv_sem_t started;
  uv_barrier_t barrier;
  uv_key_t key;
  int32_t iterations, counter, finished, serials, own_keys;
} Shared;

static void worker(void* arg) {
  Shared* s = arg;
  static uv_once_t once = UV_ONCE_INIT;
  uv_once(&once, count_once);
  uv_key_set(&s->key, &s->counter);
  uv_sem_post(&s->started);
  if (uv_barrier_wait(&s->barrier) > 0) {
    uv_mutex_lock(&s->lock);
    s->serials++;
    uv_mutex_unlock(&s->lock);
  }
  for (int32_t i = 0; i < s->iterations; i++) {
    uv_mutex_lock(&s->lock);
    s->counter++;
    uv_mutex_unlock(&s->lock);
  }
  uv_rwlock_rdlock(&s->rw);
  uv_rwlock_rdunlock(&s->rw);
  uv_mutex_lock(&s->lock);
  s->own_keys += uv_key_get(&s->key) == &s->counter;
  s->finished++;
  uv_cond_signal(&s->done);
  uv_mutex_unlock(&s->lock);
}

/* threads(n, iterations) -> [counter, workers finished, uv_once calls, barrier serial threads,
 * workers that saw their own thread-local key, joins that succeeded] */
static napi_value Threads(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, NULL)) return NULL;
  int32_t n = arg_int(env, argv[0]);
  NODE_API_ASSERT(env, n > 0 && n <= 16, "1 to 16 threads");
  Shared s = {0};
  s.iterations = arg_int(env, argv[1]);
  uv_mutex_init(&s.lock);
  uv_cond_init(&s.done);
  uv_rwlock_init(&s.rw);
  uv_sem_init(&s.started, 0);
  uv_barrier_init(&s.barrier, (unsigned)n);
  uv_key_create(&s.key);
  uv_thread_t threads[16];
  for (int32_t i = 0; i < n; i++) uv_thread_create(&threads[i], worker, &s);
  for (int32_t i = 0; i < n; i++) uv_sem_wait(&s.started);
  uv_mutex_lock(&s.lock);
  while (s.finished < n) uv_cond_wait(&s.done, &s.lock);
  uv_mutex_unlock(&s.lock);
  int joined = 0;
  for (int32_t i = 0; i < n; i++) joined += uv_thread_join(&threads[i]) == 0;
  uv_key_delete(&s.key);
  uv_barrier_destroy(&s.barrier);
  uv_sem_destroy(&s.started);
  uv_rwlock_destroy(&s.rw);
  uv_cond_destroy(&s.done);
  uv_mutex_destroy(&s.lock);
  int32_t results[6] = {s.counter, s.finished, once_calls, s.serials, s.own_keys, joined};
  napi_value out;
  NODE_API_CALL(env, napi_create_array(env, &out));
  for (uint32_t i = 0; i < 6; i++) NODE_API_CALL(env, napi_set_element(env, out, i, make_int32(env, results[i])));
  return out;
}

/* ---- struct sizes ------------------------------------------------------------------------- */

#define SIZE(t) {#t, sizeof(t)}
static const struct {
  const char* name;
  size_t size;
} sizes[] = {
    SIZE(uv_loop_t),     SIZE(uv_handle_t),      SIZE(uv_req_t),         SIZE(uv_work_t),    SIZE(uv_async_t),
    SIZE(uv_poll_t),     SIZE(uv_timer_t),       SIZE(uv_idle_t),        SIZE(uv_check_t),   SIZE(uv_prepare_t),
    SIZE(uv_signal_t),   SIZE(uv_fs_t),          SIZE(uv_pipe_t),        SIZE(uv_tcp_t),     SIZE(uv_udp_t),
    SIZE(uv_tty_t),      SIZE(uv_stream_t),      SIZE(uv_process_t),     SIZE(uv_fs_event_t), SIZE(uv_fs_poll_t),
    SIZE(uv_getaddrinfo_t), SIZE(uv_getnameinfo_t), SIZE(uv_write_t),    SIZE(uv_connect_t), SIZE(uv_shutdown_t),
    SIZE(uv_udp_send_t), SIZE(uv_random_t),      SIZE(uv_mutex_t),       SIZE(uv_rwlock_t),  SIZE(uv_cond_t),
    SIZE(uv_sem_t),      SIZE(uv_barrier_t),     SIZE(uv_thread_t),      SIZE(uv_once_t),    SIZE(uv_key_t),
    SIZE(uv_lib_t),      SIZE(uv_buf_t),         SIZE(uv_stat_t),        SIZE(uv_timespec_t), SIZE(uv_rusage_t),
    SIZE(uv_cpu_info_t), SIZE(uv_interface_address_t), SIZE(uv_passwd_t), SIZE(uv_utsname_t), SIZE(uv_statfs_t),
    SIZE(uv_dirent_t),   SIZE(uv_dir_t),         SIZE(uv_process_options_t), SIZE(uv_stdio_container_t),
    SIZE(uv_thread_options_t), SIZE(uv_metrics_t),
};

/* sizes() -> {type: sizeof under node 20's uv.h} */
static napi_value Sizes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  NODE_API_CALL(env, napi_create_object(env, &out));
  for (size_t i = 0; i < ARRAY_LENGTH(sizes); i++)
    NODE_API_CALL(env, napi_set_named_property(env, out, sizes[i].name, make_int32(env, (int32_t)sizes[i].size)));
  return out;
}

/* linkedSizes() -> [uv_loop_size(), [uv_handle_size(t) for each handle type], [uv_req_size(t)
 * for each request type]]: what the libuv the addon runs against says. */
static napi_value LinkedSizes(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out, handles, reqs;
  NODE_API_CALL(env, napi_create_array(env, &out));
  NODE_API_CALL(env, napi_create_array(env, &handles));
  NODE_API_CALL(env, napi_create_array(env, &reqs));
  static const uv_handle_type handle_types[] = {
#define XX(uc, lc) UV_##uc,
      UV_HANDLE_TYPE_MAP(XX)
#undef XX
  };
  static const uv_req_type req_types[] = {
#define XX(uc, lc) UV_##uc,
      UV_REQ_TYPE_MAP(XX)
#undef XX
  };
  for (uint32_t i = 0; i < ARRAY_LENGTH(handle_types); i++)
    NODE_API_CALL(env, napi_set_element(env, handles, i, make_int32(env, (int32_t)uv_handle_size(handle_types[i]))));
  for (uint32_t i = 0; i < ARRAY_LENGTH(req_types); i++)
    NODE_API_CALL(env, napi_set_element(env, reqs, i, make_int32(env, (int32_t)uv_req_size(req_types[i]))));
  NODE_API_CALL(env, napi_set_element(env, out, 0, make_int32(env, (int32_t)uv_loop_size())));
  NODE_API_CALL(env, napi_set_element(env, out, 1, handles));
  NODE_API_CALL(env, napi_set_element(env, out, 2, reqs));
  return out;
}

/* headerSizes() -> the same as linkedSizes, by sizeof under the headers compiled against */
static napi_value HeaderSizes(napi_env env, napi_callback_info info) {
  (void)info;
  static const int32_t handle_sizes[] = {
#define XX(uc, lc) (int32_t)sizeof(uv_##lc##_t),
      UV_HANDLE_TYPE_MAP(XX)
#undef XX
  };
  static const int32_t req_sizes[] = {
#define XX(uc, lc) (int32_t)sizeof(uv_##lc##_t),
      UV_REQ_TYPE_MAP(XX)
#undef XX
  };
  napi_value out, handles, reqs;
  NODE_API_CALL(env, napi_create_array(env, &out));
  NODE_API_CALL(env, napi_create_array(env, &handles));
  NODE_API_CALL(env, napi_create_array(env, &reqs));
  for (uint32_t i = 0; i < ARRAY_LENGTH(handle_sizes); i++) NODE_API_CALL(env, napi_set_element(env, handles, i, make_int32(env, handle_sizes[i])));
  for (uint32_t i = 0; i < ARRAY_LENGTH(req_sizes); i++) NODE_API_CALL(env, napi_set_element(env, reqs, i, make_int32(env, req_sizes[i])));
  NODE_API_CALL(env, napi_set_element(env, out, 0, make_int32(env, (int32_t)sizeof(uv_loop_t))));
  NODE_API_CALL(env, napi_set_element(env, out, 1, handles));
  NODE_API_CALL(env, napi_set_element(env, out, 2, reqs));
  return out;
}

/* ---- teardown ----------------------------------------------------------------------------- */

static FILE* teardown_log;
static uv_timer_t closed_by_hook, left_open;
static uv_async_t left_open_async;

static void log_line(const char* what, const char* detail) {
  fprintf(teardown_log, "%s %s\n", what, detail);
  fflush(teardown_log);
}

static void logged_close(uv_handle_t* h) { log_line("close_cb", h->data); }
static void closing_hook(void* arg) {
  log_line("hook", arg);
  uv_close((uv_handle_t*)&closed_by_hook, logged_close);
}
static void plain_hook(void* arg) { log_line("hook", arg); }
static void log_finalizer(napi_env env, void* data, void* hint) {
  (void)env;
  (void)data;
  (void)hint;
  log_line("instance", "finalizer");
}

/* teardownLog(path): unreferenced handles left for teardown, cleanup hooks (one closes a
 * handle) and instance data, each logging to `path` when it runs. */
static napi_value TeardownLog(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv, NULL)) return NULL;
  char path[4096];
  NODE_API_CALL(env, napi_get_value_string_utf8(env, argv[0], path, sizeof path, NULL));
  teardown_log = fopen(path, "w");
  NODE_API_ASSERT(env, teardown_log != NULL, "cannot open the log");
  uv_loop_t* loop = loop_of(env);
  uv_timer_init(loop, &closed_by_hook);
  closed_by_hook.data = "closed by a hook";
  uv_timer_start(&closed_by_hook, (uv_timer_cb)logged_close, 1000000, 0);
  uv_unref((uv_handle_t*)&closed_by_hook);
  uv_timer_init(loop, &left_open);
  left_open.data = "left open";
  uv_timer_start(&left_open, (uv_timer_cb)logged_close, 1000000, 0);
  uv_unref((uv_handle_t*)&left_open);
  uv_async_init(loop, &left_open_async, NULL);
  uv_unref((uv_handle_t*)&left_open_async);
  NODE_API_CALL(env, napi_add_env_cleanup_hook(env, plain_hook, "first"));
  NODE_API_CALL(env, napi_add_env_cleanup_hook(env, closing_hook, "second"));
  NODE_API_CALL(env, napi_set_instance_data(env, NULL, log_finalizer, NULL));
  return make_undefined(env);
}

/* ---- a symbol nobody provides --------------------------------------------------------------- */

/* Defined nowhere: bound lazily, as node binds addons, it only fails when called. A Windows DLL
 * binds every import at link time, so its build leaves this out. */
#ifndef _WIN32
void napi_python_test_symbol_nobody_defines(void);

static napi_value CallMissing(napi_env env, napi_callback_info info) {
  (void)info;
  napi_python_test_symbol_nobody_defines();
  return make_undefined(env);
}
#endif

NAPI_MODULE_INIT() {
  napi_property_descriptor methods[] = {
      DECLARE_METHOD("loopIsDefault", LoopIsDefault),
      DECLARE_METHOD("queueWork", QueueWork),
      DECLARE_METHOD("workStamps", WorkStamps),
      DECLARE_METHOD("blockPool", BlockPool),
      DECLARE_METHOD("gate", Gate),
      DECLARE_METHOD("openGate", OpenGate),
      DECLARE_METHOD("cancelBlocker", CancelBlocker),
      DECLARE_METHOD("queueAndCancel", QueueAndCancel),
      DECLARE_METHOD("asyncSends", AsyncSends),
      DECLARE_METHOD("timer", Timer),
      DECLARE_METHOD("refs", Refs),
      DECLARE_METHOD("throwFromTimer", ThrowFromTimer),
#ifndef _WIN32
      DECLARE_METHOD("pipe", Pipe),
      DECLARE_METHOD("closeFd", CloseFd),
      DECLARE_METHOD("pollRead", PollRead),
#endif
      DECLARE_METHOD("threads", Threads),
      DECLARE_METHOD("sizes", Sizes),
      DECLARE_METHOD("linkedSizes", LinkedSizes),
      DECLARE_METHOD("headerSizes", HeaderSizes),
      DECLARE_METHOD("teardownLog", TeardownLog),
#ifndef _WIN32
      DECLARE_METHOD("callMissing", CallMissing),
#endif
  };
  return EXPORT_METHODS(env, exports, methods);
}
