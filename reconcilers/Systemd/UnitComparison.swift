import PrimModel

/// How a change to a unit file affects the running unit, after NixOS's
/// switch-to-configuration: some keys never restart, `[Install]` only
/// re-enables, everything else restarts.
public enum UnitComparison {
    public enum Effect: Sendable, Equatable {
        case none
        /// Only documentation keys changed: rewrite the file, no restart.
        case rewriteOnly(keys: [String])
        /// Only `[Install]` changed: rewrite and re-enable, no restart.
        case reenable(keys: [String])
        /// Other keys changed; the running service must restart to apply them.
        case restart(keys: [String])
    }

    /// Keys whose change never restarts a unit.
    public static let neverRestart: Set<String> = [
        "Unit.Description", "Unit.Documentation",
    ]

    /// A unit file as `Section.Key` → values (a key may repeat).
    public static func parse(_ text: String) -> [String: [String]] {
        var section = ""
        var keys: [String: [String]] = [:]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace()
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            keys["\(section).\(key)", default: []].append(value)
        }
        return keys
    }

    /// The `Section.Key`s whose values differ, sorted.
    public static func changedKeys(_ old: String, _ new: String) -> [String] {
        let a = parse(old), b = parse(new)
        return Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }

    public static func effect(old: String, new: String) -> Effect {
        if old == new { return .none }
        let changed = changedKeys(old, new)
        if changed.isEmpty { return .none }
        let running = changed.filter { !neverRestart.contains($0) && !$0.hasPrefix("Install.") }
        if !running.isEmpty { return .restart(keys: running) }
        if changed.contains(where: { $0.hasPrefix("Install.") }) {
            return .reenable(keys: changed)
        }
        return .rewriteOnly(keys: changed)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(slice)
    }
}
