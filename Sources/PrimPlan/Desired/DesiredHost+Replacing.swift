extension DesiredHost {
    /// This rendering with some prims' resources taken from another (a rollback to an older commit);
    /// Caddy's config is composed again from the resulting fragments.
    public func replacing(prims: Set<String>, from other: DesiredHost) -> DesiredHost {
        guard !prims.isEmpty else { return self }
        var kept = resources.filter { $0.address.kind != .caddyConfig && !prims.contains($0.prim ?? "") }
        kept += other.resources.filter { prims.contains($0.prim ?? "") }
        let admin = resources.first { $0.address.kind == .caddyConfig }?.path ?? ""
        kept.sort { $0.address < $1.address }
        kept.append(DesiredBuilder.caddyConfig(kept, admin: admin))
        var ports = self.ports.filter { !prims.contains($0.key) }
        for (prim, port) in other.ports where prims.contains(prim) { ports[prim] = port }
        return DesiredHost(host: host, resources: kept, blocked: blocked.filter { !prims.contains($0.prim) }, ports: ports)
    }
}
