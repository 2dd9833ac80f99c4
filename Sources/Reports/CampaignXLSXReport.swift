internal import CSiaranXLSXWriter
public import Foundation
public import Store
import VariantStatistics

/// `report.xlsx` through libxlsxwriter in constant-memory mode (each row goes to a temporary
/// file as soon as the next one starts): sheets Summary (with the delivery funnel), Messages, Rejected, Replies and Stuck at sent, a styled and
/// frozen header row with auto filters, sized columns, phone numbers and ids as text (never
/// `6.28E+12`), and times as real Excel dates in the report's time zone.
public enum CampaignXLSXReport {
    /// Writes the workbook atomically; returns the number of message rows.
    @discardableResult
    public static func write(_ snapshot: StoreSnapshot, overview: CampaignOverview, to path: String, text: ReportText, timeZone: TimeZone) throws -> Int {
        let campaign = overview.campaign.id
        let temporary = AtomicFileOutput.temporaryPath(for: path)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        } catch {
            throw ReportsError(.cannotWrite(reason: "the folder cannot be created"), campaign: campaign, file: path)
        }
        let book = try XLSXWorkbook(path: temporary, campaign: campaign)
        defer { if !book.closed { book.discard(); unlink(temporary) } }
        let styles = book.styles()
        var dates = LocalTimeFormatter(timeZone: timeZone)

        // Summary: what a manager reads first.
        let summary = try book.sheet(text.summarySheet)
        summary.columnWidth(0, 0, 30, nil)
        summary.columnWidth(1, 6, 16, nil)
        var row: UInt32 = 0
        summary.string(row, 0, overview.campaign.name, styles.title)
        row += 1
        if overview.partial { summary.string(row, 0, text.partial, styles.warning); row += 1 }
        row += 1
        summary.string(row, 0, text.item, styles.header)
        summary.string(row, 1, text.value, styles.header)
        row += 1
        func pair(_ label: String, _ value: String) { summary.string(row, 0, label, nil); summary.string(row, 1, value, nil); row += 1 }
        func count(_ label: String, _ value: Int) { summary.string(row, 0, label, nil); summary.number(row, 1, Double(value), styles.integer); row += 1 }
        func rate(_ label: String, _ value: Double) { summary.string(row, 0, label, nil); summary.number(row, 1, value, styles.percent); row += 1 }
        pair(text.campaignID, campaign)
        pair(text.state, text.campaignState(overview.campaign.state.rawValue))
        pair(text.period, period(overview, text: text, dates: &dates))
        pair(text.timeZone, timeZone.identifier)
        pair(text.generated, text.dateTime(dates.fields(overview.generatedAt)))
        count(text.total, overview.counts.total)
        count(text.sent, overview.sent)
        count(text.delivered, overview.delivered)
        count(text.read, overview.counts.read)
        count(text.replied, overview.counts.replied)
        count(text.failed, overview.counts.failed)
        count(text.pending, overview.pending)
        count(text.invalidNumbers, overview.invalidNumbers)
        count(text.duplicateNumbers, overview.duplicateNumbers)
        count(text.optedOutNumbers, overview.optedOutNumbers)
        if overview.unengagedNumbers > 0 { count(text.unengagedNumbers, overview.unengagedNumbers) }
        rate(text.deliveryRate, overview.deliveryRate)
        rate(text.readRate, overview.readRate)
        rate(text.replyRate, overview.replyRate)
        row += 1
        // The funnel: each step's count and its share of the accepted messages.
        summary.string(row, 0, text.funnel, styles.header)
        summary.string(row, 1, text.total, styles.header)
        summary.string(row, 2, text.ofAccepted, styles.header)
        row += 1
        let funnel = overview.funnel
        for step in DeliveryFunnel.Step.allCases {
            summary.string(row, 0, text.funnelStep(step), nil)
            summary.number(row, 1, Double(funnel.count(step)), styles.integer)
            summary.number(row, 2, funnel.share(step), styles.percent)
            row += 1
        }
        count(text.stuckAtSent(hours: overview.deliveryAlertHours), overview.stuckAtSent)
        if let times = overview.sendTimes {
            // send_time: best, each group's reads and replies per message sent.
            for (label, group) in [(text.atBestHour, times.bestHour), (text.inCampaignOrder, times.campaignOrder)] {
                count("\(text.sendTime) · \(label) · \(text.sent)", group.sent)
                rate("\(text.sendTime) · \(label) · \(text.readRate)", group.readRate)
                rate("\(text.sendTime) · \(label) · \(text.replyRate)", group.replyRate)
            }
        }
        row += 1
        // Variants with their A/B statistics (VariantStatistics): rates, 95% ranges, p against the best.
        let variantHeader = [text.variant, text.total, text.sent, text.delivered, text.read, text.replied, text.failed, text.optedOutNumbers,
                             text.replyRate, text.rangeFrom, text.rangeTo, text.pValueVsBest,
                             text.readRate, text.rangeFrom, text.rangeTo, text.readPValueVsBest]
        summary.columnWidth(7, 15, 14, nil)
        for (column, title) in variantHeader.enumerated() { summary.string(row, UInt16(column), title, styles.header) }
        row += 1
        let statistics = overview.abStatistics
        for (index, variant) in overview.variants.enumerated() {
            summary.string(row, 0, variant.name.isEmpty ? text.noVariant : variant.name, nil)
            for (column, value) in [variant.total, variant.sent, variant.delivered, variant.read, variant.replied, variant.failed, variant.optedOut].enumerated() {
                summary.number(row, UInt16(column + 1), Double(value), styles.integer)
            }
            for (offset, comparison) in [statistics.replies, statistics.reads].enumerated() {
                let group = comparison.groups[index], first = UInt16(8 + offset * 4)
                summary.number(row, first, group.rate, styles.percent)
                summary.number(row, first + 1, group.interval.low, styles.percent)
                summary.number(row, first + 2, group.interval.high, styles.percent)
                if let p = group.pValueVsBest {
                    summary.number(row, first + 3, p, nil)
                } else if comparison.best == index, overview.hasVariantComparison {
                    summary.string(row, first + 3, text.bestMark, nil)
                }
            }
            row += 1
        }
        if overview.hasVariantComparison {
            for sentence in statistics.summarySentences(text.language == .english ? .english : .indonesian) {
                summary.string(row, 0, sentence, nil)
                row += 1
            }
        }
        if !overview.failureReasons.isEmpty {
            row += 1
            summary.string(row, 0, text.failureReasons, styles.header)
            summary.string(row, 1, text.total, styles.header)
            row += 1
            for reason in overview.failureReasons { count(text.reason(reason.reason), reason.count) }
        }

