import Foundation

// `swift run -c release siaran-bench [SUITE ...]` runs the benchmarks; `make bench` runs them
// all beside the tools a user would otherwise use. Each suite prints its own table; figures
// are collected in README.md ("Performance").
//
// Add a suite by writing `enum <Area>Bench { static func run(arguments:) async throws }` in its
// own file and listing it here.
let suites: [(name: String, run: @Sendable ([String]) async throws -> Void)] = [
    ("store", StoreBench.run),
    ("contacts", ContactsBench.run),
    ("signal", SignalBench.run),
    ("wabinary", WABinaryBench.run),
    ("pipeline", PipelineBench.run),
    ("noise", NoiseBench.run),
    ("media", MediaBench.run),
    ("reports", ReportsBench.run),
    ("dashboard", DashboardBench.run),
    ("sessions", SessionsBench.run),
    ("session-state", SessionStateBench.run),
    ("lanes", LanesBench.run),
    ("cluster", ClusterBench.run),
    // bench-suites-end
]

let requested = Array(CommandLine.arguments.dropFirst())
let names = requested.filter { !$0.hasPrefix("-") }
let selected = names.isEmpty || names == ["all"] ? suites : suites.filter { names.contains($0.name) }
if selected.isEmpty {
    FileHandle.standardError.write(Data("unknown suite; available: \(suites.map(\.name).joined(separator: ", "))\n".utf8))
    exit(2)
}
for suite in selected {
    print("== \(suite.name) ==")
    try await suite.run(requested.filter { $0.hasPrefix("-") })
}
