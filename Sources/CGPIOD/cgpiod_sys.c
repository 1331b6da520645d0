// GNU-only system calls that Swift's Glibc module does not export.
#define _GNU_SOURCE
#include "cgpiod.h"
#include <fcntl.h>
#include <sys/eventfd.h>
#include <unistd.h>

int cgpiod_wake_fd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

int cgpiod_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <pthread.h>
void cgpiod_name_this_thread(const char *name) {
    char shortened[16];  // Linux limits thread names to 15 bytes
    size_t i = 0;
    for (; name[i] && i < sizeof shortened - 1; i++) shortened[i] = name[i];
    shortened[i] = 0;
    pthread_setname_np(pthread_self(), shortened);
}