        // Messages: one row per contact, the same columns as report.csv.
        let messages = try book.sheet(text.messages)
        let headers = [text.line, text.phone, text.name, text.variant, text.status, text.reason, text.session, text.messageID,
                       text.queuedAt, text.sentAt, text.deliveredAt, text.readAt, text.repliedAt]
        let widths: [Double] = [7, 17, 24, 8, 11, 28, 10, 26, 17, 17, 17, 17, 17]
        for (column, width) in widths.enumerated() {
            messages.columnWidth(UInt16(column), UInt16(column), width, column == 1 || column == 7 ? styles.text : nil)
        }
        for (column, title) in headers.enumerated() { messages.string(0, UInt16(column), title, styles.header) }
        messages.freezeHeader()
        var line: UInt32 = 0
        try snapshot.forEachMessage(of: campaign) { message in
            line += 1
            messages.number(line, 0, Double(message.line), nil)
            messages.string(line, 1, message.phone, styles.text)
            messages.string(line, 2, message.name, nil)
            messages.string(line, 3, message.variant, nil)
            messages.string(line, 4, text.status(message.status), message.status == "failed" ? styles.failed : nil)
            messages.string(line, 5, text.reason(message.reason), nil)
            messages.string(line, 6, message.session, nil)
            messages.string(line, 7, message.messageID, styles.text)
            for (column, date) in [message.queuedAt, message.sentAt, message.deliveredAt, message.readAt, message.repliedAt].enumerated() {
                if let date { messages.number(line, UInt16(8 + column), excelSerial(date, dates: &dates), styles.dateTime) }
            }
            if line % 4096 == 0, let error = messages.firstError { throw ReportsError(.spreadsheet(reason: error), campaign: campaign, file: path) }
        }
        messages.autofilter(lastRow: line, lastColumn: UInt16(headers.count - 1))

