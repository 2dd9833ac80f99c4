public import Foundation
public import Reports
public import Store

extension CampaignPlan {
    /// Gathers the plan's numbers for a campaign: its messages still to send split warm/cold, the
    /// messages queued before it, each session's daily caps from its warm-up day, and the campaign's
    /// own delays (`campaign.yaml` wins over `pipeline.yaml`).
    public static func load(campaign: String, database: SiaranDatabase, sending: SendingConfiguration, sessions: [String],
                            options: CampaignOptions?, now: Date) async throws -> CampaignPlan {
        let warmSince = now.addingTimeInterval(-Double(sending.warmDays) * 86_400)
        let counts = try await database.warmColdCounts(of: campaign, warmSince: warmSince)
        let ahead = try await database.pendingMessagesAhead(of: campaign)
        let names = options?.sessions.flatMap { $0.isEmpty ? nil : $0 } ?? (sessions.isEmpty ? ["utama"] : sessions)
        var caps: [SessionCaps] = []
        for name in names {
            var daily = [sending.dailyCap]
            if !sending.warmUpDailyCaps.isEmpty, let linked = try await database.linkedAt(session: name) {
                let first = max(0, Int(now.timeIntervalSince(linked) / 86_400))
                daily = (first...sending.warmUpDailyCaps.count).map { day in
                    guard day < sending.warmUpDailyCaps.count else { return sending.dailyCap }
                    let warmUp = sending.warmUpDailyCaps[day]
                    return sending.dailyCap == 0 ? warmUp : min(warmUp, sending.dailyCap)
                }
                if first >= sending.warmUpDailyCaps.count { daily = [sending.dailyCap] }
            }
            caps.append(SessionCaps(name: name, dailyCaps: daily))
        }
        let low = options?.delayMinimum ?? sending.delayMinimum, high = options?.delayMaximum ?? sending.delayMaximum
        // A dry-run's plan shows real sending's days (its plan still shows the cold caps) and says so.
        var plan = make(warm: counts.warm, cold: counts.cold, ahead: ahead, sessions: caps, sending: sending,
                        averageDelay: (low + high) / 2, coldCapApplies: true, now: now)
        plan.rehearsal = sending.transport == .dryRun
        plan.guardCampaigns = options?.engagementGuard ?? sending.unengagedCampaigns
        plan.unengaged = try await database.rejectedCount(of: campaign, reason: "unengaged")
        plan.segment = options?.segment
        plan.outsideSegment = try await database.outsideSegment(campaign: campaign)
        if options?.bestSendTime == true {
            let zone = TimeZone(identifier: sending.timeZone) ?? .current
            plan.bestHourContacts = try await database.readReplyHours(of: campaign, utcOffset: zone.secondsFromGMT(for: now)).count
        }
        if let test = options?.abTest, try await database.abTest(of: campaign)?.decidedAt == nil {
            plan.abTest = test
            plan.abRest = try await database.contactsWithoutMessageCount(of: campaign)
        }
        return plan
    }

