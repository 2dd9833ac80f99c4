import ArgumentParser
import Foundation
import Reports
import Siaran
import Store

/// Writes a line to standard error (messages for people, kept out of piped output).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

enum ProcessInfoEnvironment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}

/// Opens the configured database for a command; an unreachable or refused database is one
/// plain line on standard error and exit status 1 (the password never shown).
func openDatabase(_ configuration: SiaranConfiguration) async throws -> SiaranDatabase {
    do {
        return try await configuration.openDatabase()
    } catch let error as StoreError {
        printError("database: \(error.detail)")
        throw ExitCode(1)
    }
}

extension SiaranConfiguration {
    /// The configured zone (`sending.timezone`): every time the command line prints is in it.
    var timeZone: TimeZone { TimeZone(identifier: pipeline.sending.timeZone) ?? .current }

    /// `2026-12-03 16:58 WIB`.
    func readable(_ date: Date) -> String { LocalTimeFormatter.readable(date, timeZone: timeZone) }
}
