// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "orchestrate",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Orchestrator", targets: ["Orchestrator"]),
        .library(name: "OrchestratorServer", targets: ["OrchestratorServer"]),
        .executable(name: "orchestrate", targets: ["OrchestrateCLI"]),
        .executable(name: "orchestrate-bench", targets: ["OrchestrateBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV", from: "0.10.0"),
        // No default traits: they pull in swift-configuration, which the server does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The PostgreSQL trace store, for several processes and machines writing one store (issue 16).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `serve`'s /metrics in Prometheus' text format (issue 17).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The web trace viewer's server-rendered pages (issue 17).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // `orchestrate mcp` and serve's /mcp: the Model Context Protocol door for agent frameworks (issue 28).
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        // Hummingbird's own service group: serve's MCP sessions end when it is told to stop.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Tests only: generators and seeds for the fuzz targets of the parsers of untrusted text.
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "Orchestrator",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                // SQLite's own binding calls for the rows written every message (`Database.executeBound`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "OrchestratorServer",
            dependencies: [
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                "Orchestrator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The web trace viewer's templates, CSS and JavaScript.
            resources: [.copy("Assets")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CommandLineSupport",
            dependencies: [
                "Orchestrator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "OrchestrateCLI",
            dependencies: [
                "Orchestrator",
                "OrchestratorServer",
                "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: swiftSettings
        ),
        // The benches: their own executable, so the user's binary carries none of them.
        .executableTarget(
            name: "OrchestrateBench",
            dependencies: [
                "Orchestrator",
                "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by both test targets (paths, builders, the `.exclusive` trait, the misbehaving OpenAI server,
        // hostile text generators): one module, so the exclusive trait's gate is one gate for every test.
        .target(
            name: "OrchestratorTestSupport",
            dependencies: [
                "Orchestrator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/OrchestratorTestSupport",
            swiftSettings: swiftSettings
        ),
        // Unit tests: in one process, on in-memory or temporary stores and simulated or scripted models.
        .testTarget(
            name: "OrchestratorTests",
            dependencies: [
                "Orchestrator",
                "OrchestratorServer",
                "OrchestratorTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            swiftSettings: swiftSettings
        ),
        // Integration tests: what crosses the process: the built executables, HTTP servers on loopback, the local
        // model, the bubblewrap jail, the official openai Python client, and the recorded data in ../shared.
        .testTarget(
            name: "OrchestratorIntegrationTests",
            dependencies: [
                "Orchestrator",
                "OrchestratorServer",
                "OrchestratorTestSupport",
                "OrchestrateCLI",
                "OrchestrateBench",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
