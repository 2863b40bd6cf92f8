import PrimEngine
import PrimModel
import PrimPlan

/// The DNS kind's pure half: which live rrsets stand in a desired one's way, what that blocks,
/// and the changes with their actions.
extension DNSReconciler {
    /// Live rrsets prim did not create that stand in a desired rrset's way: the same name and
    /// type, or a CNAME on either side.
    func foreign(in the: DesiredResource, _ observed: [ObservedResource], host: String) -> [ObservedResource] {
        guard let wanted = RRset.key(of: the.address) else { return [] }
        return observed.filter { live in
            guard !live.owned, let key = RRset.key(of: live.address), key.name == wanted.name,
                !DNSMoves.movingHere(live, wanted: the, host: host)
            else { return false }
            return key.type == wanted.type || key.type == "CNAME" || wanted.type == "CNAME"
        }
    }

    func adopts(_ resource: DesiredResource) -> Bool { resource.attributes[DNSRecordRenderer.adoptAttribute] == "true" }

    /// What hides the record's name from its own zone on the DNS server, if anything: a zone the
    /// server holds below it, or a delegation (an NS rrset below the apex) at the provider that
    /// `desired` does not declare. A record written there would never be served, and its route
    /// must not load.
    func occluding(_ resource: DesiredResource, _ observed: ObservedState, declared: Set<ResourceAddress>) -> String? {
        guard let name = resource.keys.first, let zone = resource.attributes[DNSRecordRenderer.zoneAttribute] else {
            return nil
        }
        func covers(_ cut: String) -> Bool {
            cut != zone && cut.hasSuffix("." + zone) && (name == cut || name.hasSuffix("." + cut))
        }
        if let child = observed.of(.dnsServerZone).map(\.address.name).filter(covers).max(by: { $0.count < $1.count }) {
            return "\(resource.address.name) is in zone \(child) on the DNS server"
        }
        let delegation = observed.of(kind).filter { $0.path == zone && !declared.contains($0.address) }
            .compactMap { RRset.key(of: $0.address) }.filter { $0.type == "NS" && covers($0.name) }.map(\.name).max {
                $0.count < $1.count
            }
        return delegation.map {
            "\(resource.address.name) is delegated to other name servers by the NS record of \($0) at the DNS provider"
        }
    }

    public func blocks(_ desired: DesiredHost, _ observed: ObservedState) -> [BlockedPrim] {
        let moving = DNSMoves.holds(desired, observed, unavailable: Self.unavailable)
        return moving + records(desired, observed).filter { blocked in !moving.contains { $0.prim == blocked.prim } }
    }

