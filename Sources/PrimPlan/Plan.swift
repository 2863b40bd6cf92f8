import PrimModel

/// What apply does to one resource. A small closed set; apply branches on this only.
public enum Action: String, Sendable, Codable, CaseIterable {
    case create, update, delete, start, stop, restart, reload
    case noop = "no-op"

    /// The tally column: create → add, delete → destroy, the rest → change.
    public var tally: Tally? {
        switch self {
        case .create: return .add
        case .delete: return .destroy
        case .noop: return nil
        default: return .change
        }
    }

    public enum Tally { case add, change, destroy }
}

/// Why a change is planned. Used only to explain; apply never reads it.
public struct Reason: Sendable, Hashable, Codable {
    /// A stable identifier (`restart-triggers-changed`, `new`…).
    public var code: String
    public var message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// One planned change to one resource.
public struct Change: Sendable, Equatable, Codable {
    public var address: ResourceAddress
    public var prim: String?
    public var path: String
    public var action: Action
    public var reason: Reason?
    public var sensitive: Bool
    /// Content before and after, for resources that are not sensitive.
    public var before: String?
    public var after: String?
    /// For sensitive resources: the names (env keys) in the new content.
    public var keys: [String]
    /// For sensitive resources: where each key's value comes from (never the value).
    public var sources: [String: ValueSource]
    /// Whether the resource's file content is written by this change.
    public var writesContent: Bool
    /// The change takes over (or removes) a resource prim did not create, which is in the way (a
    /// file without prim's marker, a record `dns.adopt` takes): the apply records it as prim's.
    /// Carried as a field so that the apply never reads a reason.
    public var adopts = false
    /// What the plan says the change does, where the action's own word does not say it (a
    /// certificate is `issued` or `renewed`, not `created` or `updated`).
    public var verb: String?
    /// Carried out with the removals, after every kind's creations (a record that moves to this
    /// host only once Caddy here routes its prim). Carried as a field so that the apply never reads a reason.
    public var late = false

    public init(
        address: ResourceAddress, prim: String?, path: String, action: Action, reason: Reason? = nil,
        sensitive: Bool = false, before: String? = nil, after: String? = nil, keys: [String] = [],
        sources: [String: ValueSource] = [:], writesContent: Bool = false
    ) {
        self.address = address
        self.prim = prim
        self.path = path
        self.action = action
        self.reason = reason
        self.sensitive = sensitive
        self.before = sensitive ? nil : before
        self.after = sensitive ? nil : after
        self.keys = keys
        self.sources = sources
        self.writesContent = writesContent
    }
}

/// A deployable prim that cannot be deployed until an operator supplies something.
public struct BlockedPrim: Sendable, Equatable, Codable {
    public var prim: String
    public var missingEnv: [String]
    public var message: String

    enum CodingKeys: String, CodingKey {
        case prim, message
        case missingEnv = "missing_env"
    }

    public init(prim: String, missingEnv: [String], message: String) {
        self.prim = prim
        self.missingEnv = missingEnv
        self.message = message
    }
}

/// The plan: every resource's change, in apply order, and the prims that are blocked.
public struct Plan: Sendable, Equatable {
    public var host: String
    public var changes: [Change]
    public var blocked: [BlockedPrim]
    /// What the operator should know that blocks nothing (a secret set in two places, and which wins).
    public var notes: [String]
    /// Prims that leave this host because the state places them on another, which has taken
    /// their records: removing them here removes nothing from the fleet (the mass-deletion guard
    /// does not count them).
    public var moved: [String] = []

    public init(host: String, changes: [Change], blocked: [BlockedPrim] = [], notes: [String] = []) {
        self.host = host
        self.changes = changes
        self.blocked = blocked
        self.notes = notes
    }

    public var pending: [Change] { changes.filter { $0.action != .noop } }

    /// Whether live state differs from desired state (including blocked prims).
    /// Whether an apply would change something. A blocked prim is a warning, not a change: it is left
    /// as it is live until it can be deployed.
    public var hasChanges: Bool { !pending.isEmpty }

    public var toAdd: Int { changes.filter { $0.action.tally == .add }.count }
    public var toChange: Int { changes.filter { $0.action.tally == .change }.count }
    public var toDestroy: Int { changes.filter { $0.action.tally == .destroy }.count }
}
