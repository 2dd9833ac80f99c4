import Foundation

/// `outbox/sessions/<name>/NOTICE.txt`, the plain-language notice staff read beside a session's QR
/// code. The WhatsApp session writes why it stopped (logged out, 463); the delivery alert keeps its
/// own lines in the same file, recognised by their opening words, and leaves every other line alone.
struct SessionNoticeFile {
    /// `outbox/sessions`.
    let folder: String

    static let fileName = "NOTICE.txt"
    static let alertMarks = ["Delivery alert:", "Peringatan pengiriman:"]

    func path(session: String) -> String {
        ((folder as NSString).appendingPathComponent(session) as NSString).appendingPathComponent(Self.fileName)
    }

    /// Session names that can be folder names (never a path).
    static func isSafe(_ session: String) -> Bool {
        !session.isEmpty && !session.hasPrefix(".") && !session.contains("/") && !session.contains("\0")
    }

    /// Sessions with a notice folder.
    func sessions() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter(Self.isSafe).sorted()
    }

    static func isAlertLine(_ line: Substring) -> Bool {
        alertMarks.contains { line.contains(" " + $0) || line.hasPrefix($0) }
    }

    /// Replaces the alert lines of `session`'s notice with `lines` (each `time text`), or removes
    /// them when `lines` is empty; a notice left empty is removed. Nothing is written when the
    /// texts are unchanged (the time in front is not compared). Returns whether the file changed.
    @discardableResult
    func setAlert(_ texts: [String], time: String, session: String) throws -> Bool {
        guard Self.isSafe(session) else { return false }
        let path = path(session: session)
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = existing.split(separator: "\n", omittingEmptySubsequences: true)
        let others = lines.filter { !Self.isAlertLine($0) }
        let current = lines.filter(Self.isAlertLine).map(Self.withoutTime)
        guard current != texts else { return false }
        let content = (others.map(String.init) + texts.map { "\(time) \($0)" }).map { $0 + "\n" }.joined()
        if content.isEmpty {
            try? FileManager.default.removeItem(atPath: path)
            return !existing.isEmpty
        }
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Atomically: staff and the dashboard may read it at any moment.
        try Data(content.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return true
    }

    /// A notice line without the time in front of it.
    static func withoutTime(_ line: Substring) -> String {
        for mark in alertMarks {
            if let range = line.range(of: mark) { return String(line[range.lowerBound...]) }
        }
        return String(line)
    }
}
