/* The far side of the spinning shared-memory round trip (shm_line.h): a process of its own, as
 * napi-hostd is, that answers each request with its payload. The mapping is its fd 3; it ends on
 * the STOP request, and with its parent (the benchmark), whichever comes first. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "shm_line.h"

int main(void) {
  pid_t parent = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 1; /* the parent ended before the line above */
  struct pingpong* p = mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED, 3, 0);
  if (p == MAP_FAILED) {
    perror("shm_echo: mmap of fd 3");
    return 1;
  }
  /* The lines start zeroed: a first request may already be there. */
  uint32_t seen = 0;
  for (;;) {
    /* No deadline of its own: the parent's end ends this process. */
    while (!wait_for_change(&p->request, seen, 1000000000)) {
    }
    seen = atomic_load_explicit(&p->request.seq, memory_order_acquire);
    if (seen == STOP) return 0;
    char payload[PAYLOAD];
    memcpy(payload, p->request.payload, PAYLOAD);
    post(&p->reply, payload, seen);
  }
}
