#ifndef RTS_CLIBWEBSOCKETS_SHIM_H
#define RTS_CLIBWEBSOCKETS_SHIM_H
#include <libwebsockets.h>

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

#endif
