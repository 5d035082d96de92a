#include "loop_state.h"

#include <stdatomic.h>

#include "unix/internal.h" /* UV_LOOP_REAP_CHILDREN */

size_t napi_libuv_alignment(void) {
  return _Alignof(max_align_t);
}

int napi_libuv_has_new_watchers(const uv_loop_t* loop) {
  return loop->watcher_queue.next != &loop->watcher_queue;
}

uint64_t napi_libuv_timer_counter(const uv_loop_t* loop) {
  return loop->timer_counter;  /* uv_timer_start takes its next value */
}

int napi_libuv_changed_since(const uv_loop_t* loop, uint64_t timers_at_sleep) {
  /* uv_backend_timeout's own tests (src/unix/core.c), but its look at the timer heap. */
  return loop->timer_counter != timers_at_sleep
      || loop->watcher_queue.next != &loop->watcher_queue
      || loop->stop_flag != 0
      || (loop->active_handles == 0 && loop->active_reqs.count == 0)
      || loop->pending_queue.next != &loop->pending_queue
      || loop->idle_handles.next != &loop->idle_handles
      || (loop->flags & UV_LOOP_REAP_CHILDREN) != 0
      || loop->closing_handles != NULL;
}

/* The loop's async handles change only on its own thread, the caller's. `pending` is written by
 * the senders' threads (src/unix/async.c, uv_async_send): bit 0 set, then 2 added per sender
 * until its write to the loop's descriptor is done, so 1 means "sent, the descriptor readable". */
int napi_libuv_async_pending(uv_loop_t* loop) {
  struct uv__queue* q;
  for (q = loop->async_handles.next; q != &loop->async_handles; q = q->next) {
    uv_async_t* handle = (uv_async_t*) ((char*) q - offsetof(uv_async_t, queue));
    if (atomic_load_explicit((_Atomic int*) &handle->pending, memory_order_acquire) == 1)
      return 1;
  }
  return 0;
}
