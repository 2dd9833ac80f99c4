import Foundation
import Reports
import VariantStatistics

extension Dashboard {
    /// The campaign page's analytics: the delivery funnel and the messages stuck at "sent", the A/B variants side by
    /// side, and why messages failed or numbers were refused. The same figures as the reports
    /// (`CampaignOverview`), so the page and the PDF never disagree.
    func analyticsSection(_ layout: PageLayout, campaign id: String) async throws -> String {
        let language: ReportsConfiguration.Language = layout.language == .id ? .indonesian : .english
        let timeZone = TimeZone(identifier: configuration.timeZone) ?? .current
        let alertHours = configuration.deliveryAlertHours
        let (overview, rules) = try await database.snapshot { snapshot in
            let overview = try CampaignOverview.load(snapshot, campaign: id, partial: false, deliveryAlertHours: alertHours)
            return (overview, try CampaignInsights.load(snapshot, overview: overview, language: language, timeZone: timeZone))
        }
        // The model's wording from the last report, when it was about these very figures and passes the number check.
        var insights = rules
        if let folder = try? await campaignFolder(id), let file = InsightsFile.read(folder: folder), file.language == language.rawValue,
           file.draft == rules.draft, let reworded = file.reworded, let model = file.model {
            insights = rules.accepting(reworded, model: model).insights
        }
        let source: String
        switch insights.source {
        case .rules: source = layout.t("insights.rules")
        case .model(let model): source = HTML.escape(layout.language("insights.model").replacingOccurrences(of: "%@", with: model))
        }
        func percent(_ rate: Double) -> String { String(format: "%.0f%%", rate * 100) }
        func meter(_ key: String, _ rate: Double, _ count: Int, step: String) -> String {
            """
            <div class="meter" data-step="\(step)"><div class="row small"><span>\(layout.t(key))</span><span class="spacer"></span><b>\(percent(rate))</b><span class="muted">(\(count))</span></div>
            <div class="progress" role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow="\(Int(rate * 100))" aria-label="\(layout.t(key))"><span style="width:\(String(format: "%.1f", rate * 100))%"></span></div></div>
            """
        }
        // accepted → server ack → delivered → read → replied, each as a share of the accepted messages.
        let steps = overview.funnel
        let funnel = DeliveryFunnel.Step.allCases.map { meter("funnel.\($0.rawValue)", steps.share($0), steps.count($0), step: $0.rawValue) }.joined()
        let stuckNote = overview.stuckAtSent == 0 ? "" : """
            <p class="small">\(layout.t("funnel.stuckHint")) <a href="/api/reports/\(HTML.escape(id))/stuck-at-sent.csv" download>stuck-at-sent.csv</a></p>
            """
        var html = """
            <section class="card"><h2>\(layout.t("analytics.title"))</h2>
            <h3>\(layout.t("insights.title"))</h3><p class="insights" id="insights">\(HTML.escape(insights.text))</p><p class="hint">\(source)</p>
            <h3>\(layout.t("funnel.title"))</h3><div id="funnel">\(funnel)</div><p class="hint">\(layout.t("funnel.hint"))</p>
            <div class="stuck\(overview.stuckAtSent > 0 ? " alert" : "")" id="stuck-at-sent" data-stuck="\(overview.stuckAtSent)"><b>\(overview.stuckAtSent)</b>
            <span>\(HTML.escape(layout.language("funnel.stuck").replacingOccurrences(of: "%d", with: String(overview.deliveryAlertHours))))</span>\(stuckNote)</div>
            """
        if overview.hasVariantComparison {
            // The A/B statistics of the reports (VariantStatistics): reply rate with its 95% range and
            // the Holm-corrected p-value against the best; the winner only when the difference is real.
            let statistics = overview.abStatistics
            let words = ReportText(language)
            let winner = statistics.winner(by: .replied)
            let rows = overview.variants.enumerated().filter { !$0.element.name.isEmpty }.map { index, v -> String in
                let r = statistics.replies.groups[index]
                let badge = v.name == winner
                    ? " <span class=\"badge done\">\(layout.t("analytics.winner"))</span>"
                    : index == statistics.replies.best && v.replied > 0 ? " <span class=\"badge\">\(layout.t("analytics.best"))</span>" : ""
                return "<tr data-variant=\"\(HTML.escape(v.name))\"><td><b>\(HTML.escape(v.name))</b>\(badge)</td><td class=\"num\">\(v.sent)</td><td class=\"num\">\(percent(v.deliveryRate))</td><td class=\"num\">\(percent(v.readRate))</td><td class=\"num\">\(HTML.escape(words.rateWithInterval(r.rate, r.interval.low, r.interval.high)))</td><td class=\"num\" data-p=\"\(r.pValueVsBest.map { String($0) } ?? "")\">\(HTML.escape(words.pValue(r.pValueVsBest)))</td></tr>"
            }.joined()
            let sentences = statistics.summarySentences(language == .english ? .english : .indonesian)
                .map { sentence -> String in "<li>\(HTML.escape(sentence))</li>" }.joined()
            html += """
                <h3>\(layout.t("analytics.variants"))</h3>
                <div class="table-wrap"><table><thead><tr><th>\(layout.t("analytics.variant"))</th><th class="num">\(layout.t("state.sent"))</th>
                <th class="num">\(layout.t("state.delivered"))</th><th class="num">\(layout.t("state.read"))</th><th class="num">\(layout.t("analytics.replyRange"))</th><th class="num">\(layout.t("analytics.pValue"))</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                <ul class="ab-verdict" id="ab-verdict">\(sentences)</ul><p class="hint">\(HTML.escape(words.abExplanation))</p>
                """
        }
        if overview.rejected > 0 {
            // Apart, as in the reports: duplicates and opt-outs do not make a list look bad.
            var counted: [(String, String, Int)] = [("analytics.invalid", "invalid", overview.invalidNumbers), ("analytics.duplicates", "duplicates", overview.duplicateNumbers),
                                                   ("analytics.optedOut", "opted-out", overview.optedOutNumbers)]
            if overview.unengagedNumbers > 0 { counted.append(("analytics.unengaged", "unengaged", overview.unengagedNumbers)) }
            let figures = counted
                .map { "<div><b data-refused=\"\($0.1)\">\($0.2)</b><span>\(layout.t($0.0))</span></div>" }.joined()
            html += "<h3>\(layout.t("analytics.notMessaged"))</h3><div class=\"counters three\">\(figures)</div>"
        }
        for (key, reasons) in [("analytics.failures", overview.failureReasons), ("analytics.refusals", overview.rejectionReasons)] where !reasons.isEmpty {
            let rows = reasons.prefix(5).map { "<tr><td>\(layout.reason($0.reason))</td><td class=\"num\">\($0.count)</td></tr>" }.joined()
            html += "<h3>\(layout.t(key))</h3><table><tbody>\(rows)</tbody></table>"
        }
        return html + "</section>"
    }
}
