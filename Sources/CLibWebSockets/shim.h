#ifndef RTS_CLIBWEBSOCKETS_SHIM_H
#define RTS_CLIBWEBSOCKETS_SHIM_H
#include <libwebsockets.h>
#include <ev.h>

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

#endif
