import PrimModel

/// Renders `prim-<id>.service`: upstream's unit shape plus hardening and a restart trigger.
public enum UnitFileRenderer {
    /// - Parameter workdir: the prim's release directory, or nil for the host's workdir.
    public static func render(_ prim: Prim, host: Host, workdir: String? = nil, envFile: String, restartTriggers: [String]) -> String {
        let deploy = prim.deploy
        var unit: [String] = [
            "\(ResourceNames.ownershipMarker) for \(prim.id). Changes here are overwritten.",
            "[Unit]",
            "Description=\(prim.name ?? prim.id)\(prim.description.map { " — \($0)" } ?? "")",
            "After=network-online.target\(deploy.systemdAfter.map { " " + $0 }.joined())",
            "Wants=network-online.target",
            "X-Restart-Triggers=\(restartTriggers.joined(separator: " "))",
            "",
            "[Service]",
            "Type=simple",
            "User=\(host.user)",
            "Group=\(host.group)",
            "WorkingDirectory=\(workdir ?? host.workdir)",
            "EnvironmentFile=\(envFile)",
            "ExecStart=\(host.command(for: prim))",
            "Restart=\(deploy.restart ?? "on-failure")",
            "RestartSec=2",
        ]
        if let memory = deploy.memoryMax { unit.append("MemoryMax=\(memory)") }
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