    /// Prims whose records cannot be written (an outage, a foreign record, a hidden name, an
    /// unconfirmed paid write).
    func records(_ desired: DesiredHost, _ observed: ObservedState) -> [BlockedPrim] {
        if let outage = observed.resources[Self.unavailable] {
            // Records cannot be checked: a prim whose route does not serve its name yet would get the
            // route before the name.
            let waiting = Set(
                desired.resources.filter { $0.address.kind == kind }.compactMap { record -> String? in
                    guard let prim = record.prim, let name = record.keys.first else { return nil }
                    let live = observed.resources[ResourceNames.fragment(prim)]?.content ?? ""
                    return live.contains(name + " {") ? nil : prim
                }
            ).sorted()
            let why =
                "the DNS provider did not answer (\(outage.content ?? "")); no record is checked or changed by this apply"
            return [
                BlockedPrim(
                    prim: "dns", missingEnv: [], message: "\(why); prims with a live route are applied as usual")
            ]
                + waiting.map {
                    BlockedPrim(
                        prim: $0, missingEnv: [],
                        message: "prim '\($0)' is not deployed: its route must wait for its DNS record, and \(why)")
                }
        }
        let live = observed.of(kind)
        let unconfirmed = Set(observed.of(.dnsUnconfirmed).map(\.address.name))
        var held: [String: [String]] = [:]
        for resource in desired.resources
        where resource.address.kind == kind && unconfirmed.contains(resource.address.name)
            && !live.contains(where: { $0.address == resource.address })
        {
            held[resource.prim ?? StateLayout.Folder.dns.entry(resource.path), default: []].append(
                resource.address.name)
        }
        var conflicts: [String: [String]] = [:]
        var hidden: [String: [String]] = [:]
        var unmovable: [String: [String]] = [:]
        let declared = Set(desired.resources.filter { $0.address.kind == kind }.map(\.address))
        for resource in desired.resources where resource.address.kind == kind {
            let label = resource.prim ?? StateLayout.Folder.dns.entry(resource.path)
            if let why = occluding(resource, observed, declared: declared) {
                hidden[label, default: []].append(why)
                continue
            }
            if resource.attributes[DNSRecordRenderer.movableAttribute] == nil,
                let moving = live.first(where: { DNSMoves.movingHere($0, wanted: resource, host: desired.host) })
            {
                let from = DNSMarker.host(in: moving.attributes[DNSRecordRenderer.markerAttribute]) ?? "another host"
                unmovable[label, default: []].append(
                    "it moves here from \(from), but Caddy here could order a certificate for \(resource.keys.first ?? "its name") only once the name points here, so a request would fail meanwhile; list the name in tls.certificates (docs/certificates.md) and the move goes on"
                )
                continue
            }
            guard !adopts(resource) else { continue }
            let found = foreign(in: resource, live, host: desired.host)
            guard !found.isEmpty else { continue }
            conflicts[label, default: []] += found.map {
                "\($0.address.name) (\($0.attributes[DNSRecordRenderer.contentsAttribute]?.replacing("\n", with: ", ") ?? ""))"
            }
        }
        func what(_ label: String) -> String {
            StateLayout.Folder.dns.contains(label)
                ? "records of zone \(label.dropFirst(StateLayout.Folder.dns.entry("").count)) are not applied"
                : "prim '\(label)' is not deployed"
        }
        var blocked = conflicts.keys.sorted().map { label in
            BlockedPrim(
                prim: label, missingEnv: [],
                message:
                    "\(what(label)): a record prim did not create is at its name: \(Array(Set(conflicts[label]!)).sorted().joined(separator: "; ")); remove it at the DNS provider, or take it over with dns.adopt: true in the host config (primctl: --adopt-dns)"
            )
        }
        blocked += hidden.keys.sorted().filter { conflicts[$0] == nil }.map { label in
            BlockedPrim(
                prim: label, missingEnv: [],
                message:
                    "\(what(label)): \(hidden[label]!.sorted().joined(separator: "; ")), which dns/ does not declare, so a record in its parent zone would never be served; declare that zone (or delegation) in dns/, remove it at the provider, or choose another name"
            )
        }
        blocked += unmovable.keys.sorted().filter { conflicts[$0] == nil && hidden[$0] == nil }.map { label in
            BlockedPrim(
                prim: label, missingEnv: [], message: "\(what(label)): \(unmovable[label]!.joined(separator: "; "))")
        }
        blocked += held.keys.sorted().filter { conflicts[$0] == nil && hidden[$0] == nil }.map { label in
            let names = held[label]!.sorted()
            return BlockedPrim(
                prim: label, missingEnv: [],
                message:
                    "\(what(label)): domain.sh answered an earlier batch that created \(names.joined(separator: ", ")) ambiguously (a timeout or 5xx) and does not list \(names.count == 1 ? "it" : "them"); \(names.count == 1 ? "it" : "they") may exist at its provider already, so prim does not send \(names.count == 1 ? "it" : "them") again. Check with dig, then run primctl dns release \(names.joined(separator: " "))"
            )
        }
        return blocked
    }

