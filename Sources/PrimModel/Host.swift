import PrimYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
import Glibc
#else
import Foundation
#endif

/// A machine prims run on: its address, domain, how a prim is started there,
/// and the non-secret env values it supplies.
public struct Host: Sendable, Hashable {
    public var name: String
    public var file: String
    public var mark: Mark
    public var address: String?
    public var address6: String?
    public var domain: String
    /// The command that starts a prim; `{id}` is replaced by the prim's id.
    public var run: String
    /// The directory prims run from (their release tree).
    public var workdir: String
    public var user: String
    public var group: String
    /// Non-secret env values every prim on the host may use.
    public var env: [String: String]
    /// age recipients that may decrypt secrets for this host.
    public var secretRecipients: [String]
    /// Paths (relative to the state root) every prim's release includes besides `packages/<id>/`.
    public var shared: [String] = []
    /// The limits every prim on the host runs under unless it sets its own (`limits:`;
    /// `UnitLimits.standard` where the host file says none). In git, so pr.sh judges a prim's own
    /// limits against them.
    public var limits = UnitLimits.standard
    /// The most deployed prims the host takes (`capacity:`; nil: no limit), and where it is written.
    public var capacity: Int?
    public var capacityMark: Mark?
    /// Whether pr.sh may place agents' new prims here (`agents:`, default true).
    public var agents = true
    /// Where the operator reaches this host's primd (`control:`, its listener's URL): what
    /// `primctl status --fleet` asks.
    public var control: String?

    public static let keys = [
        "name", "address", "address6", "domain", "run", "workdir", "user", "group", "env", "secret_recipients",
        "shared", "limits", "capacity", "agents", "control",
    ]

    /// upstream's run command.
    public static let upstreamRun = "/usr/local/bin/bun run packages/{id}/src/index.ts"

    /// The host used when a state declares none: prim.sh as upstream runs it.
    public static func implicit(file: String = "") -> Host {
        Host(
            name: "default", file: file, mark: .start, address: nil, address6: nil, domain: "prim.sh",
            run: upstreamRun, workdir: "/opt/prim", user: "prim", group: "prim", env: [:], secretRecipients: [])
    }

    /// The start command for a prim on this host.
    public func command(for prim: Prim) -> String {
        prim.deploy.command ?? run.replacing("{id}", with: prim.id)
    }

    /// The public host name a prim answers on.
    public func endpoint(for prim: Prim) -> String {
        prim.endpoint ?? "\(prim.id).\(domain)"
    }

    /// Whether a state-relative path lies in one of the host's `shared` paths (code every prim on
    /// the host runs).
    public func shares(_ path: String) -> Bool {
        shared.contains { path == $0 || path.hasPrefix($0 + "/") }
    }
}
