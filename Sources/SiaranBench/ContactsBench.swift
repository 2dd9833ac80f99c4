import Contacts
import Foundation

/// Contact lists: read, validate, dedupe (and write the results) beside the shell pipeline a
/// technical user would reach for, measured on the same generated files in the same run.
enum ContactsBench {
    static func run(arguments: [String]) async throws {
        let quick = arguments.contains("--quick")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-contacts-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let configuration = ContactsConfiguration(maxFileBytes: 1 << 30, maxRows: 20_000_000)
        let repeats = quick ? 1 : 3
        if arguments.contains("--profile") || arguments.contains("--profile-csv") {
            // For `perf record`: one check, ten times over (1M-line TXT, or 200k-row CSV).
            let csv = arguments.contains("--profile-csv")
            let file = folder.appendingPathComponent(csv ? "contacts.csv" : "numbers.txt").path
            if csv { try NumbersFile.writeCSV(path: file, rows: 200_000) } else { try NumbersFile.writeText(path: file, lines: 1_000_000) }
            for _ in 0..<10 {
                var result: ContactListResult?
                let seconds = try await Bench.time { result = try ContactListReader(file: file, configuration: configuration).check() }
                let writing = try await Bench.time {
                    try result?.writeAccepted(to: folder.appendingPathComponent("accepted.csv").path)
                    try result?.writeRejected(to: folder.appendingPathComponent("rejected.csv").path)
                }
                print("check: \(Bench.seconds(seconds)), write: \(Bench.seconds(writing))")
            }
            return
        }
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; median of \(repeats) runs; peak = process VmHWM after a reset")
        print("| input | rows | siaran check (read+validate+dedupe) | + write accepted/rejected CSV | peak RSS | shell pipeline | its peak | speed-up |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")

        let sizes = quick ? [100_000, 1_000_000] : [100_000, 1_000_000, 5_000_000]
        for lines in sizes {
            let file = folder.appendingPathComponent("numbers-\(lines).txt").path
            try NumbersFile.writeText(path: file, lines: lines)
            try measure(
                label: "numbers.txt", rows: lines, file: file, configuration: configuration, folder: folder, repeats: repeats,
                shell: "LC_ALL=C grep -E '^62[0-9]{8,13}$' \(file) | LC_ALL=C sort -u"
            )
            try? FileManager.default.removeItem(atPath: file)
        }
        let csv = folder.appendingPathComponent("contacts.csv").path
        try NumbersFile.writeCSV(path: csv, rows: 200_000)
        try measure(
            label: "contacts.csv (`;`, 3 columns)", rows: 200_000, file: csv, configuration: configuration, folder: folder,
            repeats: repeats, shell: "LC_ALL=C cut -d';' -f2 \(csv) | LC_ALL=C grep -E '^62[0-9]{8,13}$' | LC_ALL=C sort -u"
        )
    }

    private static func measure(
        label: String, rows: Int, file: String, configuration: ContactsConfiguration, folder: URL, repeats: Int, shell: String
    ) throws {
        var checkTimes: [Double] = []
        var writeTimes: [Double] = []
        var peak = 0
        var summary = ""
        for _ in 0..<repeats {
            Bench.resetPeak()
            let start = ContinuousClock.now
            let result = try ContactListReader(file: file, configuration: configuration).check()
            let checked = ContinuousClock.now
            try result.writeAccepted(to: folder.appendingPathComponent("accepted.csv").path)
            try result.writeRejected(to: folder.appendingPathComponent("rejected.csv").path)
            let written = ContinuousClock.now
            peak = max(peak, Bench.peakResidentBytes())
            checkTimes.append(seconds(checked - start))
            writeTimes.append(seconds(written - start))
            summary = result.counts.summary
        }
        var shellTimes: [Double] = []
        var shellPeak = 0
        for _ in 0..<repeats {
            let (time, memory) = try Bench.external(shell)
            shellTimes.append(time)
            shellPeak = max(shellPeak, memory)
        }
        let check = median(checkTimes)
        let total = median(writeTimes)
        let baseline = median(shellTimes)
        print(
            "| \(label) | \(rows.formatted()) | \(Bench.seconds(check)) | \(Bench.seconds(total)) | \(Bench.megabytes(peak)) "
                + "| \(Bench.seconds(baseline)) | \(Bench.megabytes(shellPeak)) | \(String(format: "%.1f×", baseline / check)) |"
        )
        print("  \(label) \(rows): \(summary)")
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
}

/// Generated lists shaped like real drops: about 30% repeats (written differently), 10% invalid.
enum NumbersFile {
    /// SplitMix64: a fixed seed gives the same file every run.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    static func writeText(path: String, lines: Int) throws {
        try write(path: path, header: nil, rows: lines) { _, phone in phone }
    }

    static func writeCSV(path: String, rows: Int) throws {
        let cities = ["Jakarta", "Bandung", "Surabaya", "Medan", "Makassar", "Denpasar"]
        try write(path: path, header: "nama;no_hp;kota", rows: rows) { index, phone in
            let name = index % 5 == 0 ? "\"Pelanggan \(index); VIP\"" : "Pelanggan \(index)"
            return "\(name);\(phone);\(cities[index % cities.count])"
        }
    }

    private static func write(path: String, header: String?, rows: Int, line: (Int, String) -> String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var random = Random(state: 20_261_125)
        var buffer = ""
        buffer.reserveCapacity(1 << 21)
        if let header { buffer += header + "\n" }
        var issued: UInt64 = 0
        for index in 0..<rows {
            let roll = random.below(100)
            let phone: String
            if roll < 10 {
                phone = invalid(&random)
            } else if roll < 40 && issued > 0 {
                phone = spelled(81_200_000_000 + (UInt64(random.below(Int(issued))) &* 7_919) % 800_000_000, &random)
            } else {
                phone = spelled(81_200_000_000 + (issued &* 7_919) % 800_000_000, &random)
                issued += 1
            }
            buffer += line(index, phone)
            buffer += "\n"
            if buffer.utf8.count >= 1 << 20 {
                try handle.write(contentsOf: Data(buffer.utf8))
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: Data(buffer.utf8))
    }

    /// One national number (`812…`) in one of the spellings staff use.
    private static func spelled(_ national: UInt64, _ random: inout Random) -> String {
        let digits = String(national)
        switch random.below(20) {
        case 0..<12: return "62" + digits
        case 12..<17: return "0" + digits
        default:
            let chars = Array(digits)
            return "+62 \(String(chars[0..<3]))-\(String(chars[3..<7]))-\(String(chars[7...]))"
        }
    }

    private static func invalid(_ random: inout Random) -> String {
        switch random.below(5) {
        case 0: return "6.28123E+11"
        case 1: return "0812-\(random.below(9999))"
        case 2: return "+1 415 555 \(1000 + random.below(9000))"
        case 3: return "08123456789O"
        default: return "6281234567890123\(random.below(10))"
        }
    }
}
