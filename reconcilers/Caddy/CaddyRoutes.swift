import PrimEngine
import PrimModel
import PrimPlan
import PrimSystem

/// Which text of each prim's route goes into a config Caddy loads, in one place. A prim the plan
/// blocks keeps its route exactly as it is live (its file on disk, which the apply does not touch);
/// a prim kept at its running version keeps its live route too. Every route sends its traffic to
/// the version that serves: the port its file on disk says (a hand-over rewrote it when it moved).
enum CaddyRoutes {
    static func blocked(_ apply: ApplyContext) -> Set<String> { Set(apply.plan.blocked.map(\.prim)) }

    /// The live route files of these prims, as they are on disk.
    static func live(_ prims: Set<String>, _ config: HostConfig) -> [String] {
        prims.sorted().compactMap { live($0, config) }
    }

    static func live(_ prim: String, _ config: HostConfig) -> String? {
        let path = "\(config.caddyFragmentDir)/\(ResourceNames.fragment(prim).name)"
        return (try? FileReader.bytes(path)).flatMap { $0 }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// A prim's route text sent to the port its version serves on (its route file's), if that is
    /// one of the prim's two ports now; a port it no longer has (a held prim's, whose port changed)
    /// may be another prim's next, and its route goes to its declared port instead.
    /// A route kept from before the apply (a kept prim's) names no port but those.
    static func serving(_ text: String, of prim: String?, _ apply: ApplyContext) -> String {
        guard let prim else { return text }
        let port = live(prim, apply.host.config).flatMap(RouteUpstream.servingPort)
        var text = text
        if let port, own(prim, apply).contains(port) { text = RouteUpstream.routing(text, to: port) }
        return confined(text, of: prim, serving: port, apply)
    }

    /// The prim's two ports now (its declared port and hand-over port).
    static func own(_ prim: String, _ apply: ApplyContext) -> [Int] {
        let route = apply.resource(ResourceNames.fragment(prim))
        return [route?.attributes["port"], route?.attributes["alternate"]].compactMap { $0.flatMap { Int($0) } }
    }

    /// A route text from before the apply with only the prim's ports now and the one its serving
    /// version listens on: an old port it no longer has (its old hand-over port, after a port
    /// change that did not take) may be another prim's now.
    static func confined(_ text: String, of prim: String, serving port: Int?, _ apply: ApplyContext) -> String {
        RouteUpstream.restricting(text, to: Set(own(prim, apply) + [port].compactMap { $0 }))
    }

    /// The site addresses a route file opens (its unindented `… {` lines).
    static func sites(_ text: String) -> Set<Substring> {
        Set(
            text.split(separator: "\n").filter {
                !$0.hasPrefix("\t") && !$0.hasPrefix(" ") && !$0.hasPrefix("#") && $0.hasSuffix("{")
            })
    }

    static func fragments(_ apply: ApplyContext) -> [DesiredResource] {
        let blocked = blocked(apply)
        return apply.desired.resources.filter {
            $0.address.kind == .caddyFragment && !blocked.contains($0.prim ?? "\u{0}")
        }
    }

    /// Each changed route's text before the apply (nil for a new one), by address.
    static func before(_ apply: ApplyContext) -> [ResourceAddress: String?] {
        Dictionary(
            apply.plan.pending.filter { $0.address.kind == .caddyFragment }.map { ($0.address, $0.before) },
            uniquingKeysWith: { a, _ in a })
    }

    /// Loads the routes as they are live but for `routes` (by prim), then writes those routes'
    /// files: a file says where the traffic goes once it goes there, and a later apply reads it.
    /// Throws only when the load fails (nothing moved); a file that cannot be written is drift the
    /// next apply repairs, never a reason to undo what Caddy now does.
    static func load(_ routes: [String: String], _ apply: ApplyContext) throws {
        let caddy = try CaddyExecutor.of(apply)
        try caddy.load(caddy.compose(fragments: current(apply, overrides: routes)))
        for (prim, text) in routes.sorted(by: { $0.key < $1.key }) {
            let path = "\(apply.host.config.caddyFragmentDir)/\(ResourceNames.fragment(prim).name)"
            do { try caddy.write(path, content: text) } catch { apply.degrade("\(path): \(error)", of: prim) }
        }
    }

    /// The routes once the apply is done: desired, but kept and blocked prims' as they are live.
    static func final(_ apply: ApplyContext) -> [String] {
        let before = before(apply)
        let texts = fragments(apply).compactMap { fragment -> String? in
            guard let prim = fragment.prim, apply.kept.contains(prim), let old = before[fragment.address] else {
                return serving(fragment.content, of: fragment.prim, apply)
            }
            return old.map { serving($0, of: prim, apply) }
        }
        return texts + live(blocked(apply), apply.host.config)
    }

    /// The routes as they are live, except the prims in `overrides`, whose route is the text given.
    static func current(_ apply: ApplyContext, overrides: [String: String]) -> [String] {
        let changed = Dictionary(
            apply.plan.pending.filter { $0.address.kind == .caddyFragment }.map { ($0.address, $0) },
            uniquingKeysWith: { a, _ in a })
        var texts: [String] = []
        for fragment in fragments(apply) {
            if let prim = fragment.prim, let text = overrides[prim] {
                texts.append(text)
            } else if changed[fragment.address] != nil {
                // A new route is not live yet; a live one names only the prim's ports now and the one it serves on.
                if let prim = fragment.prim, let live = live(prim, apply.host.config) {
                    texts.append(confined(live, of: prim, serving: RouteUpstream.servingPort(live), apply))
                }
            } else {
                texts.append(serving(fragment.content, of: fragment.prim, apply))
            }
        }
        // Routes about to be removed are live until the new config is loaded.
        texts += changed.values.filter { $0.action == .delete }.sorted { $0.address < $1.address }.compactMap(\.before)
        return texts + live(blocked(apply), apply.host.config)
    }
}
