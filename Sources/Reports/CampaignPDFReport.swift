public import Foundation
public import Store

/// `report.pdf` drawn with cairo on A4 pages: a cover (company, campaign, period, totals), a page
/// of charts, the delivery funnel with the messages stuck at "sent", the contacts' replies (when there are any), then every message in a table on landscape pages (room for names and reasons) whose
/// header repeats on each page. Words follow
/// `reports.language`; times are in the configured zone. Table rows are read from a cursor and
/// each finished page goes to the file, so memory stays flat for large campaigns.
public struct CampaignPDFReport: Sendable {
    public let overview: CampaignOverview
    public let configuration: ReportsConfiguration
    public let timeZone: TimeZone
    /// The "Insights" paragraph on the cover; nil leaves it out.
    public let insights: CampaignInsights?

    static let pageWidth = 595.28
    static let pageHeight = 841.89
    static let margin = 40.0

    public init(overview: CampaignOverview, configuration: ReportsConfiguration, timeZone: TimeZone, insights: CampaignInsights? = nil) {
        self.overview = overview
        self.configuration = configuration
        self.timeZone = timeZone
        self.insights = insights
    }

    var text: ReportText { ReportText(configuration.language) }

    /// Writes the PDF atomically; returns the number of pages.
    @discardableResult
    public func write(_ snapshot: StoreSnapshot, to path: String) throws -> Int {
        let campaign = overview.campaign.id
        let temporary = AtomicFileOutput.temporaryPath(for: path)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw ReportsError(.cannotWrite(reason: "the folder cannot be created"), campaign: campaign, file: path)
        }
        var pages = 0
        do {
            let canvas = try CairoCanvas(pdf: temporary, width: Self.pageWidth, height: Self.pageHeight)
            var dates = LocalTimeFormatter(timeZone: timeZone)
            drawCover(canvas, dates: &dates)
            pages += 1
            canvas.showPage()
            drawChartPage(canvas, dates: &dates)
            pages += 1
            canvas.showPage()
            try drawFunnelPage(canvas, snapshot: snapshot, dates: &dates, page: pages + 1)
            pages += 1
            if overview.hasVariantComparison {
                canvas.showPage()
                drawABPage(canvas, dates: &dates, page: pages + 1)
                pages += 1
            }
            pages += try drawReplies(canvas, snapshot: snapshot, firstPage: pages + 1, dates: &dates)
            pages += try drawTable(canvas, snapshot: snapshot, firstPage: pages + 1, dates: &dates)
            try canvas.finish()
        } catch let error as CairoCanvasError {
            unlink(temporary)
            throw ReportsError(.drawing(reason: error.reason), campaign: campaign, file: path)
        } catch {
            unlink(temporary)
            throw error
        }
        try AtomicFileOutput.moveIntoPlace(temporary, path, campaign: campaign)
        return pages
    }

    // MARK: Cover

    func drawCover(_ canvas: CairoCanvas, dates: inout LocalTimeFormatter) {
        let m = Self.margin, width = Self.pageWidth - 2 * m
        canvas.fillRect(0, 0, Self.pageWidth, 132, .brand)
        var nameX = m
        if let logo = configuration.companyLogo, let size = canvas.png(logo, x: m, y: 30, maxWidth: 140, maxHeight: 72) {
            nameX = m + size.width + 16
        }
        canvas.text(configuration.companyName, x: nameX, y: 62, size: 22, bold: true, color: .white, maxWidth: Self.pageWidth - nameX - m)
        canvas.text(text.title, x: nameX, y: 86, size: 12, color: ReportColor(0xD7F5E8), maxWidth: Self.pageWidth - nameX - m)

        var y = 180.0
        for line in canvas.wrap(overview.campaign.name, maxWidth: width, size: 26, bold: true).prefix(3) {
            canvas.text(line, x: m, y: y, size: 26, bold: true, color: .ink)
            y += 32
        }
        if overview.partial {
            let label = text.partial
            let w = canvas.width(label, size: 10, bold: true) + 20
            canvas.fillRoundedRect(m, y - 8, w, 20, radius: 10, .red)
            canvas.text(label, x: m + 10, y: y + 6, size: 10, bold: true, color: .white)
            y += 30
        }
        y += 6
        let info: [(String, String)] = [
            (text.period, CampaignXLSXReport.period(overview, text: text, dates: &dates)),
            (text.state, text.campaignState(overview.campaign.state.rawValue)),
            (text.campaignID, overview.campaign.id),
            (text.timeZone, timeZone.identifier + " (UTC" + Self.offset(dates.offset(at: overview.generatedAt)) + ")"),
            (text.generated, text.dateTime(dates.fields(overview.generatedAt))),
        ]
        for (label, value) in info {
            canvas.text(label, x: m, y: y, size: 10, color: .muted)
            canvas.text(value, x: m + 110, y: y, size: 10, color: .ink, maxWidth: width - 110)
            y += 16
        }

        y += 20
        canvas.text(text.totals, x: m, y: y, size: 14, bold: true, color: .brand)
        y += 12
        let sent = overview.sent
        let tiles: [(String, Int, String?, ReportColor)] = [
            (text.total, overview.counts.total, nil, .brand),
            (text.sent, sent, nil, .brandLight),
            (text.delivered, overview.delivered, "\(text.percent(overview.deliveryRate)) \(text.ofSent)", .green),
            (text.read, overview.counts.read, "\(text.percent(overview.readRate)) \(text.ofSent)", .blue),
            (text.replied, overview.counts.replied, "\(text.percent(overview.replyRate)) \(text.ofSent)", .amber),
            (text.failed, overview.counts.failed, nil, .red),
            (text.pending, overview.pending, nil, .grey),
            // Numbers not messaged, apart: duplicates and opt-outs do not make a list look bad.
            (text.invalidNumbers, overview.invalidNumbers, nil, .muted),
            (text.duplicateNumbers, overview.duplicateNumbers, nil, .grey),
            (text.optedOutNumbers, overview.optedOutNumbers, nil, .grey),
        ]
        let columns = 5, gap = 8.0, tileWidth = (width - Double(columns - 1) * gap) / Double(columns), tileHeight = 70.0
        for (index, tile) in tiles.enumerated() {
            let x = m + Double(index % columns) * (tileWidth + gap)
            let ty = y + Double(index / columns) * (tileHeight + gap)
            canvas.fillRoundedRect(x, ty, tileWidth, tileHeight, radius: 6, .zebra)
            canvas.fillRect(x, ty + 6, 3, tileHeight - 12, tile.3)
            canvas.text(text.count(tile.1), x: x + 12, y: ty + 30, size: 20, bold: true, color: .ink, maxWidth: tileWidth - 16)
            canvas.text(tile.0, x: x + 12, y: ty + 46, size: 9, color: .muted, maxWidth: tileWidth - 16)
            if let note = tile.2 { canvas.text(note, x: x + 12, y: ty + 60, size: 7, bold: true, color: tile.3, maxWidth: tileWidth - 16) }
        }
        y += 2 * tileHeight + gap + 34

        if let insights {
            canvas.text(text.insights, x: m, y: y, size: 14, bold: true, color: .brand)
            y += 20
            let size = 10.0, lineHeight = 14.0
            var lines = canvas.wrap(insights.text, maxWidth: width, size: size)
            if lines.count > 12 { lines = Array(lines.prefix(11)) + ["…"] }
            for line in lines {
                canvas.text(line, x: m, y: y, size: size, color: .ink)
                y += lineHeight
            }
            let source: String
            switch insights.source {
            case .rules: source = text.insightsByRules
            case .model(let model): source = text.insightsByModel(model)
            }
            canvas.text(source, x: m, y: y + 2, size: 7.5, color: .muted, maxWidth: width)
            y += 30
        }

        if let sample = overview.sampleText, Self.pageHeight - 70 - y > 60 {
            canvas.text(text.sample, x: m, y: y, size: 14, bold: true, color: .brand)
            y += 12
            let size = 10.0, lineHeight = 14.0
            let maxLines = max(1, Int((Self.pageHeight - 70 - y - 20) / lineHeight))
            // As WhatsApp shows it: *bold*, _italic_, ~strike~ and ```mono``` without their markers.
            var lines = canvas.wrap(WhatsAppText.runs(sample), maxWidth: width - 40, size: size)
            if lines.count > maxLines { lines = Array(lines.prefix(maxLines - 1)) + [[WhatsAppText.Run("…")]] }
            let boxHeight = Double(lines.count) * lineHeight + 18
            canvas.fillRoundedRect(m, y, width, boxHeight, radius: 8, ReportColor(0xDCF8C6))
            var ly = y + 20
            for line in lines {
                canvas.text(line, x: m + 20, y: ly, size: size, color: .ink)
                ly += lineHeight
            }
        }
        drawFooter(canvas, page: 1, dates: &dates)
    }

    static func offset(_ seconds: Int) -> String { LocalTimeFormatter.offsetText(seconds) }

    // MARK: Running header and footer

    func drawHeader(_ canvas: CairoCanvas, pageWidth: Double = Self.pageWidth) {
        let m = Self.margin
        canvas.text(configuration.companyName, x: m, y: 26, size: 8, bold: true, color: .brand, maxWidth: 200)
        let title = overview.campaign.name + (overview.partial ? " — \(text.partialShort)" : "")
        canvas.text(title, x: pageWidth - m, y: 26, size: 8, color: .muted, align: .right, maxWidth: pageWidth - 2 * m - 220)
        canvas.line(m, 32, pageWidth - m, 32, .brand, width: 1)
    }

    func drawFooter(_ canvas: CairoCanvas, page: Int, dates: inout LocalTimeFormatter,
                    pageWidth: Double = Self.pageWidth, pageHeight: Double = Self.pageHeight) {
        let m = Self.margin, y = pageHeight - 22
        canvas.line(m, y - 10, pageWidth - m, y - 10, .rule)
        canvas.text("Siaran · \(text.generated) \(text.dateTime(dates.fields(overview.generatedAt)))", x: m, y: y, size: 7, color: .muted)
        canvas.text("\(text.page) \(page)", x: pageWidth - m, y: y, size: 7, color: .muted, align: .right)
    }

    // MARK: Charts

    func drawChartPage(_ canvas: CairoCanvas, dates: inout LocalTimeFormatter) {
        drawHeader(canvas)
        let m = Self.margin, width = Self.pageWidth - 2 * m
        let charts = ReportCharts(canvas: canvas, text: text)
        charts.statusBreakdown(overview, x: m, y: 50, width: width, height: 170)
        charts.timeline(overview, x: m, y: 240, width: width, height: 180, dates: &dates)
        charts.variantRates(overview, x: m, y: 440, width: width, height: 150)
        charts.reasons(overview.failureReasons, title: text.failureReasons, empty: text.noFailures, color: .red,
                       x: m, y: 610, width: overview.rejectionReasons.isEmpty ? width : width / 2 - 10, height: 180)
        if !overview.rejectionReasons.isEmpty {
            charts.reasons(overview.rejectionReasons, title: text.rejectionReasons, empty: "", color: .muted,
                           x: m + width / 2 + 10, y: 610, width: width / 2 - 10, height: 180)
        }
        drawFooter(canvas, page: 2, dates: &dates)
    }

    // MARK: Replies

    static let replyLineHeight = 11.0

    /// What contacts wrote back, oldest first, on portrait pages (the texts matter more than the
    /// columns); nothing when nobody replied. Returns the number of pages drawn.
    func drawReplies(_ canvas: CairoCanvas, snapshot: StoreSnapshot, firstPage: Int, dates: inout LocalTimeFormatter) throws -> Int {
        let m = Self.margin, width = Self.pageWidth - 2 * m
        let bottom = Self.pageHeight - 50
        // Phone, name, received, variant, answered; the text takes the rest, up to three lines.
        let phoneX = m, nameX = m + 74, timeX = m + 164, variantX = m + 222, textX = m + 258, answeredX = m + width
        let textWidth = width - 258 - 66
        var page = firstPage - 1
        var y = bottom
        func newPage(_ dates: inout LocalTimeFormatter) {
            canvas.showPage()
            canvas.setPDFPageSize(width: Self.pageWidth, height: Self.pageHeight)
            page += 1
            drawHeader(canvas)
            canvas.text(text.replies, x: m, y: 56, size: 14, bold: true, color: .brand)
            canvas.fillRect(m, 66, width, Self.headerHeight, .brand)
            for (title, x, align) in [(text.phone, phoneX, CairoCanvas.Alignment.left), (text.name, nameX, .left), (text.receivedAt, timeX, .left),
                                      (text.variant, variantX, .left), (text.replyText, textX, .left), (text.answered, answeredX, .right)] {
                canvas.text(title, x: align == .right ? x - 3 : x + 3, y: 77, size: 7, bold: true, color: .white, align: align, maxWidth: 70)
            }
            drawFooter(canvas, page: page, dates: &dates)
            y = 66 + Self.headerHeight
        }
        var index = 0
        try snapshot.forEachReply(of: overview.campaign.id) { reply in
            var lines = canvas.wrap(reply.text.replacingOccurrences(of: "\n", with: " "), maxWidth: textWidth - 6, size: 7)
            if lines.count > 3 { lines = Array(lines.prefix(2)) + [lines[2] + " …"] }
            if lines.isEmpty { lines = [""] }
            let height = Double(lines.count) * Self.replyLineHeight + 3
            if y + height > bottom { newPage(&dates) }
            if index % 2 == 1 { canvas.fillRect(m, y, width, height, .zebra) }
            let baseline = y + 8.5
            canvas.text(reply.phone, x: phoneX + 3, y: baseline, size: 7, color: .ink, maxWidth: 70)
            canvas.text(reply.name, x: nameX + 3, y: baseline, size: 7, color: .ink, maxWidth: 84)
            canvas.text(dates.short(reply.receivedAt), x: timeX + 3, y: baseline, size: 7, color: .ink, maxWidth: 54)
            canvas.text(reply.variant, x: variantX + 3, y: baseline, size: 7, color: .ink, maxWidth: 32)
            for (offset, line) in lines.enumerated() {
                canvas.text(line, x: textX + 3, y: baseline + Double(offset) * Self.replyLineHeight, size: 7,
                            color: reply.isOptOut ? .red : .ink, maxWidth: textWidth - 6)
            }
            canvas.text(reply.isOptOut ? text.optOutMark : (reply.answered ? text.yes : text.no), x: answeredX - 3, y: baseline, size: 7,
                        bold: reply.answered, color: reply.isOptOut ? .red : (reply.answered ? .green : .muted), align: .right, maxWidth: 64)
            y += height
            index += 1
        }
        return page - firstPage + 1
    }

    // MARK: Message table

    struct Column {
        var title: String
        var width: Double
        var align: CairoCanvas.Alignment = .left
    }

    var columns: [Column] {
        [
            Column(title: text.number, width: 36, align: .right), Column(title: text.phone, width: 72),
            Column(title: text.name, width: 120), Column(title: text.variant, width: 38), Column(title: text.status, width: 54),
            Column(title: text.sentAt, width: 58), Column(title: text.deliveredAt, width: 58), Column(title: text.readAt, width: 58),
            Column(title: text.repliedAt, width: 58), Column(title: text.reason, width: Self.tableWidth - 2 * Self.margin - 552),
        ]
    }

    static let rowHeight = 11.5
    static let tableTop = 44.0
    static let headerHeight = 16.0
    /// Table pages are A4 landscape.
    static let tableWidth = pageHeight
    static let tableHeight = pageWidth
    /// Message rows on one table page (the header repeats above them).
    public static let rowsPerPage = Int((tableHeight - tableTop - headerHeight - 44) / rowHeight)

    /// Draws every message, a page at a time; returns the number of pages drawn.
    func drawTable(_ canvas: CairoCanvas, snapshot: StoreSnapshot, firstPage: Int, dates: inout LocalTimeFormatter) throws -> Int {
        let m = Self.margin
        let columns = self.columns
        let rowsPerPage = Self.rowsPerPage
        var page = firstPage - 1
        var rowOnPage = rowsPerPage
        var index = 0
        func newPage(_ dates: inout LocalTimeFormatter) {
            canvas.showPage()
            canvas.setPDFPageSize(width: Self.tableWidth, height: Self.tableHeight)
            page += 1
            rowOnPage = 0
            drawHeader(canvas, pageWidth: Self.tableWidth)
            canvas.fillRect(m, Self.tableTop, Self.tableWidth - 2 * m, Self.headerHeight, .brand)
            var x = m
            for column in columns {
                let inset = 3.0
                let anchor = column.align == .right ? x + column.width - inset : x + inset
                canvas.text(column.title, x: anchor, y: Self.tableTop + 11, size: 7, bold: true, color: .white, align: column.align,
                            maxWidth: column.width - 2 * inset)
                x += column.width
            }
            drawFooter(canvas, page: page, dates: &dates, pageWidth: Self.tableWidth, pageHeight: Self.tableHeight)
        }
        func cell(_ value: String, _ column: Int, x: Double, y: Double, color: ReportColor = .ink, bold: Bool = false) {
            guard !value.isEmpty else { return }
            let c = columns[column], inset = 3.0
            canvas.text(value, x: c.align == .right ? x + c.width - inset : x + inset, y: y, size: 7, bold: bold, color: color,
                        align: c.align, maxWidth: c.width - 2 * inset)
        }
        try snapshot.forEachMessage(of: overview.campaign.id) { row in
            if rowOnPage == rowsPerPage { newPage(&dates) }
            index += 1
            let top = Self.tableTop + Self.headerHeight + Double(rowOnPage) * Self.rowHeight
            if rowOnPage % 2 == 1 { canvas.fillRect(m, top, Self.tableWidth - 2 * m, Self.rowHeight, .zebra) }
            let y = top + 8.3
            var x = m
            let values: [String] = [
                String(index), row.phone, row.name, row.variant, text.status(row.status),
                row.sentAt.map { dates.short($0) } ?? "", row.deliveredAt.map { dates.short($0) } ?? "",
                row.readAt.map { dates.short($0) } ?? "", row.repliedAt.map { dates.short($0) } ?? "", text.reason(row.reason),
            ]
            for (column, value) in values.enumerated() {
                if column == 4 {
                    cell(value, column, x: x, y: y, color: Self.statusColor(row.status), bold: true)
                } else {
                    cell(value, column, x: x, y: y, color: column == 0 ? .muted : .ink)
                }
                x += columns[column].width
            }
            rowOnPage += 1
        }
        if index == 0 {
            newPage(&dates)
            canvas.text(text.noSends, x: m + 4, y: Self.tableTop + Self.headerHeight + 14, size: 9, color: .muted)
        }
        return page - firstPage + 1
    }

    static func statusColor(_ status: String) -> ReportColor {
        switch status {
        case "read": ReportColor(0x1E88C8)
        case "delivered": ReportColor(0x1B9E4B)
        case "sent": .brandLight
        case "failed": .red
        case "retrying": ReportColor(0xC77700)
        default: .muted
        }
    }
}
