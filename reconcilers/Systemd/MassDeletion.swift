import PrimPlan

/// The guard against removing most of a host by accident (a state read half-empty, a bad merge):
/// a plan that would remove (or stop, `hold`) every prim deployed on the host, whatever their number, or more than
/// max(3, 30 %) of them, needs an explicit "yes, all of them" (`--allow-mass-delete`, primd's
/// `controller.allow_mass_delete`).
public enum MassDeletion {
    public static let minimum = 3
    public static let fraction = 0.3

    /// Why the plan must not run without the override, naming the prims; nil when it may.
    public static func refusal(_ plan: Plan) -> String? {
        let units = plan.changes.filter { $0.address.kind == .unit }
        let deployed = Set(units.filter { $0.action != .create }.compactMap(\.prim))
        // A unit from before versions whose prim's template takes over is not a removal.
        let staying = Set(
            units.filter {
                ResourceNames.isTemplate($0.address.name) && $0.action != .delete && $0.action != .stop
                    && $0.reason?.code != "hold"
            }
            .compactMap(\.prim))
        // A prim stopped (`hold`) serves nothing either: it counts as removed here.
        // A prim moved to another host is not removed from the fleet.
        let removed = Set(units.filter { $0.action == .delete || $0.action == .stop }.compactMap(\.prim)).subtracting(
            staying
        ).subtracting(plan.moved).sorted()
        let verb = units.contains { $0.action == .stop } ? "stop or remove" : "remove"
        let override = "if that is meant, apply with --allow-mass-delete (primd: controller.allow_mass_delete: true)"
        let names = removed.joined(separator: ", ")
        if !removed.isEmpty && removed.count == deployed.count {
            let what = removed.count == 1 ? "the only prim" : "all \(removed.count) prims"
            return
                "this would \(verb) \(what) deployed on host '\(plan.host)' (\(names)), every prim it serves now; \(override)"
        }
        let limit = max(minimum, Int(Double(deployed.count) * fraction))
        guard removed.count > limit else { return nil }
        return
            "this would \(verb) \(removed.count) of the \(deployed.count) prims deployed on host '\(plan.host)' (\(names)), more than the \(limit) an apply may remove on its own; \(override)"
    }
}
