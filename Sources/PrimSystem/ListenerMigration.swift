/// Whether the kernel moves the connections queued on a closing listening socket to another socket
/// of its `SO_REUSEPORT` group (`net.ipv4.tcp_migrate_req`). Caddy 2.6 opens a new socket at each
/// config load and closes the old one; without the setting the kernel resets what was queued on the
/// old one, so requests in flight fail at the loads every prim change makes. The package sets it
/// (`/usr/lib/sysctl.d/50-prim.conf`); a host where that did not take (an override, a container
/// whose `/proc/sys` is read-only) is told at primd's start.
public enum ListenerMigration {
    public static let setting = "/proc/sys/net/ipv4/tcp_migrate_req"

    /// What primd logs when the setting reads 0; nil when it is on or the kernel has none (before 5.14).
    public static func warning(reading path: String = setting) -> String? {
        guard let value = FileReader.stream(path), value.first == UInt8(ascii: "0") else { return nil }
        return
            "net.ipv4.tcp_migrate_req is 0: each Caddy config load resets the connections queued on its old listening socket, so requests in flight can fail at any prim change; set it to 1 (the package's /usr/lib/sysctl.d/50-prim.conf does, unless a later sysctl file sets 0 or this host does not allow it): sysctl -w net.ipv4.tcp_migrate_req=1"
    }
}
