/* The listening TCP sockets on given ports, with the cgroup each belongs to, from the kernel's
 * sock_diag netlink interface: work proportional to the sockets, not to the processes. */
#include "cshims.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>

static int dump(int family, const uint16_t *ports, int nports, struct prim_listener *out, int count, int max) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return -errno;
    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 request;
    } message;
    memset(&message, 0, sizeof message);
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.request.sdiag_family = family;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = 1 << 10; /* TCP_LISTEN */
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(fd, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    char buffer[32768];
    for (;;) {
        ssize_t got = recv(fd, buffer, sizeof buffer, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            int error = errno;
            close(fd);
            return -error;
        }
        for (struct nlmsghdr *header = (struct nlmsghdr *)buffer; NLMSG_OK(header, (size_t)got); header = NLMSG_NEXT(header, got)) {
            if (header->nlmsg_type == NLMSG_DONE) { close(fd); return count; }
            if (header->nlmsg_type == NLMSG_ERROR) { close(fd); return -EPROTO; }
            struct inet_diag_msg *diag = NLMSG_DATA(header);
            uint16_t port = ntohs(diag->id.idiag_sport);
            int wanted = 0;
            for (int i = 0; i < nports; i++) if (ports[i] == port) wanted = 1;
            if (!wanted || count >= max) continue;
            uint64_t cgroup = 0;
            int length = header->nlmsg_len - NLMSG_LENGTH(sizeof *diag);
            for (struct rtattr *attribute = (struct rtattr *)(diag + 1); RTA_OK(attribute, length); attribute = RTA_NEXT(attribute, length)) {
                if (attribute->rta_type == INET_DIAG_CGROUP_ID && RTA_PAYLOAD(attribute) >= sizeof cgroup) memcpy(&cgroup, RTA_DATA(attribute), sizeof cgroup);
            }
            out[count].port = port;
            out[count].inode = diag->idiag_inode;
            out[count].cgroup = cgroup;
            count++;
        }
    }
}

int prim_tcp_listeners(const uint16_t *ports, int nports, struct prim_listener *out, int max) {
    int count = dump(AF_INET, ports, nports, out, 0, max);
    if (count < 0) return count;
    return dump(AF_INET6, ports, nports, out, count, max);
}
