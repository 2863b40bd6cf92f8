import PrimModel

/// What one kind's planner is given: everything desired (prims blocked by any kind already taken
/// out) and observed, and the changes the kinds before it in the create order planned.
public struct KindPlanInput: Sendable {
    public var desired: DesiredHost
    public var observed: ObservedState
    public var earlier: [Change]

    public init(desired: DesiredHost, observed: ObservedState, earlier: [Change] = []) {
        self.desired = desired
        self.observed = observed
        self.earlier = earlier
    }

    public var blocked: Set<String> { Set(desired.blocked.map(\.prim)) }

    public func desired(of kind: ResourceKind) -> [DesiredResource] {
        desired.resources.filter { $0.address.kind == kind }
    }

    /// Why a live resource of a prim nothing deploys is removed: the prim's file says why (no
    /// status, a status that does not deploy), or no file declares the prim any more.
    public func removalReason(_ prim: String?) -> Reason {
        if let prim, let why = desired.undeployed[prim] { return Reason("undeployed", why) }
        return KindPlanInput.undeclared
    }

    public static let undeclared = Reason("removed", "no deployed prim declares it any more")
}

/// The pure half of a resource kind: where it stands in the apply order and how it compares
/// what is desired with what is live. A reconciler (PrimEngine) adds observing and executing.
public protocol KindPlanner: Sendable {
    var kind: ResourceKind { get }
    /// Creations and updates run in ascending create order, removals in ascending removal order.
    var createOrder: Int { get }
    var removalOrder: Int { get }
    /// Whether the kind's contents are values that are never shown (env files).
    var sensitive: Bool { get }

    /// Prims this kind cannot deploy against what is live (a foreign DNS record at a prim's name):
    /// those prims are left as they are live; the rest proceed.
    func blocks(_ desired: DesiredHost, _ observed: ObservedState) -> [BlockedPrim]
    /// One desired resource against what is live: the change, with its action.
    func compare(_ desired: DesiredResource, _ live: ObservedResource?) -> Change
    /// All of the kind's changes. The default compares each desired resource and deletes the owned
    /// live ones nothing wants (but not a blocked prim's).
    func plan(_ input: KindPlanInput) -> [Change]
    /// The action that finishes an interrupted apply's step (its action) that now looks converged;
    /// nil when rewriting the same content was all the step did.
    func resumeAction(unfinished: Action) -> Action?
    /// What the host would observe of this kind once `desired` is applied (pr.sh's plan check).
    func assumedApplied(_ desired: DesiredHost) -> [ObservedResource]
    /// Lines the plan shows about the kind's changes (what an apply will pay a provider).
    func notes(_ changes: [Change], _ observed: ObservedState) -> [String]
}

extension KindPlanner {
    public var sensitive: Bool { false }

    public func blocks(_ desired: DesiredHost, _ observed: ObservedState) -> [BlockedPrim] { [] }

    public func resumeAction(unfinished: Action) -> Action? { nil }

    public func notes(_ changes: [Change], _ observed: ObservedState) -> [String] { [] }

    public func plan(_ input: KindPlanInput) -> [Change] {
        let desired = input.desired(of: kind)
        let wanted = Set(desired.map(\.address))
        var changes = desired.map { compare($0, input.observed.resources[$0.address]) }
        let blocked = input.blocked
        for live in input.observed.of(kind).sorted(by: { $0.address < $1.address })
        where live.owned && !wanted.contains(live.address) && !blocked.contains(live.prim ?? "\u{0}") {
            changes.append(removal(live, input.removalReason(live.prim)))
        }
        return changes
    }

    /// Deleting an owned live resource nothing declares any more.
    public func removal(_ live: ObservedResource, _ reason: Reason = KindPlanInput.undeclared) -> Change {
        Change(
            address: live.address, prim: live.prim, path: live.path, action: .delete, reason: reason,
            sensitive: sensitive, before: live.content)
    }

    public func compare(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        compareFile(resource, live)
    }

    /// A file's comparison: created, unchanged, taken over, or rewritten.
    public func compareFile(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        func change(_ action: Action, _ reason: Reason?, writes: Bool) -> Change {
            Change(
                address: resource.address, prim: resource.prim, path: resource.path, action: action, reason: reason,
                sensitive: resource.sensitive, before: live?.content, after: resource.content, keys: resource.keys,
                sources: resource.sources, writesContent: writes)
        }
        guard let live else { return change(.create, Reason("new", "not on the host yet"), writes: true) }
        if live.digest == resource.digest { return change(.noop, nil, writes: false) }
        if !live.owned {
            var adoption = change(
                .update, Reason("adopt", "a file without prim's marker is in the way; prim will take it over"),
                writes: true)
            adoption.adopts = true
            return adoption
        }
        if resource.sensitive {
            return change(
                .update, Reason("content-changed", "values changed; they are sensitive and not shown"), writes: true)
        }
        return change(.update, Reason("content-changed", "content changed"), writes: true)
    }

    public func assumedApplied(_ desired: DesiredHost) -> [ObservedResource] {
        desired.resources.filter { $0.address.kind == kind }.map { resource in
            ObservedResource(
                address: resource.address, path: resource.path,
                content: resource.sensitive ? nil : resource.content, digest: resource.digest,
                runtime: UnitRuntime(loadState: "loaded", activeState: resource.running ? "active" : "inactive"),
                prim: resource.prim, keys: resource.keys, attributes: resource.attributes)
        }
    }
}
