/* The host's own sockets, found as an addon going through its descriptors would (hostile_host.c and
 * isolation.c play such an addon): napi-hostd keeps its descriptors above the numbers a
 * program's have (server/hostd/src/descriptors.rs), the socket beside the rings first and the
 * event socket after it, so they are the first two sockets from fd 3 on. */
#ifndef NAPI_PYTHON_TEST_HOST_SOCKETS_H
#define NAPI_PYTHON_TEST_HOST_SOCKETS_H

#include <sys/stat.h>

/* The `which`th socket among this process's descriptors (0: the main one, 1: the event
 * socket), or -1. */
static inline int host_socket(int which) {
  for (int fd = 3; fd < 4096; fd++) {
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) && which-- == 0) return fd;
  }
  return -1;
}

#endif
