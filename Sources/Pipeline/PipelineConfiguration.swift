import Foundation

/// How drops are taken from `inbox/` and how campaigns are paced.
/// Built from the `watch:` and `sending:` sections of `pipeline.yaml`.
public struct PipelineConfiguration: Sendable, Equatable {
    public var watch: WatchConfiguration
    public var sending: SendingConfiguration

    public init(watch: WatchConfiguration = .init(), sending: SendingConfiguration = .init()) {
        self.watch = watch
        self.sending = sending
    }
}

/// How the watch folder is observed.
public struct WatchConfiguration: Sendable, Equatable {
    /// A drop is complete once nothing in it has been written for this long.
    public var quietSeconds: Double
    /// Full rescan interval, for network filesystems that do not deliver inotify events.
    public var rescanSeconds: Double
    /// Take a drop only once a `READY` file appears in it.
    public var requireReadyMarker: Bool
    /// Largest single file accepted in a drop, in bytes.
    public var maxFileBytes: Int
    /// How long a drop that lacks a part (numbers but no message yet, or the other way round)
    /// is waited for after its last change before it is refused (`watch.incomplete_minutes`).
    public var incompleteSeconds: Double

    public init(
        quietSeconds: Double = 10,
        rescanSeconds: Double = 30,
        requireReadyMarker: Bool = false,
        maxFileBytes: Int = 100 * 1024 * 1024,
        incompleteSeconds: Double = 30 * 60
    ) {
        self.quietSeconds = quietSeconds
        self.rescanSeconds = rescanSeconds
        self.requireReadyMarker = requireReadyMarker
        self.maxFileBytes = maxFileBytes
        self.incompleteSeconds = incompleteSeconds
    }
}

/// How messages are paced and guarded while sending.
public struct SendingConfiguration: Sendable, Equatable {
    public enum Approval: String, Sendable, CaseIterable {
        /// Campaigns send as soon as they are scheduled.
        case none
        /// Campaigns wait for an `APPROVE` file in `outbox/<campaign>/`.
        case required
    }

    public enum TransportKind: String, Sendable, CaseIterable {
        /// Sends nothing; writes every message to `outbox/<campaign>/dry-run.jsonl`.
        case dryRun = "dry-run"
        /// Sends through the linked WhatsApp sessions.
        case whatsapp
    }

    /// Random delay between two sends of one session, in seconds.
    public var delayMinimum: Double
    public var delayMaximum: Double
    /// Most messages one session sends per hour and per day.
    public var hourlyCap: Int
    public var dailyCap: Int
    /// Daily caps for the first days of a newly linked number; the last value holds afterwards
    /// until it reaches `dailyCap`.
    public var warmUpDailyCaps: [Int]
    /// Most messages one session sends per day to cold contacts (who have not written to us within
    /// `warmDays`); 0 means no cap. Real transports only: a dry-run ignores it (its plan shows it).
    public var coldDailyCap: Int
    /// A contact who wrote to us within this many days is warm (`sending.warm_days`).
    public var warmDays: Int
    /// The engagement guard (`sending.unengaged_campaigns`): contacts who received their last
    /// this many real campaigns and never read nor replied are held back; 0 turns it off.
    /// A campaign's `engagement_guard:` overrides it.
    public var unengagedCampaigns: Int
    /// After this many messages a session pauses for `batchPauseSeconds` (0 turns batches off).
    public var batchSize: Int
    public var batchPauseSeconds: Double
    /// Daily window in which sending is allowed, in `timeZone`.
    public var window: SendingWindow
    /// IANA time-zone name for windows, schedules and reports.
    public var timeZone: String
    /// Show "typing…" before each message.
    public var typingPresence: Bool
    public var approval: Approval
    public var transport: TransportKind
    /// Attempts before a transient failure becomes permanent.
    public var maxAttempts: Int

    public init(
        delayMinimum: Double = 3,
        delayMaximum: Double = 6,
        hourlyCap: Int = 200,
        dailyCap: Int = 1000,
        warmUpDailyCaps: [Int] = [50, 100, 200, 400, 700],
        coldDailyCap: Int = 200,
        warmDays: Int = 30,
        unengagedCampaigns: Int = 3,
        batchSize: Int = 50,
        batchPauseSeconds: Double = 60,
        window: SendingWindow = SendingWindow(startMinute: 8 * 60, endMinute: 20 * 60),
        timeZone: String = "Asia/Jakarta",
        typingPresence: Bool = false,
        approval: Approval = .none,
        transport: TransportKind = .dryRun,
        maxAttempts: Int = 5
    ) {
        self.delayMinimum = delayMinimum
        self.delayMaximum = delayMaximum
        self.hourlyCap = hourlyCap
        self.dailyCap = dailyCap
        self.warmUpDailyCaps = warmUpDailyCaps
        self.coldDailyCap = coldDailyCap
        self.warmDays = warmDays
        self.unengagedCampaigns = unengagedCampaigns
        self.batchSize = batchSize
        self.batchPauseSeconds = batchPauseSeconds
        self.window = window
        self.timeZone = timeZone
        self.typingPresence = typingPresence
        self.approval = approval
        self.transport = transport
        self.maxAttempts = maxAttempts
    }
}

/// A daily sending window such as `08:00-20:00`. A window whose end is before its start wraps
/// past midnight; `00:00-24:00` allows the whole day.
public struct SendingWindow: Sendable, Equatable, CustomStringConvertible {
    /// Minutes after local midnight, `0..<1440`.
    public var startMinute: Int
    /// Minutes after local midnight, `1...1440`.
    public var endMinute: Int

    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Parses `HH:MM-HH:MM`; returns nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let start = Self.minutes(parts[0].trimmingCharacters(in: .whitespaces)),
              let end = Self.minutes(parts[1].trimmingCharacters(in: .whitespaces)),
              start < 24 * 60, end > 0, start != end
        else { return nil }
        self.init(startMinute: start, endMinute: end)
    }

    /// Whether a local time, in minutes after midnight, falls inside the window.
    public func contains(minuteOfDay minute: Int) -> Bool {
        if startMinute < endMinute {
            return minute >= startMinute && minute < endMinute
        }
        return minute >= startMinute || minute < endMinute
    }

    public var description: String {
        String(format: "%02d:%02d-%02d:%02d", startMinute / 60, startMinute % 60, endMinute / 60, endMinute % 60)
    }

    private static func minutes(_ text: String) -> Int? {
        let hm = text.split(separator: ":")
        guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2,
              let h = Int(hm[0]), let m = Int(hm[1]),
              (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 24 * 60
        else { return nil }
        return h * 60 + m
    }
}
