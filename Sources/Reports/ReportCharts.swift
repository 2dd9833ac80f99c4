import Foundation

/// The charts of report.pdf, drawn with cairo paths (no chart library): status donut, sends per
/// hour (or per day for long campaigns), rates per variant and reason bars.
struct ReportCharts {
    let canvas: CairoCanvas
    let text: ReportText

    private func title(_ value: String, x: Double, y: Double) {
        canvas.text(value, x: x, y: y + 12, size: 12, bold: true, color: .brand)
    }

    /// A donut of every message's state with a legend of counts and shares.
    func statusBreakdown(_ overview: CampaignOverview, x: Double, y: Double, width: Double, height: Double) {
        title(text.statusBreakdown, x: x, y: y)
        let counts = overview.counts
        let slices: [(String, Int, ReportColor)] = [
            (text.statusTitle("read"), counts.read, ReportColor(0x1E88C8)),
            (text.statusTitle("delivered"), counts.delivered, .green),
            (text.statusTitle("sent"), counts.sent, .brandLight),
            (text.statusTitle("failed"), counts.failed, .red),
            (text.pending, counts.pending + counts.sending + counts.retrying, .grey),
        ]
        let total = max(1, counts.total)
        let radius = min(height - 30, 140) / 2
        let cx = x + radius + 10, cy = y + 24 + radius
        if counts.total == 0 {
            canvas.ringSegment(cx: cx, cy: cy, outer: radius, inner: radius * 0.6, start: 0, end: 2 * .pi, .rule)
        } else {
            var angle = -Double.pi / 2
            for slice in slices where slice.1 > 0 {
                let sweep = 2 * .pi * Double(slice.1) / Double(total)
                canvas.ringSegment(cx: cx, cy: cy, outer: radius, inner: radius * 0.6, start: angle, end: angle + sweep, slice.2)
                angle += sweep
            }
        }
        canvas.text(text.count(counts.total), x: cx, y: cy + 2, size: 14, bold: true, color: .ink, align: .center, maxWidth: radius * 1.1)
        canvas.text(text.total.lowercased(), x: cx, y: cy + 14, size: 7, color: .muted, align: .center)

        let legendX = cx + radius + 40
        var ly = y + 44
        for slice in slices {
            canvas.fillRoundedRect(legendX, ly - 8, 10, 10, radius: 2, slice.2)
            canvas.text(slice.0, x: legendX + 16, y: ly, size: 9, color: .ink)
            canvas.text(text.count(slice.1), x: legendX + 190, y: ly, size: 9, bold: true, color: .ink, align: .right)
            canvas.text(text.percent(Double(slice.1) / Double(total)), x: legendX + 250, y: ly, size: 9, color: .muted, align: .right)
            ly += 20
        }
        canvas.text("\(text.replied): \(text.count(counts.replied)) (\(text.percent(overview.replyRate)) \(text.ofSent))",
                    x: legendX + 16, y: ly + 6, size: 9, color: .amber)
    }

    /// Bars of messages sent per hour (failed stacked on top); per day when the campaign ran
    /// longer than two days, so bars stay readable.
    func timeline(_ overview: CampaignOverview, x: Double, y: Double, width: Double, height: Double, dates: inout LocalTimeFormatter) {
        let hours = overview.sendsPerHour
        guard let first = hours.first, let last = hours.last else {
            title(text.sendsPerHour, x: x, y: y)
            canvas.text(text.noSends, x: x, y: y + 40, size: 9, color: .muted)
            return
        }
        let span = Int((last.start.timeIntervalSince(first.start) / 3600).rounded()) + 1
        let daily = span > 48
        title(daily ? text.sendsPerDay : text.sendsPerHour, x: x, y: y)
        // Buckets keyed by local hour or local day, with the empty ones in between.
        var buckets: [(label: String, sent: Int, failed: Int)] = []
        if daily {
            var byDay: [(key: Int, label: String, sent: Int, failed: Int)] = []
            for hour in hours {
                let t = dates.fields(hour.start)
                let key = t.year * 10_000 + t.month * 100 + t.day
                if byDay.last?.key == key {
                    byDay[byDay.count - 1].sent += hour.sent
                    byDay[byDay.count - 1].failed += hour.failed
                } else {
                    byDay.append((key, "\(LocalTimeFormatter.pad(t.day))/\(LocalTimeFormatter.pad(t.month))", hour.sent, hour.failed))
                }
            }
            buckets = byDay.map { ($0.label, $0.sent, $0.failed) }
        } else {
            var index = 0
            for step in 0..<span {
                let start = first.start.addingTimeInterval(Double(step) * 3600)
                var sent = 0, failed = 0
                if index < hours.count, abs(hours[index].start.timeIntervalSince(start)) < 1 {
                    sent = hours[index].sent
                    failed = hours[index].failed
                    index += 1
                }
                let t = dates.fields(start)
                buckets.append(("\(LocalTimeFormatter.pad(t.hour)):\(LocalTimeFormatter.pad(t.minute))", sent, failed))
            }
        }
        let plotX = x + 44, plotY = y + 26, plotWidth = width - 50, plotHeight = height - 56
        let peak = buckets.map { $0.sent + $0.failed }.max() ?? 0
        let axisMax = Self.niceMaximum(peak)
        for tick in 0...4 {
            let value = axisMax * tick / 4
            let ty = plotY + plotHeight - plotHeight * Double(tick) / 4
            canvas.line(plotX, ty, plotX + plotWidth, ty, .rule)
            canvas.text(text.count(value), x: plotX - 6, y: ty + 3, size: 7, color: .muted, align: .right)
        }
        let slot = plotWidth / Double(buckets.count)
        let barWidth = max(1, slot * 0.7)
        let labelEvery = max(1, Int((40 / slot).rounded(.up)))
        for (index, bucket) in buckets.enumerated() {
            let bx = plotX + Double(index) * slot + (slot - barWidth) / 2
            let sentHeight = axisMax == 0 ? 0 : plotHeight * Double(bucket.sent) / Double(axisMax)
            let failedHeight = axisMax == 0 ? 0 : plotHeight * Double(bucket.failed) / Double(axisMax)
            canvas.fillRect(bx, plotY + plotHeight - sentHeight, barWidth, sentHeight, .brandLight)
            canvas.fillRect(bx, plotY + plotHeight - sentHeight - failedHeight, barWidth, failedHeight, .red)
            if index % labelEvery == 0 {
                canvas.text(bucket.label, x: bx + barWidth / 2, y: plotY + plotHeight + 12, size: 7, color: .muted, align: .center)
            }
        }
        canvas.line(plotX, plotY + plotHeight, plotX + plotWidth, plotY + plotHeight, .muted, width: 0.8)
        let legendY = y + height - 6
        canvas.fillRect(plotX, legendY - 7, 8, 8, .brandLight)
        canvas.text(text.sent, x: plotX + 12, y: legendY, size: 8, color: .ink)
        canvas.fillRect(plotX + 80, legendY - 7, 8, 8, .red)
        canvas.text(text.failed, x: plotX + 92, y: legendY, size: 8, color: .ink)
    }

