import PrimModel

extension ObservedState {
    /// What a host would look like with `desired` fully applied: every resource present and
    /// owned, as each kind would observe it. Planning a newer state against it answers
    /// "what would change on merge" without asking a live host (pr.sh's plan check).
    public init(assumingApplied desired: DesiredHost, kinds: [any KindPlanner]) {
        self.init(resources: kinds.flatMap { $0.assumedApplied(desired) })
    }
}
