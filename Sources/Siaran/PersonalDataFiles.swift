public import Contacts
import Foundation
public import Store

/// `siaran contacts forget` beyond the database: the files Siaran wrote or keeps that name the
/// number. The database's reports are rewritten from the database; these are not, so they are
/// scrubbed here: lines of the outbox's logs, dry-run records and lists that name the number
/// are replaced by the pseudonym, and the number's rows in the list files kept in the spool (the
/// drop as received) are emptied, so its name and columns go too. Line counts stay, so line
/// numbers in reports and errors.txt still point at the right rows.
public struct PersonalDataFiles: Sendable {
    public var outbox: String
    public var normalizer: PhoneNormalizer

    public init(outbox: String, normalizer: PhoneNormalizer) {
        self.outbox = outbox
        self.normalizer = normalizer
    }

    /// Files changed, and those that could not be (an XLSX list is binary: it is named so the
    /// operator can remove it by hand).
    public struct Outcome: Sendable, Equatable {
        public var scrubbed: [String] = []
        public var notScrubbed: [String] = []
    }

    /// - Parameters:
    ///   - spellings: the ways Siaran itself writes the number (62…, 0…, without prefix).
    ///   - campaigns: the campaigns that held the number.
    ///   - texts: the messages as rendered for the number, read before the forget: preview.txt shows
    ///     the first one as its sample, with the name in it and no number beside it.
    public func scrub(number: PhoneNumber, spellings: [String], texts: [String], pseudonym: String, campaigns: [CampaignRecord]) throws -> Outcome {
        var outcome = Outcome()
        var outboxFiles = [(outbox as NSString).appendingPathComponent("logs.txt")]
        for campaign in campaigns {
            let folder = (outbox as NSString).appendingPathComponent(campaign.folderName)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where Self.isText(name) {
                outboxFiles.append((folder as NSString).appendingPathComponent(name))
            }
        }
        // Longest first, so 62812… is replaced whole before its tail 812… could be.
        let ordered = spellings.filter { $0.count >= 8 }.sorted { $0.count > $1.count }
        let samples = Set(texts.filter { $0.count >= 8 })
        for file in outboxFiles where file.hasSuffix(".txt") && !samples.isEmpty {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), samples.contains(where: text.contains) else { continue }
            var scrubbed = text
            for sample in samples { scrubbed = scrubbed.replacingOccurrences(of: sample, with: "[\(pseudonym): message erased on request]") }
            try write(scrubbed, to: file)
            outcome.scrubbed.append(file)
        }
        for file in outboxFiles where FileManager.default.fileExists(atPath: file) {
            let isJSONLines = file.hasSuffix(".jsonl"), isCSV = file.lowercased().hasSuffix(".csv")
            if try rewrite(file, { line in
                // rejected.csv keeps refused rows as typed (0812-…), so CSV rows are read field by field too.
                guard ordered.contains(where: { line.contains($0) }) || (isCSV && namesNumber(line, number)) else { return nil }
                // A JSON line stays JSON; any other line keeps nothing but the pseudonym.
                return isJSONLines ? "{\"erased\":\"\(pseudonym)\"}" : "[\(pseudonym): erased on request]"
            }) { outcome.scrubbed.append(file) }
        }
        for campaign in campaigns {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: campaign.spoolPath)) ?? [] {
                let file = (campaign.spoolPath as NSString).appendingPathComponent(name)
                let lower = name.lowercased()
                if lower.hasSuffix(".xlsx") {
                    outcome.notScrubbed.append(file)
                } else if lower.hasSuffix(".txt") || lower.hasSuffix(".csv") {
                    if try rewrite(file, { line in namesNumber(line, number) ? "" : nil }) { outcome.scrubbed.append(file) }
                }
            }
        }
        return outcome
    }

    /// Whether a list row holds the number in any field, in any spelling staff use.
    private func namesNumber(_ line: String, _ number: PhoneNumber) -> Bool {
        let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\t" })
        return fields.contains { normalizer.normalize($0.trimmingCharacters(in: CharacterSet(charactersIn: " \"'\r"))).phoneNumber == number }
    }

    /// Rewrites `file` line by line (`change` answers the new line, or nil to keep it), atomically
    /// and keeping its permissions; answers whether anything changed.
    private func rewrite(_ file: String, _ change: (String) -> String?) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else { return false }
        var changed = false
        let lines = text.components(separatedBy: "\n").map { line -> String in
            guard let replaced = change(line) else { return line }
            changed = true
            return replaced
        }
        guard changed else { return false }
        try write(lines.joined(separator: "\n"), to: file)
        return true
    }

    /// Replaces `file` atomically, keeping its permissions.
    private func write(_ text: String, to file: String) throws {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        if let permissions = attributes?[.posixPermissions] {
            try? FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: file)
        }
    }

    private static func isText(_ name: String) -> Bool {
        [".txt", ".csv", ".jsonl", ".json"].contains { name.lowercased().hasSuffix($0) }
    }
}
