import Contacts
import Foundation

/// The opt-out file the pipeline reads beside the database (`optout.file`, default
/// `state/optout.txt`): one number per line in any spelling, `#` comments. The dashboard keeps it
/// consistent with the `optOuts` table: additions are appended (as the reply recorder does),
/// removals rewrite it atomically without every line that spells the removed number.
struct OptOutFile: Sendable {
    let path: String
    /// The same relaxed spelling rules as `OptOutList.load`: any length, not only mobiles.
    let normalizer: PhoneNormalizer

    init(path: String, contacts: ContactsConfiguration) {
        self.path = path
        var spelling = contacts
        spelling.minDigits = 1
        spelling.maxDigits = 19
        spelling.strictMobile = false
        normalizer = PhoneNormalizer(configuration: spelling)
    }

    /// The numbers in the file (normalised, first occurrence order); empty when there is no file.
    func numbers() throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var seen = Set<String>()
        var result: [String] = []
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            guard let number = number(in: line), seen.insert(number).inserted else { continue }
            result.append(number)
        }
        return result
    }

    /// Adds `phone` on a line of its own.
    func append(_ phone: String) throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw DashboardError(.unavailable, "cannot create the opt-out file \(path)")
            }
        }
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw DashboardError(.unavailable, "cannot open the opt-out file \(path)") }
        defer { try? handle.close() }
        let end = try handle.seekToEnd()
        var text = "\(phone)\n"
        if end > 0 {
            try handle.seek(toOffset: end - 1)
            if handle.readData(ofLength: 1) != Data("\n".utf8) { text = "\n" + text }
            try handle.seekToEnd()
        }
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Rewrites the file without the lines that spell `phone`; false when none did.
    @discardableResult
    func remove(_ phone: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        let text = String(decoding: data, as: UTF8.self)
        var kept: [Substring] = []
        var removed = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if number(in: line) == phone { removed = true } else { kept.append(line) }
        }
        guard removed else { return false }
        let permissions = try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]
        try Data(kept.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        if let permissions { try? FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path) }
        return true
    }

    private func number(in line: Substring) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return nil }
        return normalizer.normalize(trimmed).phoneNumber?.description
    }
}
