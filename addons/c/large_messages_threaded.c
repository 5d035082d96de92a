/* large_messages.h with thread-local storage (a PT_TLS program header; on Windows, where mingw
 * emulates __thread, the TLS directory mingw-w64's runtime gives it, scripts/windows addons), as
 * napi-rs addons have: an in-process host then serves every request on its own thread, over the
 * rings. */
#include "large_messages.h"

__thread int large_messages_thread_marker;
