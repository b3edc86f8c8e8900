#ifndef RTS_CLIBWEBSOCKETS_SHIM_H
#define RTS_CLIBWEBSOCKETS_SHIM_H
#include <libwebsockets.h>
#include <ev.h>
#include <stdlib.h>

/* LWS_PRE is a padding macro expression Swift cannot import. */
static inline size_t rts_lws_pre(void) { return LWS_PRE; }

/* A scheduled callback that can find its owner: lws hands the callback only the
 * sul pointer, which is the first member here. */
typedef struct rts_sul_owner {
	lws_sorted_usec_list_t sul;
	void *owner;
} rts_sul_owner_t;

static inline void *rts_sul_owner_of(lws_sorted_usec_list_t *sul) {
	return ((rts_sul_owner_t *)sul)->owner;
}

/* The libev loop lws runs on as a "foreign" loop (see LWSServiceLoop). ev.h's API takes
 * `struct ev_loop *`; these keep it opaque. */
static inline void *rts_ev_loop_new(void) { return ev_loop_new(EVFLAG_AUTO); }
/* One pass: waits for at least one event, handles what is ready. */
static inline int rts_ev_run_once(void *loop) { return ev_run((struct ev_loop *)loop, EVRUN_ONCE); }
static inline void rts_ev_loop_destroy(void *loop) { ev_loop_destroy((struct ev_loop *)loop); }

/* A read watcher on a descriptor of our own (the listening socket) in that loop; `ready`
 * gets `owner` back. */
typedef void (*rts_ev_ready_cb)(void *owner);
typedef struct rts_ev_reader {
	ev_io io; /* first: libev hands the callback this pointer */
	rts_ev_ready_cb ready;
	void *owner;
} rts_ev_reader_t;

static void rts_ev_reader_fired(struct ev_loop *loop, ev_io *io, int revents) {
	(void)loop; (void)revents;
	rts_ev_reader_t *reader = (rts_ev_reader_t *)io;
	reader->ready(reader->owner);
}

static inline rts_ev_reader_t *rts_ev_reader_start(void *loop, int fd, rts_ev_ready_cb ready, void *owner) {
	rts_ev_reader_t *reader = (rts_ev_reader_t *)calloc(1, sizeof(*reader));
	if (!reader) return NULL;
	reader->ready = ready;
	reader->owner = owner;
	ev_io_init(&reader->io, rts_ev_reader_fired, fd, EV_READ);
	ev_io_start((struct ev_loop *)loop, &reader->io);
	return reader;
}

static inline void rts_ev_reader_stop(void *loop, rts_ev_reader_t *reader) {
	ev_io_stop((struct ev_loop *)loop, &reader->io);
	free(reader);
}

#endif
