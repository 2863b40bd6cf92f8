import PrimModel
import PrimPlan

/// Renders `/etc/prim/<id>.env`: PORT, host values and secret values.
/// The result is sensitive: it is written and digested, never shown.
public enum EnvFileRenderer {
    public static func render(prim: Prim, values: [(String, String)]) -> String {
        var lines = [
            "\(ResourceNames.ownershipMarker) for \(prim.id). Do not edit: values come from the state and the secret store."
        ]
        for (key, value) in values {
            lines.append("\(key)=\(quote(value))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A value as systemd's EnvironmentFile reads it back unchanged.
    static func quote(_ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar))
                || "-_./:@,+=%".unicodeScalars.contains(scalar)
        }
        if plain && !value.isEmpty { return value }
        var quoted = "\""
        for character in value {
            switch character {
            case "\\", "\"", "$", "`": quoted += "\\\(character)"
            default: quoted.append(character)
            }
        }
        return quoted + "\""
    }
}

extension PrimRendering {
    /// Where its env file is (the declared port's; each version's is beside it).
    public var envPath: String { "\(config.envDir)/\(ResourceNames.envFile(prim.id).name)" }

    /// Its env file's content, for a version listening on `port`.
    public func env(port: Int?) -> String {
        EnvFileRenderer.render(prim: prim, values: [("PORT", String(port ?? 0))] + values.map { ($0.key, $0.value) })
    }
}
