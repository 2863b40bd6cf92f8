import Foundation
import PrimEngine
import PrimPlan

/// Prints an apply as it goes: human lines with durations, or one JSON event per line.
struct ApplyProgress {
    let output: Output

    static func timestamp() -> String { ISO8601DateFormatter().string(from: Date()) }

    static func duration(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : String(format: "%.1fs", seconds)
    }

    /// One event, stamped with the time.
    func json(_ fields: [String: Any]) {
        var fields = fields
        fields["time"] = Self.timestamp()
        output.json(fields)
    }

    func waiting(for holder: String) {
        switch output.format {
        case .human: FileHandle.standardError.write(Data("Waiting for the apply lock, held by \(holder)...\n".utf8))
        case .json: json(["event": "waiting_for_lock", "holder": holder])
        }
    }

    func plan(_ plan: Plan) {
        switch output.format {
        case .human: output.print(HumanPlanRenderer.render(plan, palette: output.palette))
        case .json:
            json([
                "event": "plan", "add": plan.toAdd, "change": plan.toChange, "destroy": plan.toDestroy,
                "changes": plan.pending.map { ["address": $0.address.key, "action": $0.action.rawValue] },
            ])
        }
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
        switch (event, output.format) {
        case (.resuming(let generation, let unfinished), .human):
            output.print(
                "Resuming interrupted apply of generation \(generation) (\(unfinished) step\(unfinished == 1 ? "" : "s") unfinished).\n\n"
            )
        case (.resuming(let generation, let unfinished), .json):
            json(["event": "resuming", "generation": generation, "unfinished": unfinished])
        case (.daemonReload(let seconds), .human):
            output.print("systemd: daemon-reload complete after \(Self.duration(seconds))\n")
        case (.daemonReload(let seconds), .json):
            json(["event": "daemon_reload", "seconds": seconds])
        case (.step(let step), .human):
            let name = step.address.key
            if let error = step.error {
                output.print("\(name): \(step.action.rawValue) FAILED after \(Self.duration(step.seconds)): \(error)\n")
                for line in step.journal { output.print("    │ \(line)\n") }
            } else {
                output.print("\(name): \(Self.verb(step.action, done: true)) after \(Self.duration(step.seconds))\n")
            }
        case (.step(let step), .json):
            var fields: [String: Any] = [
                "event": "step", "address": step.address.key,
                "action": step.action.rawValue, "ok": step.error == nil, "seconds": step.seconds,
            ]
            if let error = step.error { fields["error"] = error; fields["journal"] = step.journal }
            json(fields)
        case (.gate(let result, let journal), .human):
            let verdict = result.passed ? "passed" : (result.enforced ? "FAILED" : "failed (testing: not enforced)")
            output.print(
                "prim \(result.prim): health gate \(verdict) after \(Self.duration(result.seconds)) (\(result.message))\n"
            )
            for line in journal { output.print("    │ \(line)\n") }
        case (.gate(let result, let journal), .json):
            json([
                "event": "gate", "prim": result.prim, "passed": result.passed, "enforced": result.enforced,
                "message": result.message, "seconds": result.seconds, "journal": journal,
            ])
        }
    }

    /// The end of an apply that had nothing to do (the plan said so, blocked prims included).
    func unchanged(blocked: [BlockedPrim]) {
        if output.format == .json {
            json([
                "event": "finished", "outcome": "unchanged", "added": 0, "changed": 0, "destroyed": 0,
                "errors": [String](),
                "blocked": blocked.map(\.prim),
            ])
        }
    }

    func finish(_ generation: Generation, blocked: [BlockedPrim]) {
        switch output.format {
        case .human:
            for prim in blocked { output.print("\nWarning: \(prim.message)\n") }
            if generation.outcome == .converged {
                output.print(
                    "\nApply complete! Resources: \(generation.added) added, \(generation.changed) changed, \(generation.destroyed) destroyed.\n"
                )
            } else {
                output.print(
                    "\nApply finished with failures (generation \(generation.number)): \(generation.added) added, \(generation.changed) changed, \(generation.destroyed) destroyed.\n"
                )
                for error in generation.errors { output.print("  - \(error)\n") }
            }
        case .json:
            json([
                "event": "finished", "generation": generation.number, "outcome": generation.outcome.rawValue,
                "added": generation.added, "changed": generation.changed, "destroyed": generation.destroyed,
                "errors": generation.errors, "blocked": blocked.map(\.prim),
            ])
        }
    }
}
