import Foundation
import Store

extension CampaignPDFReport {
    /// The funnel page: accepted → server ack → delivered → read → replied as bars with counts and
    /// shares of accepted, then the messages stuck at "sent" past the alert age, as many as fit
    /// (the rest are in stuck-at-sent.csv and report.xlsx).
    func drawFunnelPage(_ canvas: CairoCanvas, snapshot: StoreSnapshot, dates: inout LocalTimeFormatter, page: Int) throws {
        drawHeader(canvas)
        let m = Self.margin, width = Self.pageWidth - 2 * m
        var y = 64.0
        canvas.text(text.funnel, x: m, y: y, size: 14, bold: true, color: .brand, maxWidth: width)
        y += 18
        let funnel = overview.funnel
        let colors: [DeliveryFunnel.Step: ReportColor] = [.accepted: .brand, .serverAck: .brandLight, .delivered: .green, .read: .blue, .replied: .amber]
        let labelWidth = 150.0, figuresWidth = 110.0
        let barX = m + labelWidth, barWidth = width - labelWidth - figuresWidth
        for step in DeliveryFunnel.Step.allCases {
            let share = funnel.share(step)
            canvas.text(text.funnelStep(step), x: m, y: y + 17, size: 10, bold: true, color: .ink, maxWidth: labelWidth - 8)
            canvas.fillRoundedRect(barX, y + 5, barWidth, 18, radius: 4, .zebra)
            if share > 0 { canvas.fillRoundedRect(barX, y + 5, max(4, barWidth * min(share, 1)), 18, radius: 4, colors[step] ?? .brand) }
            canvas.text(text.count(funnel.count(step)), x: m + width - 52, y: y + 17, size: 10, bold: true, color: .ink, align: .right, maxWidth: 60)
            canvas.text(text.percent(share), x: m + width, y: y + 17, size: 9, color: .muted, align: .right, maxWidth: 48)
            y += 30
        }
        canvas.text(text.ofAccepted, x: m + width, y: y + 2, size: 7, color: .muted, align: .right, maxWidth: figuresWidth)
        y += 14
        for line in canvas.wrap(text.funnelExplanation, maxWidth: width, size: 8) {
            canvas.text(line, x: m, y: y, size: 8, color: .muted)
            y += 11
        }

        if let times = overview.sendTimes {
            y += 16
            canvas.text(text.sendTime, x: m, y: y, size: 12, bold: true, color: .brand, maxWidth: width)
            y += 18
            for (label, group) in [(text.atBestHour, times.bestHour), (text.inCampaignOrder, times.campaignOrder)] {
                canvas.text("• " + text.sendTimeLine(label, group), x: m, y: y, size: 10, color: .ink, maxWidth: width)
                y += 14
            }
            if !times.comparable {
                canvas.text(text.sendTimeNotComparable, x: m, y: y, size: 8, color: .muted, maxWidth: width)
                y += 11
            }
        }

        y += 24
        let stuck = overview.stuckAtSent
        canvas.text(text.stuckAtSent(hours: overview.deliveryAlertHours), x: m, y: y, size: 12, bold: true, color: stuck > 0 ? .red : .brand, maxWidth: width)
        y += 26
        canvas.text(text.count(stuck), x: m, y: y, size: 22, bold: true, color: stuck > 0 ? .red : .ink)
        y += 16
        for line in canvas.wrap(stuck > 0 ? text.stuckExplanation : text.noneStuck, maxWidth: width, size: 9) {
            canvas.text(line, x: m, y: y, size: 9, color: .ink)
            y += 12
        }
        if stuck > 0 {
            y += 8
            // Phone, name, session, sent, hours waiting, message id.
            let xs = [m, m + 78, m + 180, m + 235, m + 305, m + 380]
            func limit(_ index: Int) -> Double { (index + 1 < xs.count ? xs[index + 1] : m + width) - xs[index] - 6 }
            let titles = [text.phone, text.name, text.session, text.sentAt, text.waitingHours, text.messageID]
            canvas.fillRect(m, y, width, Self.headerHeight, .brand)
            for (index, title) in titles.enumerated() {
                canvas.text(title, x: xs[index] + 3, y: y + 11, size: 7, bold: true, color: .white, maxWidth: limit(index))
            }
            y += Self.headerHeight
            let bottom = Self.pageHeight - 60
            let fits = max(0, Int((bottom - y) / Self.rowHeight))
            var shown = 0
            try snapshot.forEachStuckAtSent(of: overview.campaign.id, sentBefore: overview.stuckBefore, limit: fits) { row in
                if shown % 2 == 1 { canvas.fillRect(m, y, width, Self.rowHeight, .zebra) }
                let hours = Int(overview.generatedAt.timeIntervalSince(row.sentAt) / 3600)
                let values = [row.phone, row.name, row.session, dates.short(row.sentAt), String(hours), row.messageID]
                for (index, value) in values.enumerated() {
                    canvas.text(value, x: xs[index] + 3, y: y + 8.3, size: 7, color: .ink, maxWidth: limit(index))
                }
                y += Self.rowHeight
                shown += 1
            }
            if stuck > shown {
                canvas.text(text.stuckMore(stuck - shown), x: m, y: y + 12, size: 8, color: .muted, maxWidth: width)
            }
        }
        drawFooter(canvas, page: page, dates: &dates)
    }
}
