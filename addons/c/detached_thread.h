/* Starting a thread nobody joins, for the test addons that hand work to threads of their own. */
#ifndef DETACHED_THREAD_H
#define DETACHED_THREAD_H

#include <pthread.h>

/* Starts fn(arg) on a thread of its own, detached from the start: never pthread_create then
 * pthread_detach. mingw-w64's winpthreads (the Windows build links it in) recycles a thread's
 * record when pthread_detach finds the thread ended, while that thread's exit (its TLS callback)
 * may still be about to read the record: a thread created meanwhile gets the same record, and
 * under wine one of 4 short producers then never ran or ran with a NULL argument (an access
 * violation). A thread detached from the start frees its own record on the way out. Returns
 * pthread_create's error number. */
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
