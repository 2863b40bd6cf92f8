extension DesiredHost {
    /// This rendering with some prims' resources taken from another (a rollback to an older commit).
    public func replacing(prims: Set<String>, from other: DesiredHost) -> DesiredHost {
        guard !prims.isEmpty else { return self }
        var kept = resources.filter { !prims.contains($0.prim ?? "\u{0}") }
        kept += other.resources.filter { prims.contains($0.prim ?? "\u{0}") }
        kept.sort { $0.address < $1.address }
        var ports = self.ports.filter { !prims.contains($0.key) }
        for (prim, port) in other.ports where prims.contains(prim) { ports[prim] = port }
        var renderings = self.renderings.filter { !prims.contains($0.key) }
        for (prim, rendering) in other.renderings where prims.contains(prim) { renderings[prim] = rendering }
        var result = self
        result.resources = kept
        result.blocked = blocked.filter { !prims.contains($0.prim) }
        result.ports = ports
        result.renderings = renderings
        result.undeployed = undeployed.filter { !prims.contains($0.key) }
        result.departing = departing.filter { !prims.contains($0.key) }
        return result
    }

    /// The same rendering with some prims blocked: their resources are left as they are live.
    func blocking(_ more: [BlockedPrim]) -> DesiredHost {
        guard !more.isEmpty else { return self }
        let prims = Set(more.map(\.prim))
        var result = self
        result.resources = resources.filter { !prims.contains($0.prim ?? "\u{0}") }
        result.blocked = blocked + more
        result.ports = ports.filter { !prims.contains($0.key) }
        result.renderings = renderings.filter { !prims.contains($0.key) }
        return result
    }
}
