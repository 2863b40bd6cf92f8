import Foundation
import PrimEngine
import PrimPlan

/// Prints an apply as it goes: each event is a view (`ApplyProgress.Event`), human lines with
/// durations or one JSON object per line with its `event` and `time`.
struct ApplyProgress {
    let output: Output

    static func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }

    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : String(format: "%.1fs", seconds)
    }

    /// One event of an apply: `fields` as JSON, stamped with its name and the time; `text` for a person.
    struct Event<Fields: Encodable>: CommandView {
        let event: String
        let fields: Fields
        let text: String

        enum Stamp: String, CodingKey { case event, time }

        func encode(to encoder: Encoder) throws {
            try fields.encode(to: encoder)
            var stamp = encoder.container(keyedBy: Stamp.self)
            try stamp.encode(event, forKey: .event)
            try stamp.encode(ApplyProgress.timestamp(), forKey: .time)
        }

        func human(_ palette: Palette) -> String { text }
    }

    struct None: Encodable {}

    func waiting(for holder: String) {
        struct Holder: Encodable { var holder: String }
        output.note(
            "Waiting for the apply lock, held by \(holder)...\n",
            event: Event(event: "waiting_for_lock", fields: Holder(holder: holder), text: ""))
    }

    func plan(_ plan: Plan) {
        struct Pending: Encodable {
            var add, change, destroy: Int
            var changes: [Entry]
        }
        struct Entry: Encodable { var address, action: String }
        output.show(
            Event(
                event: "plan",
                fields: Pending(
                    add: plan.toAdd, change: plan.toChange, destroy: plan.toDestroy,
                    changes: plan.pending.map { Entry(address: $0.address.key, action: $0.action.rawValue) }),
                text: HumanPlanRenderer.render(plan, palette: output.palette)))
    }

    static func verb(_ action: Action, done: Bool) -> String {
        switch (action, done) {
        case (.create, false): return "Creating"
        case (.create, true): return "Creation complete"
        case (.delete, false): return "Destroying"
        case (.delete, true): return "Destruction complete"
        case (.restart, true): return "Restart complete"
        case (.start, true): return "Start complete"
        case (.stop, true): return "Stop complete"
        case (.reload, true): return "Reload complete"
        default: return done ? "Modifications complete" : "Modifying"
        }
    }

    func event(_ event: ApplyEvent) {
        switch event {
        case .resuming(let generation, let unfinished):
            struct Resuming: Encodable { var generation, unfinished: Int }
            output.show(
                Event(
                    event: "resuming", fields: Resuming(generation: generation, unfinished: unfinished),
                    text:
                        "Resuming interrupted apply of generation \(generation) (\(unfinished) step\(unfinished == 1 ? "" : "s") unfinished).\n\n"
                ))
        case .daemonReload(let seconds):
            struct Reload: Encodable { var seconds: Double }
            output.show(
                Event(
                    event: "daemon_reload", fields: Reload(seconds: seconds),
                    text: "systemd: daemon-reload complete after \(Self.duration(seconds))\n"))
        case .step(let step):
            struct Step: Encodable {
                var address, action: String
                var ok: Bool
                var seconds: Double
                var error: String?
                var journal: [String]?
            }
            let name = step.address.key
            let text =
                step.error.map { error in
                    "\(name): \(step.action.rawValue) FAILED after \(Self.duration(step.seconds)): \(error)\n"
                        + step.journal.map { "    │ \($0)\n" }.joined()
                } ?? "\(name): \(Self.verb(step.action, done: true)) after \(Self.duration(step.seconds))\n"
            output.show(
                Event(
                    event: "step",
                    fields: Step(
                        address: name, action: step.action.rawValue, ok: step.error == nil, seconds: step.seconds,
                        error: step.error, journal: step.error == nil ? nil : step.journal),
                    text: text))
        case .gate(let result, let journal):
            struct Gate: Encodable {
                var prim: String
                var passed, enforced: Bool
                var message: String
                var seconds: Double
                var journal: [String]
            }
            let verdict = result.passed ? "passed" : (result.enforced ? "FAILED" : "failed (testing: not enforced)")
            output.show(
                Event(
                    event: "gate",
                    fields: Gate(
                        prim: result.prim, passed: result.passed, enforced: result.enforced, message: result.message,
                        seconds: result.seconds, journal: journal),
                    text:
                        "prim \(result.prim): health gate \(verdict) after \(Self.duration(result.seconds)) (\(result.message))\n"
                        + journal.map { "    │ \($0)\n" }.joined()))
        }
    }

    struct Finished: Encodable {
        var generation: Int?
        var outcome: String
        var added, changed, destroyed: Int
        var errors: [String]
        var warnings: [String]?
        var blocked: [String]
    }

    /// The end of an apply that had nothing to do (the plan said so, blocked prims included).
    func unchanged(blocked: [BlockedPrim]) {
        output.show(
            Event(
                event: "finished",
                fields: Finished(
                    outcome: "unchanged", added: 0, changed: 0, destroyed: 0, errors: [], blocked: blocked.map(\.prim)),
                text: ""))
    }

    func finish(_ generation: Generation, blocked: [BlockedPrim]) {
        var text = blocked.map { "\nWarning: \($0.message)\n" }.joined()
        if generation.outcome == .converged, let warnings = generation.warnings {
            text +=
                "\nApply complete, with failures that keep what serves (generation \(generation.number)): \(generation.added) added, \(generation.changed) changed, \(generation.destroyed) destroyed.\n"
                + warnings.map { "  - \($0)\n" }.joined()
        } else if generation.outcome == .converged {
            text +=
                "\nApply complete! Resources: \(generation.added) added, \(generation.changed) changed, \(generation.destroyed) destroyed.\n"
        } else {
            text +=
                "\nApply finished with failures (generation \(generation.number)): \(generation.added) added, \(generation.changed) changed, \(generation.destroyed) destroyed.\n"
                + generation.errors.map { "  - \($0)\n" }.joined()
        }
        output.show(
            Event(
                event: "finished",
                fields: Finished(
                    generation: generation.number, outcome: generation.outcome.rawValue, added: generation.added,
                    changed: generation.changed, destroyed: generation.destroyed, errors: generation.errors,
                    warnings: generation.warnings, blocked: blocked.map(\.prim)),
                text: text))
    }
}
