#ifndef RTS_CHIREDIS_SHIM_H
#define RTS_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/time.h>
#include <unistd.h>
#include <stdint.h>

/* A wake-up descriptor for a connection's thread (it polls it next to its socket). */
static inline int rts_wake_create(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline void rts_wake_signal(int fd) { uint64_t one = 1; ssize_t n = write(fd, &one, sizeof one); (void)n; }
static inline void rts_wake_drain(int fd) { uint64_t value; ssize_t n = read(fd, &value, sizeof value); (void)n; }

#endif
