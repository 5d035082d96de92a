/* Starting a thread nobody joins, for the test addons that hand work to threads of their own. */
#ifndef DETACHED_THREAD_H
#define DETACHED_THREAD_H

#ifdef _WIN32
#include <errno.h>
#include <stdlib.h>
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN /* no winspool.h, whose AddJob would clash with an addon's name */
#endif
#include <windows.h>

/* A Windows thread, not winpthreads': linking winpthreads brings mingw-w64's TLS support along,
 * which gives the addon a TLS directory (scripts/windows builds the addons without one). */
struct detached_start {
  void* (*fn)(void*);
  void* arg;
};

static DWORD WINAPI detached_run(LPVOID start) {
  struct detached_start s = *(struct detached_start*)start;
  free(start);
  s.fn(s.arg);
  return 0;
}

/* Starts fn(arg) on a thread of its own that nobody joins. Returns 0, or an error number. */
static inline int start_detached(void* (*fn)(void*), void* arg) {
  struct detached_start* start = malloc(sizeof *start);
  if (start == NULL) return ENOMEM;
  start->fn = fn;
  start->arg = arg;
  HANDLE thread = CreateThread(NULL, 0, detached_run, start, 0, NULL);
  if (thread == NULL) {
    free(start);
    return EAGAIN;
  }
  CloseHandle(thread);
  return 0;
}
#else
#include <pthread.h>

/* Starts fn(arg) on a thread of its own, detached from the start (not pthread_create then
 * pthread_detach, which may find the thread ended), so that it frees its own record on the way
 * out. Returns pthread_create's error number. */
static inline int start_detached(void* (*fn)(void*), void* arg) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t t;
  int rc = pthread_create(&t, &attr, fn, arg);
  pthread_attr_destroy(&attr);
  return rc;
}
#endif

#endif
