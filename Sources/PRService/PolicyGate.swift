import PrimModel

/// Decides what a change touches and whether policy lets it merge on green. Pure.
public enum PolicyGate {
    /// The prims a change touches: their files and packages, and the prims a changed secret
    /// or provider reaches, in main's state or the new one.
    public static func touchedPrims(paths: [String], base: DesiredState, head: DesiredState?) -> [String] {
        var ids = Set<String>()
        let states = [base] + (head.map { [$0] } ?? [])
        for path in paths {
            if let package = StateLayout.packageOwner(path) {
                // Code a host shares with its prims (`shared:`) is every one of those prims' code.
                let sharing = states.flatMap { state in
                    state.hosts.filter { $0.shares(path) }
                        .flatMap { state.deployedPrims(on: $0).map(\.id) }
                }
                if sharing.isEmpty || states.contains(where: { $0.prim(package) != nil }) { ids.insert(package) }
                ids.formUnion(sharing)
                continue
            }
            // Anything below prims/<name>… is prim <name>'s (a policy may let agents write deeper).
            let parts = path.split(separator: "/").map(String.init)
            guard parts.count >= 2, let folder = StateLayout.Folder(rawValue: parts[0]) else { continue }
            switch folder {
            case .prims:
                let owners = states.flatMap { $0.prims.filter { $0.file == path } }.map(\.id)
                ids.formUnion(owners.isEmpty ? [StateLayout.stem(parts[1])] : owners)
            case .secrets:
                for state in states {
                    for secret in state.secrets where secret.file == path {
                        ids.formUnion(secret.prims.contains("*") ? state.prims.map(\.id) : secret.prims)
                    }
                }
            case .providers:
                for state in states {
                    for provider in state.providers where provider.file == path {
                        ids.formUnion(
                            state.prims.filter { $0.providers.contains { $0.name == provider.name } }.map(\.id))
                    }
                }
            default: continue
            }
        }
        return ids.sorted()
    }

    /// Why the change needs an operator's approval; empty when it may merge on green.
    /// `paths` are relative to the state root; the policy is main's, never the PR's own.
    /// With `head` (main with the change, when it validates), the risk rules apply too.
    public static func approvalReasons(
        paths: [String], prims: [String], base: DesiredState, head: DesiredState? = nil,
        policy: Policy
    ) -> [String] {
        var reasons: [String] = head.map { RiskRules.reasons(paths: paths, base: base, head: $0) } ?? []
        // Fail closed: a state without a policy has consented to no unattended merge.
        if !policy.isDeclared {
            reasons.append(
                "main has no policy.yaml, so nothing merges unattended; an operator approves each change (commit a policy.yaml to let agents' changes merge on green)"
            )
        }
        for path in paths {
            if path == StateLayout.policy {
                reasons.append("it changes policy.yaml")
            } else if StateLayout.Folder.hosts.contains(path) {
                reasons.append("it changes a host (\(path))")
            } else if let pattern = policy.protectedPaths.first(where: { PathPattern($0).matches(path) }) {
                reasons.append("it changes \(path), protected by '\(pattern)'")
            }
        }
        for id in prims {
            guard let prim = base.prim(id) else {
                if !policy.autoMergeNewPrims {
                    reasons.append("it adds prim '\(id)' and policy.yaml has auto_merge.new_prims: false")
                }
                continue
            }
            if prim.status == .live {
                reasons.append("prim '\(id)' is live")
            } else if !policy.autoMergeNonLive {
                reasons.append("it changes prim '\(id)' and policy.yaml has auto_merge.non_live: false")
            }
        }
        return reasons
    }

    /// Reasons only an operator can lift: a changed prim with no owner on record is the operator's.
    public static func ownershipReasons(prims: [String], base: DesiredState) -> [String] {
        prims.filter { base.prim($0) != nil && base.owner(of: $0) == nil }
            .map { "prim '\($0)' has no owner on record (it is the operator's); an operator approves changes to it" }
    }

    /// Wallets other than the author that own prims the change touches: each must approve.
    public static func awaitedOwners(prims: [String], base: DesiredState, author: String) -> [String] {
        Array(Set(prims.compactMap { base.prim($0) == nil ? nil : base.owner(of: $0) }.filter { $0 != author }))
            .sorted()
    }
}
