// swift-tools-version:6.1
import PackageDescription

/// A resource kind's target: the core every kind builds on, and what else it needs.
func kind(_ name: String, _ path: String, _ more: [Target.Dependency] = []) -> Target {
    .target(name: name, dependencies: ["PrimModel", "PrimPlan", "PrimSystem", "PrimEngine"] + more, path: path)
}

// Outside products more than one target uses.
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")
let hummingbird: Target.Dependency = .product(name: "Hummingbird", package: "hummingbird")
let serviceLifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

let package = Package(
    name: "prim",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "primctl", targets: ["primctl"]),
        .executable(name: "primd", targets: ["primd"]),
        .executable(name: "prsh", targets: ["prsh"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
    ],
    targets: [
        // Tests/Fixtures holds upstream's prim.yaml files, read by tests at run time.
        // C libraries: each is imported by exactly one Swift module.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CLibCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CLibSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CSecp256k1", pkgConfig: "libsecp256k1", providers: [.apt(["libsecp256k1-dev"])]),
        .target(name: "CShims", dependencies: ["CLibCurl"]),

        // Pure core.
        .target(name: "PrimYAML", dependencies: ["CLibYAML"]),
        .target(name: "PrimModel", dependencies: ["PrimYAML", "PrimAgeFormat"]),
        .target(
            name: "PrimPlan",
            dependencies: [
                "PrimModel",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // The edge: the only code that touches the OS.
        .target(name: "PrimSystem", dependencies: ["CLibGit2", "CLibCurl", "CLibSystemd", "CShims", "PrimModel"]),

        // What primd reports (its status and the health it records): the wire types primd writes
        // and pr.sh reads, so pr.sh's core links no controller or reconciler.
        .target(name: "PrimStatus", dependencies: ["PrimModel"]),

        // Apply: phases, lock, journal, inventory, health gates, generations.
        .target(name: "PrimEngine", dependencies: ["PrimModel", "PrimPlan", "PrimSystem", "PrimStatus"]),

        // The gates: a prim's health path and its routes asked over HTTP, who answered, and what
        // its x402 challenges must say (the engine runs them through `HealthChecker`).
        .target(
            name: "PrimGates",
            dependencies: ["PrimEngine", "PrimModel", "PrimPlan", "PrimStatus", "PrimSystem", "PrimX402"]),

        // One target per resource kind.
        kind("SystemdReconciler", "reconcilers/Systemd", ["PrimGates", "SecretsReconciler"]),
        kind("CaddyReconciler", "reconcilers/Caddy"),
        kind("SecretsReconciler", "reconcilers/Secrets", ["PrimAge"]),
        kind("ReleaseReconciler", "reconcilers/Release"),
        kind("DNSReconciler", "reconcilers/DNS", ["PrimX402"]),
        kind(
            "CertificateReconciler", "reconcilers/Certificate",
            [
                "PrimACME", "DNSReconciler", "PrimStatus", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),

        // Wires observers, planner and executors for one host; shared by primctl and primd.
        .target(
            name: "PrimHost",
            dependencies: [
                "PrimEngine", "PrimModel", "PrimPlan", "PrimSystem", "SystemdReconciler", "CaddyReconciler",
                "SecretsReconciler", "ReleaseReconciler", "DNSReconciler", "CertificateReconciler",
            ]),

        // The age file format (X25519 recipients), from its spec on swift-crypto.
        .target(name: "PrimAgeFormat"),
        .target(name: "PrimAge", dependencies: ["PrimAgeFormat", .product(name: "Crypto", package: "swift-crypto")]),

        // x402 payments (v2, `exact` on EVM): Keccak-256, EIP-712, secp256k1, the wire objects,
        // the server's own checks and the paying wallet. No I/O.
        .target(name: "PrimX402", dependencies: ["CSecp256k1", "PrimModel"]),

        // ACME (RFC 8555): the account key and its JWS, DNS-01 values, the CSR, and the client that
        // orders a certificate (the TXT records are handed to the caller, which owns the zone).
        .target(
            name: "PrimACME",
            dependencies: [
                "PrimModel", "PrimSystem", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),

        // SSH commit signatures (verify and sign) and webhook HMACs.
        .target(name: "PrimSigning", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        // primd's reconcile loop, status, metrics and rollback (no HTTP).
        .target(
            name: "PrimController",
            dependencies: [
                "PrimEngine", "PrimModel", "PrimPlan", "PrimSystem", "PrimHost", "PrimGates", "PrimStatus",
                "PrimSigning", "DNSReconciler", "SystemdReconciler", "CertificateReconciler",
            ]),

        // The host's status as people read it: the rows of `primctl status` and the HTML status
        // pages (primd's, and the templates of pr.sh's), from Mustache templates that escape.
        .target(
            name: "PrimViews",
            dependencies: [
                "PrimEngine", "PrimModel", "PrimStatus", "PrimSystem",
                .product(name: "Mustache", package: "swift-mustache"),
            ]),

        // pr.sh's core: manifest checks, policy, flood control, PR records, the local forge (no HTTP).
        // It is handed the resource kinds (prsh passes PrimHost's), so it links no reconciler.
        .target(
            name: "PRService",
            dependencies: [
                "PrimModel", "PrimPlan", "PrimSystem", "PrimSigning", "PrimEngine", "PrimStatus", "PrimX402",
            ]),

        // The HTTP listeners' limits (primd and pr.sh): a connection cap, header and idle deadlines.
        .target(
            name: "PrimListener",
            dependencies: [
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]),

        // Composition roots.
        .executableTarget(
            name: "primctl",
            dependencies: [
                "PrimStatus", "SecretsReconciler", "PrimModel", "PrimPlan", "PrimSystem", "PrimEngine", "PrimAge",
                "PrimHost", "PrimController", "PrimViews", "DNSReconciler", "SystemdReconciler",
                argumentParser,
            ]),

        .executableTarget(
            name: "primd",
            dependencies: [
                "PrimModel", "PrimSigning", "PrimSystem", "PrimController", "PrimEngine", "PrimListener", "PrimViews",
                argumentParser, hummingbird, serviceLifecycle, .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),

        .executableTarget(
            name: "prsh",
            dependencies: [
                "PRService", "PrimHost", "PrimModel", "PrimSigning", "PrimSystem", "PrimX402", "PrimListener",
                "PrimViews", argumentParser,
                .product(name: "HTTPTypes", package: "swift-http-types"),
                hummingbird,
                serviceLifecycle,
            ]),

        .testTarget(name: "PrimModelTests", dependencies: ["PrimModel", "PrimYAML"]),
        .testTarget(
            name: "PrimPlanTests",
            dependencies: ["PrimEngine", "PrimPlan", "PrimModel", "PrimHost", "SystemdReconciler"],
            exclude: ["Snapshots"]),
        .testTarget(
            name: "PRServiceTests", dependencies: ["PRService", "PrimModel", "PrimX402", "PrimStatus", "PrimEngine"]),
        .testTarget(name: "PrimX402Tests", dependencies: ["PrimModel", "PrimX402"]),
        .testTarget(name: "PrimAgeTests", dependencies: ["PrimAge", "PrimAgeFormat"]),
        .testTarget(
            name: "PrimACMETests",
            dependencies: [
                "PrimACME", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
        .testTarget(
            name: "DNSReconcilerTests",
            dependencies: ["PrimEngine", "DNSReconciler", "PrimHost", "PrimModel", "PrimPlan", "PrimSystem"]),
        .testTarget(name: "SystemdReconcilerTests", dependencies: ["SystemdReconciler", "PrimPlan", "PrimModel"]),
        .testTarget(
            name: "PrimEngineTests",
            dependencies: [
                "PrimModel", "PrimEngine", "PrimGates", "PrimPlan", "PrimHost", "PrimStatus", "PrimViews", "PrimX402",
            ]),
        // Fakes that record their calls, and an apply of chosen kinds on them (no host needed).
        .target(
            name: "PrimTestSupport", dependencies: ["PrimEngine", "PrimModel", "PrimPlan", "PrimSystem"],
            path: "Tests/PrimTestSupport"),
        .testTarget(
            name: "KindApplyTests",
            dependencies: [
                "PrimTestSupport", "PrimEngine", "PrimModel", "PrimPlan", "PrimSystem",
                "SecretsReconciler", "ReleaseReconciler", "CaddyReconciler", "DNSReconciler", "SystemdReconciler",
                "CertificateReconciler",
            ]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "PrimHost", "PrimSigning", "primctl", "primd", "prsh", "PrimX402", "PrimModel", "PrimPlan",
                "PrimSystem", "PrimEngine", "PrimGates", "PrimController", "PRService", "SystemdReconciler", "PrimACME",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]),
    ]
)
