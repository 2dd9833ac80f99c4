// swift-tools-version:6.2
// Siaran: a file-driven WhatsApp broadcast pipeline. Module map and one-way dependencies are
// described in README.md ("Development"); keep the arrows pointing downward.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// A system library reached through pkg-config, installed on Debian by scripts/bootstrap.
func systemLibrary(_ name: String, pkgConfig: String?, apt: String) -> Target {
    .systemLibrary(
        name: name,
        path: "Sources/CShims/\(name)",
        pkgConfig: pkgConfig,
        providers: [.apt([apt])]
    )
}

let package = Package(
    name: "Siaran",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "siaran", targets: ["SiaranCLI"]),
        .executable(name: "siaran-bench", targets: ["SiaranBench"]),
        .library(name: "Siaran", targets: ["Siaran"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // Dashboard: HTTP server, bcrypt password hashes, JWT session tokens.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        // Store on a PostgreSQL server (issue 17).
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // AI writing: the providers' HTTP APIs (Anthropic Messages, OpenAI Chat Completions).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Metrics (issue 20): /metrics in the Prometheus text format through swift-metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // package-dependencies-end (helpers: add new packages above this line)
    ],
    targets: [
        // MARK: C libraries (Debian -dev packages, see scripts/bootstrap)
        systemLibrary("CSiaranJPEG", pkgConfig: "libjpeg", apt: "libjpeg62-turbo-dev"),
        systemLibrary("CSiaranPNG", pkgConfig: "libpng", apt: "libpng-dev"),
        systemLibrary("CSiaranWebP", pkgConfig: "libwebp", apt: "libwebp-dev"),
        // libinotifytools ships no .pc file; the modulemap links it by name.
        systemLibrary("CSiaranInotify", pkgConfig: nil, apt: "libinotifytools0-dev"),
        systemLibrary("CSiaranQREncode", pkgConfig: "libqrencode", apt: "libqrencode-dev"),
        systemLibrary("CSiaranCairo", pkgConfig: "cairo", apt: "libcairo2-dev"),
        systemLibrary("CSiaranSodium", pkgConfig: "libsodium", apt: "libsodium-dev"),
        systemLibrary("CSiaranXLSXWriter", pkgConfig: "xlsxwriter", apt: "libxlsxwriter-dev"),
        systemLibrary("CSiaranSQLite", pkgConfig: "sqlite3", apt: "libsqlite3-dev"),
        systemLibrary("CSiaranZlib", pkgConfig: "zlib", apt: "zlib1g-dev"),
        // libjpeg/libpng error handling (setjmp/longjmp) that Swift cannot do; used by Media.
        .target(
            name: "CSiaranCodecs",
            dependencies: ["CSiaranJPEG", "CSiaranPNG"],
            path: "Sources/CShims/CSiaranCodecs"
        ),
        // c-targets-end (helpers: add C shim targets above this line)

        // MARK: Domain stages (no I/O beyond the files they are given)
        .target(
            name: "Contacts",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Templates",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // The auto-reply bot's rules (autoreply.yaml): parsing with FILE:LINE:COL, keyword and
        // regular-expression matching, business hours. No I/O beyond reading the file it is given.
        .target(
            name: "AutoReply",
            dependencies: ["Templates", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Media",
            dependencies: ["CSiaranJPEG", "CSiaranPNG", "CSiaranWebP", "CSiaranCodecs", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),

        // MARK: Storage
        .target(
            name: "Store",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // Salted hashes of forgotten opted-out numbers.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Outputs
        .target(
            name: "Reports",
            dependencies: [
                "Store", "VariantStatistics", "CSiaranCairo", "CSiaranXLSXWriter", "CSiaranQREncode", "CSiaranWebP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The pipeline
        .target(name: "Transport", swiftSettings: swiftSettings),
        .target(
            name: "Pipeline",
            dependencies: [
                "Store", "Contacts", "Templates", "AutoReply", "Media", "Reports", "Transport", "VariantStatistics", "CSiaranInotify",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // MARK: WhatsApp wire layer
        .target(
            name: "WABinary",
            dependencies: ["CSiaranZlib"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SignalProtocol",
            dependencies: [
                "CSiaranSodium",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Protos"],
            // Optimised in debug builds too: `make test` runs the debug build, every simulated
            // phone checks signatures, and the field arithmetic of XEdDSA's key conversion is
            // about 15,000 times slower unoptimised (135 ms against 9 µs per conversion).
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]
        ),
        .target(
            name: "WAProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Protos"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WASocket",
            dependencies: [
                "WAProto", "SignalProtocol", "CSiaranZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WhatsAppSimulator",
            dependencies: [
                "WASocket", "WABinary", "WAProto", "SignalProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // The native WhatsApp Web multi-device client: links numbers, sends, hears receipts/replies.
        .target(
            name: "WhatsApp",
            dependencies: [
                "WASocket", "WABinary", "WAProto", "SignalProtocol", "Transport", "CSiaranQREncode", "CSiaranCairo",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The web dashboard and HTTP API: auth (bcrypt, JWT), roles, rate limits, SSE, pages.
        .target(
            name: "Dashboard",
            dependencies: [
                "Store", "Pipeline", "Reports", "Contacts", "Templates", "AutoReply", "Media", "AIWriting", "VariantStatistics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Webhooks",
            dependencies: [
                "Store",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Messages drafted and improved by a language model (Anthropic or OpenAI-compatible), checked by
        // Templates' checker before anyone sees them; the insights rewrite. Knows nothing of Store or Reports.
        .target(
            name: "AIWriting",
            dependencies: [
                "Templates",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // /metrics (Prometheus text), /healthz and /readyz, with the dashboard or on their own port.
        .target(
            name: "Monitoring",
            dependencies: [
                "Store",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // A/B statistics: Wilson intervals, two-proportion tests with Holm's correction, plain sentences.
        // Pure arithmetic, no dependencies, so reports, the dashboard, the pipeline and the CLI share one.
        .target(name: "VariantStatistics", swiftSettings: swiftSettings),
        // Encrypted backup archives (libsodium: Argon2id key, secretstream), their manifest and rotation.
        .target(
            name: "Backup",
            dependencies: ["CSiaranSodium", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // swift-targets-end (helpers: add Swift library targets above this line)

        // MARK: Composition root and executable
        .target(
            name: "Siaran",
            dependencies: [
                "Pipeline", "Store", "Transport", "Contacts", "Templates", "AutoReply", "Media", "Reports", "WhatsApp", "SignalProtocol", "Dashboard", "Webhooks", "AIWriting",
                "Monitoring", "Backup",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SiaranCLI",
            dependencies: [
                "Siaran", "Backup", "Contacts", "Templates", "AutoReply", "Pipeline", "Store", "WhatsAppSimulator", "WhatsApp", "Transport", "Reports", "Dashboard", "AIWriting", "VariantStatistics",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "SiaranBench",
            dependencies: [
                "Store", "Contacts", "SignalProtocol", "WABinary", "Pipeline", "Transport", "WASocket", "Media", "Reports", "Dashboard",
                "WhatsApp", "WhatsAppSimulator", "Siaran",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        .testTarget(
            name: "SystemLibraryTests",
            dependencies: [
                "CSiaranJPEG", "CSiaranPNG", "CSiaranWebP", "CSiaranInotify", "CSiaranQREncode",
                "CSiaranCairo", "CSiaranSodium", "CSiaranXLSXWriter", "CSiaranSQLite", "CSiaranZlib",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", "SiaranTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SiaranTests",
            dependencies: ["Siaran", "Backup", "Store", "Reports", "Dashboard", "WhatsApp", "WhatsAppSimulator", "SiaranTestSupport", "Transport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SiaranCLITests",
            dependencies: [
                "SiaranCLI", "SiaranTestSupport", "WhatsApp", "WhatsAppSimulator", "Store",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates"], swiftSettings: swiftSettings),
        .testTarget(
            name: "WABinaryTests",
            dependencies: ["WABinary", "CSiaranZlib", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SignalProtocolTests",
            dependencies: ["SignalProtocol", "SiaranTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
                           .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Interop"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WAProtoTests",
            dependencies: ["WAProto", "SiaranTestSupport", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Interop"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ContactsTests",
            dependencies: [
                "Contacts", "CSiaranXLSXWriter", "SiaranTestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures", "Scripts"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WASocketTests",
            dependencies: ["WASocket", "WAProto", "SignalProtocol", "SiaranTestSupport", .product(name: "NIOSSL", package: "swift-nio-ssl")],
            exclude: ["Interop"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WhatsAppSimulatorTests",
            dependencies: ["WhatsAppSimulator", "WASocket", "WABinary", "WAProto", "SignalProtocol", "SiaranTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "AutoReply", "Store", "Transport", "Reports", "SiaranTestSupport", .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WhatsAppTests",
            dependencies: ["WhatsApp", "WhatsAppSimulator", "WASocket", "WABinary", "WAProto", "SignalProtocol", "Transport", "SiaranTestSupport",
                .product(name: "NIOSSL", package: "swift-nio-ssl"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "Store", "VariantStatistics", "SiaranTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Scripts"],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by test targets (Python peers, process output, a private PostgreSQL); not part of the product.
        .target(name: "SiaranTestSupport", dependencies: ["Store", .product(name: "Logging", package: "swift-log")], path: "Tests/SiaranTestSupport", exclude: ["Scripts"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MediaTests",
            dependencies: ["Media", "SiaranTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Scripts"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DashboardTests",
            dependencies: [
                "Dashboard", "Siaran", "WhatsApp", "Store", "Pipeline", "Transport", "Contacts", "Templates", "Media", "CSiaranZlib", "SiaranTestSupport", "AIWriting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebhooksTests",
            dependencies: [
                "Webhooks", "Store", "SiaranTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // AI writing against local servers that answer as Anthropic and OpenAI document (Hummingbird fakes),
        // through the library, the `siaran` binary and the dashboard.
        .testTarget(
            name: "AIWritingTests",
            dependencies: [
                "AIWriting", "Templates", "Reports", "Store", "Dashboard", "Siaran", "SiaranCLI", "SiaranTestSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MonitoringTests",
            dependencies: [
                "Monitoring", "Store", "Siaran", "Dashboard", "SiaranTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The A/B statistics against known answers and against scipy in .venv.
        .testTarget(name: "VariantStatisticsTests", dependencies: ["VariantStatistics", "SiaranTestSupport"], swiftSettings: swiftSettings),
        // test-targets-end (helpers: add test targets above this line)
    ]
)
