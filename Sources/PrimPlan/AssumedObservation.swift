import PrimModel

extension ObservedState {
    /// What a host would look like with `desired` fully applied: every resource present and
    /// owned, units that should run running. Planning a newer state against it answers
    /// "what would change on merge" without asking a live host (pr.sh's plan check).
    public init(assumingApplied desired: DesiredHost) {
        let resources = desired.resources.filter { $0.address.kind != .caddyConfig }.map { resource in
            ObservedResource(address: resource.address, path: resource.path,
                             content: resource.sensitive ? nil : resource.content, digest: resource.digest,
                             runtime: resource.address.kind == .unit
                                 ? UnitRuntime(loadState: "loaded", activeState: resource.running ? "active" : "inactive")
                                 : nil)
        }
        let sites = desired.resources.first { $0.address.kind == .caddyConfig }.map { Set($0.keys) } ?? []
        self.init(resources: resources, caddySites: sites)
    }
}