    /// Horizontal bars of delivered, read and replied shares for each variant.
    func variantRates(_ overview: CampaignOverview, x: Double, y: Double, width: Double, height: Double) {
        title(text.variantRates, x: x, y: y)
        let variants = Array(overview.variants.prefix(6))
        guard !variants.isEmpty else {
            canvas.text(text.noSends, x: x, y: y + 40, size: 9, color: .muted)
            return
        }
        let series: [(String, ReportColor)] = [(text.delivered, .green), (text.read, ReportColor(0x1E88C8)), (text.replied, .amber)]
        let labelWidth = 90.0, barX = x + labelWidth, barWidth = width - labelWidth - 60
        let groupHeight = min(42, (height - 44) / Double(variants.count))
        let bar = (groupHeight - 6) / 3
        var gy = y + 26
        for variant in variants {
            let name = variant.name.isEmpty ? text.noVariant : "\(text.variant) \(variant.name)"
            canvas.text(name, x: x, y: gy + groupHeight / 2, size: 9, bold: true, color: .ink, maxWidth: labelWidth - 6)
            canvas.text("\(text.count(variant.sent)) \(text.sent.lowercased())", x: x, y: gy + groupHeight / 2 + 10, size: 7, color: .muted,
                        maxWidth: labelWidth - 6)
            for (index, rate) in [variant.deliveryRate, variant.readRate, variant.replyRate].enumerated() {
                let by = gy + Double(index) * bar
                canvas.fillRect(barX, by, barWidth, bar - 1, .zebra)
                canvas.fillRect(barX, by, barWidth * min(1, rate), bar - 1, series[index].1)
                canvas.text(text.percent(rate), x: barX + barWidth + 6, y: by + bar - 2, size: 7, color: .ink)
            }
            gy += groupHeight
        }
        var lx = barX
        for (name, color) in series {
            canvas.fillRect(lx, y + height - 12, 8, 8, color)
            lx += canvas.text(name, x: lx + 12, y: y + height - 5, size: 8, color: .ink) + 28
        }
    }

    /// Horizontal bars of the most common reasons (failures or refusals).
    func reasons(_ reasons: [CampaignOverview.ReasonCount], title value: String, empty: String, color: ReportColor,
                 x: Double, y: Double, width: Double, height: Double) {
        title(value, x: x, y: y)
        guard let top = reasons.first?.count, top > 0 else {
            canvas.text(empty, x: x, y: y + 40, size: 9, color: .muted)
            return
        }
        let shown = Array(reasons.prefix(8))
        let labelWidth = min(150, width * 0.45), countWidth = 44.0
        let barX = x + labelWidth, barWidth = width - labelWidth - countWidth
        let rowHeight = min(18, (height - 30) / Double(shown.count))
        var ry = y + 26
        for reason in shown {
            canvas.text(text.reason(reason.reason), x: x, y: ry + rowHeight * 0.65, size: 8, color: .ink, maxWidth: labelWidth - 6)
            canvas.fillRect(barX, ry + 2, max(1, barWidth * Double(reason.count) / Double(top)), rowHeight - 5, color)
            canvas.text(text.count(reason.count), x: x + width, y: ry + rowHeight * 0.65, size: 8, bold: true, color: .ink, align: .right)
            ry += rowHeight
        }
    }

    /// The smallest 1-2-5 × 10ⁿ number at or above `value` that splits into four even ticks.
    static func niceMaximum(_ value: Int) -> Int {
        guard value > 0 else { return 4 }
        var magnitude = 1
        while magnitude * 10 <= value { magnitude *= 10 }
        for step in [1, 2, 4, 5, 8, 10] where step * magnitude >= value {
            let candidate = step * magnitude
            if candidate % 4 == 0 || candidate < 4 { return max(4, candidate) }
        }
        return 10 * magnitude
    }
}
