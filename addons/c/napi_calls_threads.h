/* napi_calls.c's threads and the lock of its works' gate: POSIX threads, or on Windows its own
 * (winpthreads would bring mingw-w64's TLS support along, and scripts/windows builds the addons
 * without a TLS directory). */
#ifndef NAPI_CALLS_THREADS_H
#define NAPI_CALLS_THREADS_H

#include <stdbool.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN /* no winspool.h, whose names would clash with the addon's */
#endif
#include <windows.h>

typedef SRWLOCK gate_mutex;
typedef CONDITION_VARIABLE gate_cond;
#define GATE_MUTEX_INIT SRWLOCK_INIT
#define GATE_COND_INIT CONDITION_VARIABLE_INIT
typedef ULONGLONG gate_deadline; /* GetTickCount64's milliseconds */

static void gate_mutex_lock(gate_mutex* m) { AcquireSRWLockExclusive(m); }
static void gate_mutex_unlock(gate_mutex* m) { ReleaseSRWLockExclusive(m); }
static void gate_cond_wait(gate_cond* c, gate_mutex* m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
static void gate_cond_broadcast(gate_cond* c) { WakeAllConditionVariable(c); }
static gate_deadline gate_deadline_in(int seconds) { return GetTickCount64() + 1000ull * (ULONGLONG)seconds; }

/* Waits for a signal until the deadline: false once it has passed. */
static bool gate_cond_wait_until(gate_cond* c, gate_mutex* m, gate_deadline until) {
  ULONGLONG now = GetTickCount64();
  if (now >= until) return false;
  return SleepConditionVariableSRW(c, m, (DWORD)(until - now), 0) || GetLastError() != ERROR_TIMEOUT;
}

typedef struct {
  HANDLE handle;
  void* (*fn)(void*);
  void* arg;
} joinable_thread;

static DWORD WINAPI joinable_run(LPVOID t) {
  joinable_thread* self = t;
  self->fn(self->arg);
  return 0;
}

/* Starts fn(arg) on a thread that join_thread waits for; `t` lives until then. 0, or not. */
static int start_thread(joinable_thread* t, void* (*fn)(void*), void* arg) {
  t->fn = fn;
  t->arg = arg;
  t->handle = CreateThread(NULL, 0, joinable_run, t, 0, NULL);
  return t->handle == NULL;
}

static void join_thread(joinable_thread* t) {
  WaitForSingleObject(t->handle, INFINITE);
  CloseHandle(t->handle);
}
#else
#include <pthread.h>
#include <time.h>

typedef pthread_mutex_t gate_mutex;
typedef pthread_cond_t gate_cond;
#define GATE_MUTEX_INIT PTHREAD_MUTEX_INITIALIZER
#define GATE_COND_INIT PTHREAD_COND_INITIALIZER
typedef struct timespec gate_deadline;

static void gate_mutex_lock(gate_mutex* m) { pthread_mutex_lock(m); }
static void gate_mutex_unlock(gate_mutex* m) { pthread_mutex_unlock(m); }
static void gate_cond_wait(gate_cond* c, gate_mutex* m) { pthread_cond_wait(c, m); }
static void gate_cond_broadcast(gate_cond* c) { pthread_cond_broadcast(c); }

static gate_deadline gate_deadline_in(int seconds) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += seconds;
  return until;
}

/* Waits for a signal until the deadline: false once it has passed. */
static bool gate_cond_wait_until(gate_cond* c, gate_mutex* m, gate_deadline until) {
  return pthread_cond_timedwait(c, m, &until) == 0;
}

typedef struct {
  pthread_t handle;
} joinable_thread;

/* Starts fn(arg) on a thread that join_thread waits for. 0, or an error number. */
static int start_thread(joinable_thread* t, void* (*fn)(void*), void* arg) {
  return pthread_create(&t->handle, NULL, fn, arg);
}

static void join_thread(joinable_thread* t) { pthread_join(t->handle, NULL); }
#endif

#endif
