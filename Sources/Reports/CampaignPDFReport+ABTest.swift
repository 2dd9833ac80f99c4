import Store
import VariantStatistics

extension CampaignPDFReport {
    /// The A/B page (only when the campaign compares named variants): each variant's counts, reply
    /// and read rates with their 95% ranges, the p-values against the best, the plain verdict and a
    /// short explanation of what the figures mean.
    func drawABPage(_ canvas: CairoCanvas, dates: inout LocalTimeFormatter, page: Int) {
        drawHeader(canvas)
        let m = Self.margin, width = Self.pageWidth - 2 * m
        let statistics = overview.abStatistics
        var y = 64.0
        canvas.text(text.abTest, x: m, y: y, size: 14, bold: true, color: .brand, maxWidth: width)
        y += 22

        let titles = [text.variant, text.sent, text.delivered, text.read, text.replied, text.optedOutNumbers,
                      text.replyRateInterval, text.pValueVsBest, text.readRateInterval, text.readPValueVsBest]
        let widths = [54.0, 48, 48, 42, 42, 46, 66, 54, 66, 54].map { $0 * width / 520 }
        canvas.fillRect(m, y, width, 28, .brand)
        var x = m
        for (title, w) in zip(titles, widths) {
            for (k, line) in canvas.wrap(title, maxWidth: w - 6, size: 7, bold: true).prefix(2).enumerated() {
                canvas.text(line, x: x + 3, y: y + 11 + Double(k) * 9, size: 7, bold: true, color: .white, maxWidth: w - 6)
            }
            x += w
        }
        y += 28
        let bestReplies = statistics.replies.best, bestReads = statistics.reads.best
        let rowHeight = 26.0
        for (index, variant) in overview.variants.prefix(12).enumerated() {
            if index % 2 == 1 { canvas.fillRect(m, y, width, rowHeight, .zebra) }
            let r = statistics.replies.groups[index], d = statistics.reads.groups[index]
            let name = (variant.name.isEmpty ? text.noVariant : variant.name) + (index == bestReplies ? " ★" : "")
            // A rate on the first line, its 95% range under it.
            func range(_ group: ProportionComparison.Group) -> String {
                "(" + text.percent(group.interval.low).dropLast() + "–" + text.percent(group.interval.high) + ")"
            }
            let cells: [(String, String?)] = [
                (name, nil), (text.count(variant.sent), nil), (text.count(variant.delivered), nil), (text.count(variant.read), nil),
                (text.count(variant.replied), nil), (text.count(variant.optedOut), nil), (text.percent(r.rate), range(r)),
                (index == bestReplies ? text.bestMark : text.pValue(r.pValueVsBest), nil), (text.percent(d.rate), range(d)),
                (index == bestReads ? text.bestMark : text.pValue(d.pValueVsBest), nil),
            ]
            x = m
            for (column, (cell, w)) in zip(cells, widths).enumerated() {
                let significant = (column == 7 && (r.pValueVsBest ?? 1) < ABStatistics.significance && r.enoughData)
                    || (column == 9 && (d.pValueVsBest ?? 1) < ABStatistics.significance && d.enoughData)
                canvas.text(cell.0, x: x + 3, y: y + 11, size: 7.5, bold: column == 0 || significant, color: .ink, maxWidth: w - 6)
                if let second = cell.1 { canvas.text(second, x: x + 3, y: y + 21, size: 6.5, color: .muted, maxWidth: w - 6) }
                x += w
            }
            y += rowHeight
        }
        canvas.line(m, y, m + width, y, .rule)
        y += 28

        let english = configuration.language == .english
        var sentences = statistics.summarySentences(english ? .english : .indonesian)
        if let decision = Self.abDecision(overview.abTest, english: english) { sentences.insert(decision, at: 0) }
        for sentence in sentences {
            for line in canvas.wrap("• " + sentence, maxWidth: width, size: 10) {
                canvas.text(line, x: m, y: y, size: 10, color: .ink)
                y += 14
            }
            y += 4
        }
        y += 16
        for line in canvas.wrap(text.abExplanation, maxWidth: width, size: 8) {
            canvas.text(line, x: m, y: y, size: 8, color: .muted)
            y += 11
        }
        drawFooter(canvas, page: page, dates: &dates)
    }

    /// The test-then-winner decision in a sentence; nil for a campaign without `ab_test:` or still waiting.
    static func abDecision(_ test: ABTestRecord?, english: Bool) -> String? {
        guard let test, let winner = test.winner else { return nil }
        if english {
            return "Test, then winner: the \(test.sampleSize)-message sample decided; variant \(winner) went to everyone else. Why: \(test.reason ?? test.decidedBy ?? "")."
        }
        let how = switch test.decidedBy {
        case "significant": "bedanya nyata pada sampel"
        case "fallback-higher": "bedanya belum pasti, dipilih varian dengan angka lebih tinggi"
        default: "bedanya belum pasti, dipilih varian pertama"
        }
        return "Uji lalu pemenang: sampel \(test.sampleSize) pesan memutuskan; varian \(winner) dikirim ke semua kontak lain (\(how))."
    }
}