    /// The plan in plain words, in English or Indonesian, for preview.txt, `siaran campaigns show`
    /// and the dashboard. At most `maxDays` days are listed one by one.
    public func lines(english: Bool, maxDays: Int = 7) -> [String] {
        func n(_ value: Int) -> String {
            let digits = String(value)
            var out = ""
            for (i, c) in digits.reversed().enumerated() {
                if i > 0 && i % 3 == 0 { out.append(english ? "," : ".") }
                out.append(c)
            }
            return String(out.reversed())
        }
        func pick(_ en: String, _ id: String) -> String { english ? en : id }
        var dates = LocalTimeFormatter(timeZone: TimeZone(identifier: sending.timeZone) ?? .current)
        var lines: [String] = []
        lines.append(pick("Plan (an estimate; times in \(sending.timeZone)):", "Rencana (perkiraan; waktu \(sending.timeZone)):"))
        lines.append(pick("  \(n(warm + cold)) \(warm + cold == 1 ? "message" : "messages") to send: \(n(warm)) warm (wrote to us within \(sending.warmDays) days), \(n(cold)) cold.",
                          "  \(n(warm + cold)) pesan akan dikirim: \(n(warm)) hangat (pernah menulis ke kita dalam \(sending.warmDays) hari), \(n(cold)) dingin."))
        if let segment {
            let left = outsideSegment.map { n($0) } ?? "?"
            lines.append(pick("  Segment \"\(segment)\": \(left) contacts of the list are outside it and are not messaged.",
                              "  Segmen \"\(segment)\": \(left) kontak di daftar berada di luarnya dan tidak dikirimi."))
        }
        if let timed = bestHourContacts {
            lines.append(pick("  Send time: best. \(n(timed)) contacts get the message at the hour they read or replied most in past campaigns (inside the window); the other \(n(max(0, warm + cold - timed))) go in the list's order. The days below do not count those waits.",
                              "  Waktu kirim: terbaik. \(n(timed)) kontak menerima pesan pada jam saat mereka paling sering membaca atau membalas di kampanye sebelumnya (di dalam jendela kirim); \(n(max(0, warm + cold - timed))) lainnya mengikuti urutan daftar. Hari-hari di bawah belum menghitung waktu tunggu itu."))
        }
        if let abTest {
            let metric = abTest.metric == .replied ? pick("reply", "balasan") : pick("read", "baca")
            let wait = ABTestRun.duration(abTest.waitSeconds, english: english)
            let fallback = abTest.fallback == .first ? pick("the first variant", "varian pertama") : pick("the variant with the higher rate", "varian dengan angka lebih tinggi")
            lines.append(pick("  A/B test: these \(n(warm + cold)) messages are the sample (\(String(format: "%g", abTest.samplePercent))%). \(wait) after it went out, the variant with a significantly higher \(metric) rate (at least \(n(abTest.minPerVariant)) messages each) goes to the other \(n(abRest)) contacts; otherwise \(fallback).",
                              "  Uji A/B: \(n(warm + cold)) pesan ini adalah sampelnya (\(String(format: "%g", abTest.samplePercent))%). \(wait) setelah terkirim, varian dengan angka \(metric) yang jelas lebih tinggi (paling sedikit \(n(abTest.minPerVariant)) pesan masing-masing) dikirim ke \(n(abRest)) kontak lainnya; bila tidak, \(fallback)."))
            if rehearsal {
                lines.append(pick("  This dry-run does not wait: nothing is sent, so no reply or read can come; the winner is chosen as soon as the sample is written (\(fallback), as the sample cannot tell) and a real run waits \(wait), paused time not counted.",
                                  "  Uji coba (dry-run) ini tidak menunggu: tidak ada yang terkirim, jadi tidak akan ada balasan atau baca; pemenang dipilih begitu sampel ditulis (\(fallback), karena sampel tidak bisa menentukan) dan pengiriman sungguhan menunggu \(wait), waktu jeda tidak dihitung."))
            }
        }
        if guardCampaigns > 0 {
            lines.append(pick("  Engagement guard: \(n(unengaged)) held back (they received their last \(guardCampaigns) campaigns and never read or replied; listed in rejected.csv as unengaged). Sending less to people who ignore us protects the number. Turn it off for this campaign with engagement_guard: off in campaign.yaml.",
                              "  Penjaga keterlibatan: \(n(unengaged)) ditahan (menerima \(guardCampaigns) kampanye terakhir tanpa pernah membaca atau membalas; ada di rejected.csv dengan alasan unengaged). Lebih sedikit mengirim ke yang mengabaikan kita melindungi nomor. Matikan untuk kampanye ini dengan engagement_guard: off di campaign.yaml."))
        } else {
            lines.append(pick("  Engagement guard: off for this campaign (contacts who ignore us are messaged too).",
                              "  Penjaga keterlibatan: mati untuk kampanye ini (kontak yang mengabaikan kita tetap dikirimi)."))
        }
        if ahead > 0 {
            lines.append(pick("  First \(n(ahead)) messages of campaigns queued before this one.",
                              "  Lebih dulu \(n(ahead)) pesan dari kampanye yang antre sebelum ini."))
        }
        let cap: (Int) -> String = { $0 == 0 ? pick("none", "tidak ada") : n($0) }
        let window = sending.window.startMinute == 0 && sending.window.endMinute == 1440
            ? pick("all day", "sepanjang hari") : "\(sending.window)"
        let batch = sending.batchSize > 0 && sending.batchPauseSeconds > 0
            ? pick(", a \(Int(sending.batchPauseSeconds)) s rest after every \(n(sending.batchSize))",
                   ", istirahat \(Int(sending.batchPauseSeconds)) detik setiap \(n(sending.batchSize)) pesan") : ""
        let delay = String(format: "%.1f", averageDelay).replacingOccurrences(of: ".", with: english ? "." : ",")
        lines.append(pick("  Caps per session: daily \(cap(sending.dailyCap)), hourly \(cap(sending.hourlyCap)), cold contacts \(cap(sending.coldDailyCap)) a day; window \(window); \(delay) s between messages on average\(batch).",
                          "  Batas per nomor: harian \(cap(sending.dailyCap)), per jam \(cap(sending.hourlyCap)), kontak dingin \(cap(sending.coldDailyCap)) per hari; jam kirim \(window); rata-rata \(delay) detik antar pesan\(batch)."))
        for session in sessionCaps where session.dailyCaps.count > 1 || (session.dailyCaps.first ?? 0) != sending.dailyCap {
            let steps = session.dailyCaps.map(cap).joined(separator: " → ")
            lines.append(pick("  \(session.name) is newly linked: warm-up caps from today \(steps).",
                              "  \(session.name) baru ditautkan: batas pemanasan mulai hari ini \(steps)."))
        }
        if rehearsal && sending.coldDailyCap > 0 {
            lines.append(pick("  Dry-run: this rehearsal ignores the cold cap and finishes sooner; real sending would follow the days below.",
                              "  Dry-run: latihan ini tidak memakai batas kontak dingin dan selesai lebih cepat; pengiriman sungguhan mengikuti hari-hari di bawah."))
        }
        for day in days.prefix(maxDays) {
            let parts = day.sessions.map { "\($0.session) \(n($0.warm + $0.cold)) (\(n($0.cold)) \(pick("cold", "dingin")))" }
            let ahead = day.ahead > 0 ? pick(" after \(n(day.ahead)) queued before", " setelah \(n(day.ahead)) antrean") : ""
            lines.append("  \(String(dates.readable(day.start).prefix(10))): " + parts.joined(separator: ", ") + ahead)
        }
        if days.count > maxDays {
            lines.append(pick("  … \(days.count - maxDays) more days", "  … \(days.count - maxDays) hari lagi"))
        }
        if let finish {
            lines.append(pick("  Estimated finish: \(dates.readable(finish)) (\(days.count) \(days.count == 1 ? "day" : "days")).",
                              "  Perkiraan selesai: \(dates.readable(finish)) (\(days.count) hari)."))
        } else if warm + cold > 0 {
            lines.append(pick("  At these caps the campaign would take more than a year.", "  Dengan batas ini kampanye butuh lebih dari setahun."))
        }
        return lines
    }
}
