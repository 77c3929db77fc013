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
    ],
    targets: [
        .target(name: "HotlineCore", swiftSettings: strict),
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
                "HotlineCore", "HotlineStore",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
            ],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/Views"), .copy("Resources/Public")],
            swiftSettings: strict
        ),
        .target(name: "HotlineTesting", dependencies: ["HotlineStore"], swiftSettings: strict),
        .executableTarget(name: "hotline", dependencies: ["HotlineServer"], swiftSettings: strict),
        .testTarget(name: "HotlineCoreTests", dependencies: ["HotlineCore"], swiftSettings: strict),
        .testTarget(name: "HotlineStoreTests", dependencies: ["HotlineStore", "HotlineTesting"], swiftSettings: strict),
        .testTarget(
            name: "HotlineServerTests",
            dependencies: ["HotlineServer", "HotlineTesting", .product(name: "VaporTesting", package: "vapor")],
            swiftSettings: strict
        ),
    ]
)
