import PrimModel
import PrimPlan
import SecretsReconciler

/// Renders `prim-<id>@.service`, the template every version of a prim runs as: upstream's unit
/// shape plus confinement, limits and hardening. What differs between versions (release, env,
/// port) is not in it: each instance reads `<env dir>/<id>@%i.env` and its release through
/// `<data dir>/versions/<id>@%i`, so a new version needs no daemon-reload.
public enum UnitFileRenderer {
    /// - Parameter release: whether the prim runs from a release of its own (else the host's workdir).
    /// - Parameter ports: the ports its versions may listen on (the declared one and its alternate).
    /// - Parameter confinement: what the prim must not see or reach on this machine.
    /// - Parameter stateName: its persistent directory's name (`DesiredState.stateName`; the id by default).
    public static func render(
        _ prim: Prim, host: Host, release: Bool = false, ports: [Int]? = nil,
        confinement: UnitConfinement = UnitConfinement(), stateName: String? = nil
    ) -> String {
        let deploy = prim.deploy
        var unit: [String] = [
            "\(ResourceNames.ownershipMarker) for \(prim.id). Changes here are overwritten.",
            "[Unit]",
            "Description=\(prim.name ?? prim.id)\(prim.description.map { " — \($0)" } ?? "")",
            "After=network-online.target\(deploy.systemdAfter.map { " " + $0 }.joined())",
            "Wants=network-online.target",
            "",
            "[Service]",
            "Type=simple",
        ]
        unit += confinement.lines(
            for: prim.id, release: release, ports: ports ?? prim.port.map { [$0] } ?? [],
            stateName: stateName ?? prim.id)
        unit += [
            "WorkingDirectory=\(release ? confinement.releaseMount : host.workdir)",
            "EnvironmentFile=\(confinement.envDir)/\(ResourceNames.versionEnvFile(prim.id, version: "%i"))",
            "ExecStart=\(host.command(for: prim))",
            "Restart=\(deploy.restart ?? "on-failure")",
            "RestartSec=2",
        ]
        // Every prim is limited: the host's limits, with the prim's own where it sets them.
        unit += confinement.limits.with(deploy.limits).unitLines
        if deploy.hardening {
            unit += [
                "NoNewPrivileges=yes",
                "ProtectSystem=strict",
                "ProtectHome=yes",
                "PrivateTmp=yes",
                "PrivateDevices=yes",
                "ProtectKernelTunables=yes",
                "ProtectControlGroups=yes",
                "RestrictSUIDSGID=yes",
                "LockPersonality=yes",
            ]
        }
        unit += ["", "[Install]", "WantedBy=multi-user.target", ""]
        return unit.joined(separator: "\n")
    }
}

/// How a prim is kept to itself, whatever its hardening: its own dynamic user, no view of the
/// other prims' releases, of prim's data or of any env file, and no route to the control plane.
public struct UnitConfinement: Sendable, Equatable {
    /// prim's data directory (releases, secret store, journal); hidden but for the prim's own release.
    public var dataDir: String
    /// Where env files live; the manager reads a prim's before it starts, the prim cannot.
    public var envDir: String
    /// Addresses the control plane listens on.
    public var denyAddresses: [String]
    /// The host's limits (`Host.limits`, from `hosts/<name>.yaml`).
    public var limits: UnitLimits
    /// Where prims' persistent directories are, under /var/lib (`HostConfig.stateDir`).
    public var stateDir: String

    public init(
        dataDir: String = "/var/lib/prim", envDir: String = "/etc/prim", denyAddresses: [String] = ["127.0.0.2"],
        limits: UnitLimits = .standard, stateDir: String = "prim-state"
    ) {
        self.dataDir = dataDir
        self.envDir = envDir
        self.denyAddresses = denyAddresses
        self.limits = limits
        self.stateDir = stateDir
    }

    /// - Parameter host: whose `limits:` apply (the standard ones without a host).
    public init(config: HostConfig, host: Host? = nil) {
        self.init(
            dataDir: config.dataDir, envDir: config.envDir, denyAddresses: config.denyAddresses,
            limits: host?.limits ?? .standard,
            stateDir: config.stateDir)
    }

    /// The dynamic user a prim runs as; every version of it shares it.
    public static func user(for id: String) -> String { UnitName.user(id) }

    /// A port a prim may listen on (its declared one and its alternate): no prim can bind another's
    /// port, on any address, to be routed its traffic.
    public static func socketBindAllow(port: Int) -> String { "SocketBindAllow=tcp:\(port)" }

    /// Where a version sees its release (inside the data directory, which it otherwise sees empty).
    public var releaseMount: String { HostPaths(dataDir: dataDir).releaseMount }

    func lines(for id: String, release: Bool, ports: [Int], stateName: String) -> [String] {
        var lines = ["DynamicUser=yes", "User=\(Self.user(for: id))", "TemporaryFileSystem=\(dataDir):ro"]
        if !ports.isEmpty { lines += ports.map(Self.socketBindAllow) + ["SocketBindDeny=any"] }
        // The version's link to its release, mounted read-only where the working directory is.
        if release {
            lines.append(
                "BindReadOnlyPaths=\(HostPaths(dataDir: dataDir).version(ResourceNames.versionLink(id, version: "%i"))):\(releaseMount)"
            )
        }
        // Its own persistent directory (systemd makes it, owned by the prim's dynamic user, 0700 in
        // /var/lib/private): the same for each version of the prim, kept when the prim is removed.
        lines += ["StateDirectory=\(stateDir)/\(stateName)", "StateDirectoryMode=0700"]
        lines.append("InaccessiblePaths=-\(envDir)")
        if !denyAddresses.isEmpty { lines.append("IPAddressDeny=\(denyAddresses.joined(separator: " "))") }
        return lines
    }
}

extension PrimRendering {
    /// The template unit every version of the prim runs as.
    func unit() -> String {
        UnitFileRenderer.render(
            prim, host: host, release: release != nil, ports: ports,
            confinement: UnitConfinement(config: config, host: host), stateName: stateName)
    }
}
