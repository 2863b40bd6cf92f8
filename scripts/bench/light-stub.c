/* A stub prim light enough that a thousand run on one small machine: one process, one
 * thread, a few hundred KB of memory. It listens on 127.0.0.1:$PORT and answers every request
 * with 200 and {"service": "<name>", "status": "ok"}. Built by scripts/bench-apply. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "stub";
    const char *port = getenv("PORT");
    if (!port) { fprintf(stderr, "PORT is not set\n"); return 2; }
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) || listen(fd, 64)) { perror("listen"); return 1; }
    char body[256], response[512], request[4096];
    int length = snprintf(body, sizeof body, "{\"service\": \"%s\", \"status\": \"ok\"}", name);
    int size = snprintf(response, sizeof response,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
                        length, body);
    for (;;) {
        int client = accept(fd, NULL, NULL);
        if (client < 0) continue;
        ssize_t got = 0, n;
        while (got < (ssize_t)sizeof request - 1 && (n = read(client, request + got, sizeof request - 1 - got)) > 0) {
            got += n;
            request[got] = 0;
            if (strstr(request, "\r\n\r\n")) break;
        }
        if (write(client, response, size) < 0) { /* the client left */ }
        close(client);
    }
}
