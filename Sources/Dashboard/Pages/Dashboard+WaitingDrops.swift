import Foundation
import Hummingbird
import Pipeline

/// Drops in `inbox/` that lack a part (numbers but no message yet, or the other way round) and
/// are waited for up to `watch.incomplete_minutes`: the campaigns page shows them, and
/// `GET /api/inbox/waiting` lists them, as `siaran status` does.
extension Dashboard {
    struct WaitingDrop: Codable, Sendable {
        var name: String
        /// `folder` or `loose`.
        var kind: String
        /// The files that are there.
        var files: [String]
        /// What is missing (`message.txt`, `numbers.txt`).
        var missing: [String]
        var lastChange: Date
        /// When it is refused if the missing part does not arrive.
        var refuseAt: Date
    }

    func waitingDrops(now: Date = Date()) -> [DropScanner.Waiting] {
        DropScanner(inbox: configuration.inbox, configuration: configuration.watch, timeZone: timeZone).waiting(now: now)
    }

    func addInboxRoutes(to router: Router<DashboardContext>) {
        router.get("/api/inbox/waiting") { _, context in
            try context.require(.viewer)
            return try JSONResponse.make(self.waitingDrops().map {
                WaitingDrop(name: $0.name, kind: $0.kind == .folder ? "folder" : "loose", files: $0.files, missing: $0.missing,
                            lastChange: $0.lastChange, refuseAt: $0.refuseAt)
            })
        }
    }

    /// The card listing waiting drops, or nothing when none waits.
    func waitingDropsSection(_ layout: PageLayout) -> String {
        let waiting = waitingDrops()
        guard !waiting.isEmpty else { return "" }
        let inbox = HTML.escape((configuration.inbox as NSString).lastPathComponent)
        let items = waiting.map { drop -> String in
            let place = drop.kind == .folder ? "\(inbox)/\(HTML.escape(drop.name))/" : "\(inbox)/ (\(layout.t("waiting.loose")))"
            let what = HTML.escape(layout.language == .id ? drop.indonesian : drop.english)
            let has = drop.files.isEmpty ? "" : " · \(layout.t("waiting.has")) \(HTML.escape(drop.files.joined(separator: ", ")))"
            return "<li data-waiting=\"\(HTML.escape(drop.name))\"><b>\(place)</b> — \(what)\(has) · \(layout.t("waiting.until")) \(HTML.escape(minute(drop.refuseAt)))</li>"
        }.joined()
        return """
            <section class="card stack waiting" id="waiting-drops"><h2>\(layout.t("waiting.title"))</h2><ul>\(items)</ul>
            <p class="hint">\(layout.t("waiting.hint"))</p></section>
            """
    }
}
