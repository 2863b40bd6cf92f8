import PrimModel

/// Renders a plan as text in Terraform's conventions. Reads the plan; computes nothing.
public enum HumanPlanRenderer {
    static func symbol(_ action: Action) -> String {
        switch action {
        case .create: return "+"
        case .delete: return "-"
        case .update: return "~"
        case .restart: return "↻"
        case .start: return ">"
        case .stop: return "<"
        case .reload: return "⟳"
        case .noop: return " "
        }
    }

    static func legend(_ action: Action) -> String {
        switch action {
        case .create: return "create"
        case .delete: return "destroy"
        case .update: return "update in-place"
        case .restart: return "restart"
        case .start: return "start"
        case .stop: return "stop"
        case .reload: return "reload"
        case .noop: return ""
        }
    }

    public static func verb(_ action: Action) -> String {
        switch action {
        case .create: return "created"
        case .delete: return "destroyed"
        case .update: return "updated in-place"
        case .restart: return "restarted"
        case .start: return "started"
        case .stop: return "stopped"
        case .reload: return "reloaded"
        case .noop: return "left as is"
        }
    }

    /// - Parameter palette: colours for a terminal (`Palette.terminal`), or none.
    public static func render(_ plan: Plan, palette: Palette = .plain) -> String {
        var out: [String] = []
        let warning = palette.paint("Warning:", .yellow)
        let notes = plan.notes.map { "\(warning) \($0)\n\n" }.joined()
        if !plan.hasChanges {
            let blocked = plan.blocked.map { "\(warning) \($0.message)\n\n" }.joined()
            return notes + blocked
                + (plan.blocked.isEmpty
                    ? "No changes. Live state matches the desired state.\n"
                    : "No changes. Live state matches the desired state, but for the blocked prims above.\n")
        }
        for note in plan.notes {
            out.append("\(warning) \(note)")
            out.append("")
        }
        let pending = plan.pending
        if !pending.isEmpty {
            let used = Action.allCases.filter { action in pending.contains { $0.action == action } }
            out.append("prim used the selected host \"\(plan.host)\" to generate the following execution plan.")
            out.append("Resource actions are indicated with the following symbols:")
            for action in used { out.append("  \(palette.symbol(action)) \(legend(action))") }
            out.append("")
            out.append("prim will perform the following actions:")
            out.append("")
            for change in pending { out += block(change, palette: palette) }
        }
        for blocked in plan.blocked {
            out.append("\(warning) \(blocked.message)")
            out.append("")
        }
        out.append(
            palette.paint("Plan:", .bold)
                + " \(plan.toAdd) to add, \(plan.toChange) to change, \(plan.toDestroy) to destroy.")
        return out.joined(separator: "\n") + "\n"
    }

    static func block(_ change: Change, palette: Palette) -> [String] {
        var lines = [
            palette.paint("  # \(change.address.name)", .bold) + " will be \(change.verb ?? verb(change.action))"
        ]
        if let reason = change.reason { lines.append("  # (\(reason.message))") }
        let head = "  \(palette.symbol(change.action)) \(change.address.kind.rawValue) \"\(change.address.name)\""
        let body = self.body(change)
        if body.isEmpty {
            lines.append(head)
        } else {
            lines.append(head + " {")
            lines += body.map { "      " + palette.diffLine($0) }
            lines.append("    }")
        }
        lines.append("")
        return lines
    }

    static func body(_ change: Change) -> [String] {
        if change.sensitive {
            func value(_ key: String) -> String {
                change.sources[key].map { "(sensitive value, \($0.phrase))" } ?? "(sensitive value)"
            }
            switch change.action {
            case .create: return ["path = \"\(change.path)\""] + change.keys.map { "+ \($0) = \(value($0))" }
            case .delete: return ["path = \"\(change.path)\""]
            default:
                let sources = change.keys.filter { change.sources[$0] != nil }.map {
                    "  \($0) \(change.sources[$0]!.phrase)"
                }
                return ["path = \"\(change.path)\"", "~ content = (sensitive value)"] + sources
            }
        }
        guard change.writesContent || change.action == .delete else { return [] }
        switch (change.before, change.after) {
        case (nil, let after?):
            return ["path = \"\(change.path)\""] + contentLines(after).map { "+ " + $0 }
        case (let before?, _) where change.action == .delete:
            return ["path = \"\(change.path)\""] + contentLines(before).map { "- " + $0 }
        case (let before?, let after?):
            var lines = ["path = \"\(change.path)\""]
            for line in TextDiff.lines(before, after) {
                switch line {
                case .same: continue
                case .removed(let text): lines.append("- " + text)
                case .added(let text): lines.append("+ " + text)
                }
            }
            return lines
        default:
            return ["path = \"\(change.path)\""]
        }
    }

    static func contentLines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.replacingTabs() }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

extension Substring {
    func replacingTabs() -> String {
        String(self).split(separator: "\t", omittingEmptySubsequences: false).joined(separator: "    ")
    }
}
