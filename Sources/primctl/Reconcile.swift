import ArgumentParser
import PrimModel
import PrimPlan
import PrimSystem

struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask primd to fetch and reconcile now; --force re-attempts a commit that already failed.")

    @OptionGroup var options: HostOptions

    @Flag(help: "Re-attempt the branch head even if it was attempted already.")
    var force = false

    @Flag(
        help:
            "Apply the branch head once even though it does not descend from the revision the host runs (a force-push, unrelated history, an older commit)."
    )
    var allowRewrite = false

    func run() throws {
        let (output, config) = try options.hostConfig()
        let url = "http://\(config.controller.listen)/reconcile?force=\(force)&allow_rewrite=\(allowRewrite)"
        do {
            let response = try HTTPClient.request("POST", url, body: [], timeout: 5)
            guard response.status == 202 else {
                throw SystemError("primd answered \(response.status): \(response.text)")
            }
        } catch {
            throw output.fail("primd-unreachable", "cannot ask primd at \(config.controller.listen): \(error)")
        }
        struct Requested: Encodable {
            var requested = true
            var force: Bool
            var allowRewrite: Bool
        }
        output.show(
            Said(
                Requested(force: force, allowRewrite: allowRewrite),
                "primd will reconcile now\(force ? " (forced)" : "")\(allowRewrite ? ", applying a rewritten branch once" : "").\n"
            ))
    }
}
