import Store
import GRDB
import Foundation

/// Measuring helpers shared by the suites: wall time and the process's peak resident memory.
enum Bench {
    /// The benchmark's SQLite file opened straight through GRDB, to fill it with a year of data
    /// faster than the product's one-transaction-per-step API would (setup, not what is measured).
    static func rawSQLite(_ database: SiaranDatabase) throws -> DatabasePool {
        guard let path = database.path else { throw BenchSetupError(description: "the benchmark needs a SQLite file") }
        return try DatabasePool(path: path)
    }

    struct BenchSetupError: Error, CustomStringConvertible { var description: String }

    /// Runs `body` once and returns its wall time in seconds.
    static func time(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Peak resident set size of this process so far, in bytes (Linux `VmHWM`).
    static func peakResidentBytes() -> Int { statusBytes("VmHWM:") }

    /// The process's resident set size now, in bytes (Linux `VmRSS`).
    static func residentBytes() -> Int { statusBytes("VmRSS:") }

    /// A size field of `/proc/self/status` (given in kB there), in bytes; 0 when unreadable.
    private static func statusBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
        return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
    }

    /// User plus system CPU time this process has used so far, in seconds (all threads).
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Resets the peak so the next measurement starts from the current size (Linux 4.0+).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Runs a shell command, returning its wall time and peak memory (from GNU time's %M).
    static func external(_ command: String) throws -> (seconds: Double, peakBytes: Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let memoryFile = FileManager.default.temporaryDirectory.appendingPathComponent("bench-mem-\(UUID())").path
        process.arguments = ["-c", "/usr/bin/time -f %M -o \(memoryFile) bash -c \(shellQuote(command)) >/dev/null"]
        let start = ContinuousClock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        let kb = (try? String(contentsOfFile: memoryFile, encoding: .utf8))
            .flatMap { Int($0.split(separator: "\n").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
        try? FileManager.default.removeItem(atPath: memoryFile)
        return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, kb * 1024)
    }

    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
    static func seconds(_ value: Double) -> String { String(format: "%.3f s", value) }
}
