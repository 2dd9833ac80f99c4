import Foundation
import GRDB
import Reports
import Store

/// Report generation for a finished 100,000-message campaign (`siaran-bench reports [--size=N] [--keep]`):
/// time and peak memory of report.csv, report.xlsx, report.pdf and summary.json, each on its own,
/// beside `sqlite3 -csv` (CSV) and openpyxl's write-only mode (XLSX) on the same rows.
enum ReportsBench {
    static func run(arguments: [String]) async throws {
        let size = arguments.first { $0.hasPrefix("--size=") }.flatMap { Int($0.dropFirst("--size=".count)) } ?? 100_000
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-reports-\(UUID())")
        let keep = arguments.contains("--keep")
        defer { if !keep { try? FileManager.default.removeItem(at: root) } else { print("files kept in \(root.path)") } }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let databasePath = root.appendingPathComponent("siaran.sqlite").path
        let database = try SiaranDatabase(path: databasePath)
        let fill = try await Bench.time { try await fillCampaign(database, size: size) }
        print("campaign of \(size) messages written to a temporary database in \(Bench.seconds(fill)); resident before the reports: \(Bench.megabytes(Bench.residentBytes()))")
        print("| output | time | peak RSS during it | file size |")
        print("|---|---|---|---|")
        let out = root.appendingPathComponent("out").path
        for format in ReportsConfiguration.Format.allCases {
            let writer = CampaignReportWriter(database: database, configuration: .init(language: .indonesian, formats: [format], companyName: "Toko Maju Jaya"))
            Bench.resetPeak()
            let seconds = try await Bench.time { try await writer.write(campaign: "bench", to: out, partial: false) }
            let path = (out as NSString).appendingPathComponent(CampaignReportWriter.fileName(format))
            let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            var extra = ""
            if format == .pdf, let info = try? capture("/usr/bin/pdfinfo", [path]),
               let pages = info.split(separator: "\n").first(where: { $0.hasPrefix("Pages:") }) {
                extra = ", \(pages.split(separator: " ").last ?? "") pages"
            }
            print("| \(CampaignReportWriter.fileName(format)) | \(Bench.seconds(seconds)) | \(Bench.megabytes(Bench.peakResidentBytes())) | \(Bench.megabytes(bytes))\(extra) |")
        }
        let query = """
            SELECT m.phone, json_extract(c.variables, '$.name'), m.variant, m.state, m.reason, m.session, m.id, m.queuedAt, m.sentAt,
                   m.deliveredAt, m.readAt, m.repliedAt FROM messages m JOIN contacts c ON c.id = m.contactId
            WHERE m.campaignId = 'bench' ORDER BY c.line
            """
        let sqlite = try Bench.external("sqlite3 -csv -header \(Bench.shellQuote(databasePath)) \(Bench.shellQuote(query)) > \(Bench.shellQuote(root.appendingPathComponent("baseline.csv").path))")
        print("| baseline: sqlite3 -csv of the same rows | \(Bench.seconds(sqlite.seconds)) | \(Bench.megabytes(sqlite.peakBytes)) (process) | |")
        let python = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
        if FileManager.default.isExecutableFile(atPath: python) {
            let script = """
                import sqlite3, sys, openpyxl
                db = sqlite3.connect(sys.argv[1])
                book = openpyxl.Workbook(write_only=True)
                sheet = book.create_sheet("Pesan")
                for row in db.execute(sys.argv[2]):
                    sheet.append(list(row))
                book.save(sys.argv[3])
                """
            let openpyxl = try Bench.external("\(python) -c \(Bench.shellQuote(script)) \(Bench.shellQuote(databasePath)) \(Bench.shellQuote(query)) \(Bench.shellQuote(root.appendingPathComponent("baseline.xlsx").path))")
            print("| baseline: openpyxl write-only, one sheet, same rows | \(Bench.seconds(openpyxl.seconds)) | \(Bench.megabytes(openpyxl.peakBytes)) (process) | |")
        } else {
            print("(run from the repository root to measure the openpyxl baseline from .venv)")
        }
    }

    /// A command's standard output.
    static func capture(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A finished campaign: 90% sent (most delivered, many read, some replied), 5% failed, the rest pending.
    static func fillCampaign(_ database: SiaranDatabase, size: Int) async throws {
        try await Bench.rawSQLite(database).write { db in
            let start = Date(timeIntervalSince1970: 1_764_032_400)
            var campaign = CampaignRecord(id: "bench", name: "Promo Akhir Tahun — 100 ribu pelanggan", dropId: nil, state: .done,
                                          createdAt: start, spoolPath: "/tmp/none")
            campaign.startedAt = start
            campaign.finishedAt = start.addingTimeInterval(Double(size) * 4.5)
            try db.execute(sql: """
                INSERT INTO campaigns (id, name, state, createdAt, startedAt, finishedAt, spoolPath) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [campaign.id, campaign.name, campaign.state.rawValue, campaign.createdAt, campaign.startedAt,
                                 campaign.finishedAt, campaign.spoolPath])
            let contact = try db.makeStatement(sql: "INSERT INTO contacts (campaignId, phone, line, variables, variant) VALUES ('bench', ?, ?, ?, ?)")
            let message = try db.makeStatement(sql: """
                INSERT INTO messages (id, campaignId, contactId, phone, session, variant, text, state, reason, attempts, queuedAt,
                                      sentAt, deliveredAt, readAt, repliedAt, failedAt)
                VALUES (?, 'bench', ?, ?, 'utama', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
                """)
            let reasons = ["not-on-whatsapp", "blocked", "invalid-number", "server-error"]
            for i in 0..<size {
                let phone = "62812\(String(format: "%08d", i))"
                let variant = i % 2 == 0 ? "A" : "B"
                try contact.execute(arguments: [phone, i + 2, "{\"name\":\"Pelanggan \(i)\",\"kota\":\"Bandung\"}", variant])
                let contactId = db.lastInsertedRowID
                let bucket = i % 20
                let state = bucket == 0 ? "failed" : bucket == 1 ? "pending" : bucket < 6 ? "sent" : bucket < 12 ? "delivered" : "read"
                let sentAt = start.addingTimeInterval(Double(i) * 4.5)
                let sent = state != "failed" && state != "pending"
                try message.execute(arguments: [
                    "3EB0\(String(format: "%016X", i))", contactId, phone, variant,
                    "Halo Pelanggan \(i), promo akhir tahun diskon 50%! 🎉 Balas STOP untuk berhenti.", state,
                    state == "failed" ? reasons[(i / 20) % reasons.count] : nil, start,
                    sent ? sentAt : nil, state == "delivered" || state == "read" ? sentAt.addingTimeInterval(3) : nil,
                    state == "read" ? sentAt.addingTimeInterval(120) : nil, state == "read" && i % 7 == 0 ? sentAt.addingTimeInterval(600) : nil,
                    state == "failed" ? sentAt : nil,
                ])
            }
        }
    }
}
