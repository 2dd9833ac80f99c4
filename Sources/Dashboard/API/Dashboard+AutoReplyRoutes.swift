import AutoReply
import Foundation
import Hummingbird

extension Dashboard {
    struct AutoReplyText: Codable, Sendable {
        var text: String
    }

    struct AutoReplyProblem: Codable, Sendable {
        var line: Int
        var column: Int
        var message: String
    }

    struct AutoReplyState: Codable, Sendable {
        var ok: Bool
        /// The file as it is on disk (GET); absent for a check.
        var text: String?
        var exists: Bool?
        var file: String
        var summary: String?
        var message: String?
        var problems: [AutoReplyProblem]
    }

    /// The auto-reply rules for admins: read, check with the daemon's own checker, and save
    /// (only a file that passes the check; written atomically; audited). The daemon reads the
    /// file again when it changes.
    func addAutoReplyRoutes(to router: Router<DashboardContext>) {
        router.get("/api/autoreply") { _, context in
            _ = try context.require(.admin)
            let text = self.autoReplyFileText()
            var state = self.checkAutoReply(text ?? "")
            state.text = text ?? ""
            state.exists = text != nil
            return try JSONResponse.make(state)
        }
        router.post("/api/autoreply/check") { request, context in
            _ = try context.require(.admin)
            let body = try await JSONResponse.decode(AutoReplyText.self, from: request, limit: 130 * 1024)
            let state = self.checkAutoReply(Self.lineBreaks(body.text))
            return try JSONResponse.make(state, status: state.ok ? .ok : .badRequest)
        }
        router.put("/api/autoreply") { request, context in
            let user = try context.require(.admin)
            let body = try await JSONResponse.decode(AutoReplyText.self, from: request, limit: 130 * 1024)
            let text = Self.lineBreaks(body.text)
            guard text.utf8.count <= 128 * 1024 else { throw DashboardError(.tooLarge, "autoreply.yaml is at most 128 KiB") }
            let state = self.checkAutoReply(text)
            guard state.ok else {
                try await self.audit.record(user.username, "autoreply.refused", target: AutoReplyConfiguration.fileName,
                                            detail: "\(state.problems.count) problem(s)")
                return try JSONResponse.make(state, status: .badRequest)
            }
            do {
                // Atomic: the daemon reads either the old rules or the new ones, never half a file.
                try Data(text.utf8).write(to: URL(fileURLWithPath: self.configuration.autoReplyFile), options: .atomic)
            } catch {
                throw DashboardError(.unavailable, "\(AutoReplyConfiguration.fileName) could not be written: \(error.localizedDescription)")
            }
            try await self.audit.record(user.username, "autoreply.save", target: AutoReplyConfiguration.fileName, detail: "\(text.utf8.count) bytes")
            return try JSONResponse.make(state)
        }
    }

    /// The file's text, or nil when there is none yet.
    func autoReplyFileText() -> String? {
        FileManager.default.contents(atPath: configuration.autoReplyFile).map { String(decoding: $0, as: UTF8.self) }
    }

    static func lineBreaks(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    /// The same check `siaran config check` and the daemon make.
    func checkAutoReply(_ text: String) -> AutoReplyState {
        let file = AutoReplyConfiguration.fileName
        do {
            let rules = try AutoReplyConfiguration.parse(text, file: file, defaultTimeZone: configuration.timeZone)
            let hours = rules.businessHours == nil ? "no business hours" : (rules.away == nil ? "business hours, no away message" : "business hours with an away message")
            let summary = "\(rules.enabled ? "On" : "Off"): \(rules.rules.count) rule(s), \(hours), default answer \(rules.defaultAnswer == nil ? "none" : "set"); "
                + "one answer per rule per \(Self.hours(rules.cooldown)), at most \(rules.dailyCap) a day per contact."
            return AutoReplyState(ok: true, file: file, summary: summary, problems: [])
        } catch {
            let problems = error.issues.map { AutoReplyProblem(line: $0.line, column: $0.column, message: $0.message) }
            return AutoReplyState(ok: false, file: file, message: error.issues.map(\.description).joined(separator: "\n"), problems: problems)
        }
    }

    private static func hours(_ seconds: TimeInterval) -> String {
        seconds.truncatingRemainder(dividingBy: 3600) == 0 ? "\(Int(seconds / 3600)) h" : "\(Int(seconds / 60)) min"
    }
}
