import PrimModel

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// Renders a plan as JSON (schema `prim.plan/v1`, documented in the README).
public enum JSONPlanRenderer {
    struct Document: Encodable {
        var format_version = "1"
        var host: String
        var changed: Bool
        var summary: Summary
        var changes: [Entry]
        var blocked: [BlockedPrim]
        var notes: [String]?
    }

    struct Summary: Encodable {
        var add: Int
        var change: Int
        var destroy: Int
        var blocked: Int
    }

    struct Entry: Encodable {
        var address: String
        var kind: String
        var name: String
        var prim: String?
        var path: String
        var action: String
        var verb: String?
        var reason: Reason?
        var sensitive: Bool
        var before: String?
        var after: String?
        var keys: [String]?
        var sources: [String: ValueSource]?
    }

    public static func document(_ plan: Plan) -> some Encodable {
        Document(
            host: plan.host, changed: plan.hasChanges,
            summary: Summary(
                add: plan.toAdd, change: plan.toChange, destroy: plan.toDestroy, blocked: plan.blocked.count),
            changes: plan.changes.map { change in
                Entry(
                    address: change.address.key, kind: change.address.kind.rawValue,
                    name: change.address.name, prim: change.prim, path: change.path, action: change.action.rawValue,
                    verb: change.verb, reason: change.reason, sensitive: change.sensitive, before: change.before,
                    after: change.after,
                    keys: change.sensitive ? change.keys : nil,
                    sources: change.sensitive && !change.sources.isEmpty ? change.sources : nil)
            },
            blocked: plan.blocked, notes: plan.notes.isEmpty ? nil : plan.notes)
    }

    public static func render(_ plan: Plan) -> String {
        JSONOutput.encode(document(plan))
    }
}

/// Every `--format json` output: one object per line (JSON lines, `PrimJSON`'s `line` layout), so
/// a stream of events and a final result or error read the same way.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T) -> String { PrimJSON.text(value, .line) }
}
