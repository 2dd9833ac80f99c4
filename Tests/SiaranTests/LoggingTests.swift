import Foundation
import Logging
import Reports
import Testing
@testable import Siaran

@Suite("Logging")
struct LoggingTests {
    @Test("timestamps are ISO-8601 with the zone offset")
    func timestamp() throws {
        let date = Date(timeIntervalSince1970: 1_764_034_200.25)  // 2025-11-25T01:30:00.25Z
        let jakarta = try #require(TimeZone(identifier: "Asia/Jakarta"))
        #expect(LocalTimeFormatter.iso8601(date, timeZone: jakarta, milliseconds: true) == "2025-11-25T08:30:00.250+07:00")
        let utc = try #require(TimeZone(identifier: "UTC"))
        #expect(LocalTimeFormatter.iso8601(date, timeZone: utc, milliseconds: true) == "2025-11-25T01:30:00.250+00:00")
    }

    @Test("a line carries time, level, component, metadata and message; secrets are redacted")
    func lineFormat() throws {
        let line = SiaranLogHandler.format(
            date: Date(timeIntervalSince1970: 0), timeZone: try #require(TimeZone(identifier: "Asia/Jakarta")),
            level: .warning, component: "whatsapp",
            metadata: ["campaign.id": "promo-nov", "wa.auth_token": "abc123", "noise.key": "ffff"],
            message: "session paused\nsecond line"
        )
        #expect(line == "1970-01-01T07:00:00.000+07:00 WARN   [whatsapp] campaign.id=promo-nov noise.key=[redacted] wa.auth_token=[redacted] session paused\\nsecond line")
    }

    @Test("the log file is appended to and rotated by size, keeping N files")
    func rotation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-log-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("logs.txt").path
        let file = try LogFile(path: path, maxBytes: 4096, keep: 2)
        let line = String(repeating: "x", count: 99)  // 100 bytes with the newline
        for _ in 0..<200 { file.append(line: line) }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["logs.1.txt", "logs.2.txt", "logs.txt"])
        for name in names {
            let size = try #require(FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.size] as? Int)
            #expect(size <= 4096 && size % 100 == 0)
        }
    }

    @Test("the application writes its events to outbox/logs.txt")
    func applicationLog() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-app-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = SiaranConfiguration()
        configuration.paths = .init(
            inbox: folder.appendingPathComponent("inbox").path, outbox: folder.appendingPathComponent("outbox").path,
            state: folder.appendingPathComponent("state").path, templates: folder.appendingPathComponent("templates").path
        )
        let application = try await SiaranApplication(configuration: configuration, console: false)
        application.component("pipeline").info("drop taken", metadata: ["campaign": "promo"])
        let log = try String(contentsOfFile: configuration.paths.globalLogPath, encoding: .utf8)
        #expect(log.contains("INFO   [pipeline] campaign=promo drop taken"))
        let stateMode = try #require(FileManager.default.attributesOfItem(atPath: configuration.paths.state)[.posixPermissions] as? Int)
        #expect(stateMode == 0o700)
        #expect(FileManager.default.fileExists(atPath: configuration.paths.databasePath))
    }
}
