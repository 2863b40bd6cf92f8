extension DesiredHost {
    /// This rendering with some prims' resources taken from another (a rollback to an older commit);
    /// Caddy's config is composed again from the resulting fragments.
    public func replacing(prims: Set<String>, from other: DesiredHost) -> DesiredHost {
        guard !prims.isEmpty else { return self }
        var kept = resources.filter { $0.address.kind != .caddyConfig && !prims.contains($0.prim ?? "") }
        kept += other.resources.filter { prims.contains($0.prim ?? "") }
        kept.sort { $0.address < $1.address }
        var ports = self.ports.filter { !prims.contains($0.key) }
        for (prim, port) in other.ports where prims.contains(prim) { ports[prim] = port }
        return DesiredHost(host: host, resources: withCaddyConfig(kept), blocked: blocked.filter { !prims.contains($0.prim) }, ports: ports)
    }

    /// The same rendering with some prims blocked: their resources are left as they are live.
    func blocking(_ more: [BlockedPrim]) -> DesiredHost {
        guard !more.isEmpty else { return self }
        let prims = Set(more.map(\.prim))
        let kept = resources.filter { !prims.contains($0.prim ?? "") && $0.address.kind != .caddyConfig }
        return DesiredHost(host: host, resources: withCaddyConfig(kept), blocked: blocked + more, ports: ports.filter { !prims.contains($0.key) })
    }

    /// `resources` (no Caddy config among them) with Caddy's config composed again from their
    /// fragments, for this rendering's admin address.
    func withCaddyConfig(_ resources: [DesiredResource]) -> [DesiredResource] {
        let admin = self.resources.first { $0.address.kind == .caddyConfig }?.path ?? ""
        return resources + [DesiredBuilder.caddyConfig(resources, admin: admin)]
    }
}
