import Foundation
import Hummingbird

extension Dashboard {
    /// The report kinds a manager downloads, in the order shown, with their labels.
    static let reportDownloads: [(file: String, label: String)] = [
        ("report.pdf", "PDF"), ("report.xlsx", "Excel"), ("report.csv", "CSV"), ("rejected.csv", "reports.rejected"),
        ("logs.txt", "reports.log"), ("summary.json", "JSON"),
    ]

    /// "120 sent · 98 delivered · …" in the page's language.
    private func figures(_ c: CampaignSummary, _ layout: PageLayout) -> String {
        [(c.counts.sent, "state.sent"), (c.counts.delivered, "state.delivered"), (c.counts.read, "state.read"),
         (c.counts.replied, "reports.replied"), (c.counts.failed, "state.failed")]
            .map { "\($0.0) \(layout.t($0.1).lowercased())" }.joined(separator: " · ")
    }

    /// Every campaign that has reports, newest first, with one link per report file.
    func reportsPage(_ layout: PageLayout) async throws -> Response {
        let campaigns = try await database.campaignSummaries(limit: 200)
        var rows: [String] = []
        for c in campaigns {
            let files = Dictionary(try await reportFiles(of: c.id).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let links = Self.reportDownloads.compactMap { download -> String? in
                guard let file = files[download.file] else { return nil }
                let label = download.label.hasPrefix("reports.") ? layout.t(download.label) : download.label
                let size = ByteCountFormatter.string(fromByteCount: Int64(file.bytes), countStyle: .file)
                return "<a class=\"chip\" href=\"/api/reports/\(HTML.escape(c.id))/\(HTML.escape(download.file))\" title=\"\(HTML.escape(download.file)) · \(size)\" download>\(label)</a>"
            }
            guard !links.isEmpty else { continue }
            let when = c.finishedAt ?? c.startedAt ?? c.createdAt
            rows.append("""
                <tr><td><a href="/campaigns/\(HTML.escape(c.id))">\(HTML.escape(c.name))</a><div class="muted small">\(dateTime(when, layout))</div></td>
                <td>\(layout.state(c.state))</td>
                <td class="hide-sm small">\(figures(c, layout))</td>
                <td><div class="chips">\(links.joined())</div></td></tr>
                """)
        }
        let table = rows.isEmpty ? "<p class=\"muted\">\(layout.t("reports.empty"))</p>" : """
            <div class="table-wrap"><table><thead><tr><th>\(layout.t("col.name"))</th><th>\(layout.t("col.state"))</th>
            <th class="hide-sm">\(layout.t("reports.figures"))</th><th>\(layout.t("reports.files"))</th></tr></thead><tbody>\(rows.joined())</tbody></table></div>
            """
        let body = """
            <div class="row"><h1>\(layout.t("reports.title"))</h1></div>
            <p class="muted">\(layout.t("reports.hint"))</p>
            <section class="card">\(table)</section>
            """
        return layout.render(title: layout.language("reports.title"), active: "reports", body: body)
    }
}
