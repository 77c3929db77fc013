// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "hotline",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "hotline", targets: ["hotline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        // Engines beside the domain: text similarity (which the domain's reply rules use) and the report writers
        // (xlsx, csv, svg), which know nothing of work orders.
        .target(name: "HotlineSimilarity", swiftSettings: strict),
        .target(
            name: "HotlineReports",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),
        // The domain: Foundation only. What it needs from the text engines it states as protocols.
        .target(name: "HotlineCore", swiftSettings: strict),
        // The engines behind the core's protocols (MinHash/LSH replies, request bigrams).
        .target(name: "HotlineEngines", dependencies: ["HotlineCore", "HotlineSimilarity"], swiftSettings: strict),
        .target(
            name: "HotlineStore",
            dependencies: [
                "HotlineCore",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "HotlineServer",
            dependencies: [
                "HotlineCore", "HotlineSimilarity", "HotlineEngines", "HotlineStore", "HotlineReports",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/Views"), .copy("Resources/Public")],
            swiftSettings: strict
        ),
        .target(name: "HotlineTesting", dependencies: ["HotlineStore"], swiftSettings: strict),
        .executableTarget(name: "hotline", dependencies: ["HotlineServer"], swiftSettings: strict),
        // Developer tools, not the product: benchmarks, load seeding and the batch-reply evaluation corpus.
        .target(
            name: "HotlineDevTools",
            dependencies: ["HotlineCore", "HotlineSimilarity", "HotlineEngines", "HotlineServer", .product(name: "Vapor", package: "vapor")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "hotline-dev",
            dependencies: ["HotlineDevTools", "HotlineServer"],
            swiftSettings: strict
        ),
        .testTarget(name: "HotlineSimilarityTests", dependencies: ["HotlineSimilarity"], swiftSettings: strict),
        .testTarget(
            name: "HotlineReportsTests",
            dependencies: ["HotlineReports", "HotlineCore", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),
        .testTarget(name: "HotlineCoreTests", dependencies: ["HotlineCore", "HotlineSimilarity", "HotlineEngines", "HotlineTesting"], swiftSettings: strict),
        .testTarget(
            name: "HotlineStoreTests",
            dependencies: ["HotlineStore", "HotlineSimilarity", "HotlineTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HotlineServerTests",
            dependencies: [
                "HotlineServer", "HotlineReports", "HotlineSimilarity", "HotlineEngines", "HotlineTesting",
                .product(name: "VaporTesting", package: "vapor"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HotlineDevToolsTests",
            dependencies: ["HotlineDevTools", "HotlineCore", "HotlineSimilarity", "HotlineEngines"],
            swiftSettings: strict
        ),
    ]
)
