#ifndef PRIM_CSHIMS_H
#define PRIM_CSHIMS_H
#include <curl/curl.h>

/* Typed, non-variadic wrappers for libcurl's variadic calls (Swift cannot call C varargs). */
typedef size_t (*prim_curl_write_fn)(char *data, size_t size, size_t count, void *context);

CURLcode prim_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode prim_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode prim_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode prim_curl_set_write(CURL *handle, prim_curl_write_fn function, void *context);
CURLcode prim_curl_set_header(CURL *handle, prim_curl_write_fn function, void *context);
CURLcode prim_curl_info_long(CURL *handle, CURLINFO info, long *value);

/* A listening TCP socket: its local port, inode and cgroup (ControlGroupId), from sock_diag. */
#include <stdint.h>
struct prim_listener {
    uint16_t port;
    uint64_t inode;
    uint64_t cgroup;
};

/* The listening TCP sockets (IPv4 and IPv6) on `ports`: how many were written to `out` (at most
 * `max`), or a negative errno. */
int prim_tcp_listeners(const uint16_t *ports, int nports, struct prim_listener *out, int max);

/* Gives the heap's free memory back to the system (glibc's malloc_trim(0)). */
void prim_heap_trim(void);

#endif
