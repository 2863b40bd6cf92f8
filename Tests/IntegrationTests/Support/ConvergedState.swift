import Foundation
import PrimModel
import PrimPlan
import PrimSystem
import XCTest

/// A two-prim state whose services are `sleep`, and a way to make the testbed
/// match it without primctl (test set-up writes the rendered files itself).
enum ConvergedState {
    static func files(withSecret secret: String = "API_KEY", betaDescription: String = "beta prim") -> [String: String] {
        [
            "hosts/t.yaml": "domain: prim.test\nuser: root\ngroup: root\nworkdir: /\nrun: /bin/sleep infinity\n",
            "prims/alpha.yaml": "id: alpha\nname: alpha.sh\nstatus: live\nport: 3201\nenv: [\(secret)]\n",
            "prims/beta.yaml": "id: beta\nname: beta.sh\ndescription: \(betaDescription)\nstatus: testing\nport: 3202\n",
            "secrets/\(secret).yaml": "prims: [alpha]\nexternal: true\n",
        ]
    }

    /// Writes every desired file, starts every unit and loads Caddy, as apply would.
    static func makeLive(_ stateDirectory: String, on testbed: Testbed, secrets: [String: String]) throws {
        let result = StateLoader.load(try DirectoryReader.read(stateDirectory))
        XCTAssertEqual(result.errors, [])
        let (config, diagnostics) = HostConfig.parse(Array(try Data(contentsOf: URL(fileURLWithPath: testbed.config))), file: testbed.config)
        XCTAssertEqual(diagnostics, [])
        let host = try DesiredBuilder.host(result.state, named: nil)
        let desired = DesiredBuilder.build(result.state, host: host, config: config, secrets: secrets)
        for resource in desired.resources where resource.address.kind != .caddyConfig {
            try AtomicFile.write(Array(resource.content.utf8), to: resource.path, mode: resource.sensitive ? 0o640 : 0o644)
        }
        XCTAssertEqual(try testbed.managerCall("Reload").status, 0)
        for resource in desired.resources where resource.address.kind == .unit {
            XCTAssertEqual(try testbed.managerCall("RestartUnit", "ss", [resource.address.name, "replace"]).status, 0)
        }
        for resource in desired.resources where resource.address.kind == .unit {
            try testbed.waitUntil(resource.address.name, is: "active")
        }
        try testbed.reloadCaddy()
    }
}