        // Rejected: each refused input row and why.
        let rejected = try book.sheet(text.rejectedSheet)
        for (column, width) in [7.0, 30, 30].enumerated() {
            rejected.columnWidth(UInt16(column), UInt16(column), width, column == 1 ? styles.text : nil)
        }
        for (column, title) in [text.line, text.input, text.reason].enumerated() { rejected.string(0, UInt16(column), title, styles.header) }
        rejected.freezeHeader()
        var refused: UInt32 = 0
        try snapshot.forEachRejected(of: campaign) { item in
            refused += 1
            rejected.number(refused, 0, Double(item.line), nil)
            rejected.string(refused, 1, item.input, styles.text)
            rejected.string(refused, 2, text.reason(item.reason), nil)
        }
        rejected.autofilter(lastRow: refused, lastColumn: 2)

        // Replies: what contacts wrote back (the columns of replies.csv).
        let replies = try book.sheet(text.repliesSheet)
        for (column, width) in [17.0, 24, 17, 8, 60, 10].enumerated() {
            replies.columnWidth(UInt16(column), UInt16(column), width, column == 0 ? styles.text : nil)
        }
        for (column, title) in [text.phone, text.name, text.receivedAt, text.variant, text.replyText, text.answered].enumerated() {
            replies.string(0, UInt16(column), title, styles.header)
        }
        replies.freezeHeader()
        var replyRow: UInt32 = 0
        try snapshot.forEachReply(of: campaign) { reply in
            replyRow += 1
            replies.string(replyRow, 0, reply.phone, styles.text)
            replies.string(replyRow, 1, reply.name, nil)
            replies.number(replyRow, 2, excelSerial(reply.receivedAt, dates: &dates), styles.dateTime)
            replies.string(replyRow, 3, reply.variant, nil)
            replies.string(replyRow, 4, reply.text, nil)
            replies.string(replyRow, 5, reply.answered ? text.yes : text.no, nil)
        }
        replies.autofilter(lastRow: replyRow, lastColumn: 5)

        // Stuck at sent: acknowledged by the server, no delivery receipt after the alert age.
        let stuck = try book.sheet(text.stuckSheet)
        for (column, width) in [17.0, 24, 10, 26, 17, 12].enumerated() {
            stuck.columnWidth(UInt16(column), UInt16(column), width, column == 0 || column == 3 ? styles.text : nil)
        }
        for (column, title) in [text.phone, text.name, text.session, text.messageID, text.sentAt, text.waitingHours].enumerated() {
            stuck.string(0, UInt16(column), title, styles.header)
        }
        stuck.freezeHeader()
        var stuckRow: UInt32 = 0
        try snapshot.forEachStuckAtSent(of: campaign, sentBefore: overview.stuckBefore) { message in
            stuckRow += 1
            stuck.string(stuckRow, 0, message.phone, styles.text)
            stuck.string(stuckRow, 1, message.name, nil)
            stuck.string(stuckRow, 2, message.session, nil)
            stuck.string(stuckRow, 3, message.messageID, styles.text)
            stuck.number(stuckRow, 4, excelSerial(message.sentAt, dates: &dates), styles.dateTime)
            stuck.number(stuckRow, 5, Double(Int(overview.generatedAt.timeIntervalSince(message.sentAt) / 3600)), styles.integer)
        }
        stuck.autofilter(lastRow: stuckRow, lastColumn: 5)

        for sheet in [summary, messages, rejected, replies, stuck] {
            if let error = sheet.firstError { throw ReportsError(.spreadsheet(reason: error), campaign: campaign, file: path) }
        }
        try book.close(path: path)
        try AtomicFileOutput.moveIntoPlace(temporary, path, campaign: campaign)
        return Int(line)
    }

    /// Days since 1899-12-30 in local wall-clock time, which is what Excel shows.
    static func excelSerial(_ date: Date, dates: inout LocalTimeFormatter) -> Double {
        let local = date.timeIntervalSince1970 + Double(dates.offset(at: date))
        return local / 86_400 + 25_569
    }

    static func period(_ overview: CampaignOverview, text: ReportText, dates: inout LocalTimeFormatter) -> String {
        let start = overview.firstSent ?? overview.campaign.startedAt ?? overview.firstQueued ?? overview.campaign.createdAt
        let end = overview.lastSent ?? overview.campaign.finishedAt ?? overview.generatedAt
        return "\(text.dateTime(dates.fields(start))) – \(text.dateTime(dates.fields(end)))"
    }
}
