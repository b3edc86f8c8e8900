#ifndef RTS_CLIBWEBSOCKETS_SHIM_H
#define RTS_CLIBWEBSOCKETS_SHIM_H
#include <libwebsockets.h>
#endif