    public func plan(_ input: KindPlanInput) -> [Change] {
        guard input.observed.resources[Self.unavailable] == nil else { return [] }
        let live = input.observed.of(kind)
        let blocked = input.blocked
        var changes: [Change] = []
        var wanted = Set<ResourceAddress>()
        let declared = Set(input.desired(of: kind).map(\.address))
        // The records another host marked for a prim that moves here, taken over; every record of
        // such a prim is written after Caddy here routes it.
        let taken = Set(
            input.desired(of: kind).filter { resource in
                input.observed.resources[resource.address].map {
                    DNSMoves.movingHere($0, wanted: resource, host: input.desired.host)
                } ?? false
            }.map(\.address))
        let arriving = Set(input.desired(of: kind).filter { taken.contains($0.address) }.compactMap(\.prim))
        for resource in input.desired(of: kind) {
            let found = foreign(in: resource, live, host: input.desired.host)
            // A zone file's record with a foreign one in its way, or below a zone the server holds, is
            // left out (the zone file is reported as blocked).
            if resource.prim == nil,
                (!found.isEmpty && !adopts(resource)) || occluding(resource, input.observed, declared: declared) != nil
            {
                continue
            }
            wanted.insert(resource.address)
            if taken.contains(resource.address), let live = input.observed.resources[resource.address] {
                changes.append(takeOver(resource, live))
                continue
            }
            var change = compare(resource, input.observed.resources[resource.address])
            if arriving.contains(resource.prim ?? "\u{0}"), change.action != .noop { change.late = true }
            changes.append(change)
            if adopts(resource) {
                for other in found where other.address != resource.address {
                    wanted.insert(other.address)
                    var removal = removal(
                        other,
                        Reason(
                            "adopt",
                            "a record prim did not create is in the way of \(resource.address.name); dns.adopt replaces it"
                        ))
                    removal.adopts = true
                    changes.append(removal)
                }
            }
        }
        for record in live.sorted(by: { $0.address < $1.address })
        where record.owned && !wanted.contains(record.address) && !blocked.contains(record.prim ?? "\u{0}") {
            changes.append(
                removal(
                    record,
                    record.prim == nil
                        ? Reason("removed", "no zone file declares it any more") : input.removalReason(record.prim)))
        }
        return changes
    }

    /// The record of a prim that moves here, taken from the host it leaves: rewritten with this
    /// host's address and mark once Caddy here routes the prim (`late`), and this host's from then on.
    func takeOver(_ resource: DesiredResource, _ live: ObservedResource) -> Change {
        let from = DNSMarker.host(in: live.attributes[DNSRecordRenderer.markerAttribute]) ?? "another host"
        var change = Change(
            address: resource.address, prim: resource.prim, path: resource.path, action: .update,
            reason: Reason(
                "move",
                "prim '\(resource.prim ?? "")' moves here from \(from): its record points here once its route here is loaded"
            ),
            before: live.content, after: resource.content, keys: resource.keys, writesContent: true)
        change.adopts = true
        change.late = true
        return change
    }

    public func compare(_ resource: DesiredResource, _ live: ObservedResource?) -> Change {
        func change(_ action: Action, _ reason: Reason?) -> Change {
            Change(
                address: resource.address, prim: resource.prim, path: resource.path, action: action, reason: reason,
                before: live?.content, after: resource.content, keys: resource.keys, writesContent: action != .noop)
        }
        guard let live else { return change(.create, Reason("new", "not at the DNS provider yet")) }
        if !live.owned {
            var adoption = change(
                .update, Reason("adopt", "a record prim did not create is there; dns.adopt takes it over and marks it"))
            adoption.adopts = true
            return adoption
        }
        if live.prim != resource.prim {
            return change(
                .update,
                Reason(
                    "owner-changed",
                    resource.prim.map { "the name now belongs to prim '\($0)'; its mark is rewritten" }
                        ?? "the record now belongs to the zone file; its mark is rewritten"))
        }
        if live.digest == resource.digest { return change(.noop, nil) }
        return change(.update, Reason("content-changed", "records changed"))
    }

    /// A deletion goes with the creations when nothing routes to its name: a zone file's record,
    /// or one replaced at the same name by another type (an A→CNAME swap, in one batch).
    public func removesEarly(_ change: Change, in plan: Plan) -> Bool {
        if change.prim == nil || change.adopts { return true }
        guard let name = RRset.key(of: change.address)?.name else { return false }
        return plan.pending.contains { other in
            other.address.kind == kind && other.action != .delete && RRset.key(of: other.address)?.name == name
        }
    }
}
