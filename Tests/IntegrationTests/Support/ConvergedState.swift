import Foundation

/// A two-prim state running the quickstart's stub service: alpha (live, with a secret and a paid route)
/// and beta (testing).
enum ConvergedState {
    static let stub =
        (try? String(contentsOfFile: Paths.repo("examples/quickstart/packages/stub/server.py"), encoding: .utf8)) ?? ""

    /// The converged state with one more prim, `prims/<id>.yaml`: its id, name `<id>.sh`, status
    /// and port, then `rest` (more of its YAML).
    static func files(adding id: String, status: String, port: Int, _ rest: String) -> [String: String] {
        var files = files()
        files["prims/\(id).yaml"] = "id: \(id)\nname: \(id).sh\nstatus: \(status)\nport: \(port)\n" + rest
        return files
    }

    static func files(
        withSecret secret: String = "API_KEY", betaDescription: String = "beta prim", betaPort: Int = 3202
    ) -> [String: String] {
        [
            "hosts/t.yaml":
                "domain: prim.test\nshared: [packages/stub]\nrun: /usr/bin/python3 packages/stub/server.py --name {id}.sh\n",
            "packages/stub/server.py": stub,
            "prims/alpha.yaml": """
            id: alpha
            name: alpha.sh
            status: live
            port: 3201
            env: [\(secret)]
            routes_map:
              - route: POST /v1/work
                errors: [{ status: 402, code: payment_required }]
            deploy:
              command: /usr/bin/python3 packages/stub/server.py --name alpha.sh --paid "POST /v1/work"
              health: { path: /, status: 200, timeout: 10 }

            """,
            "prims/beta.yaml":
                "id: beta\nname: beta.sh\ndescription: \(betaDescription)\nstatus: testing\nport: \(betaPort)\n",
            "secrets/\(secret).yaml": "prims: [alpha]\nexternal: true\n",
        ]
    }
}
