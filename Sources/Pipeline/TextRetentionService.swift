public import Foundation
public import Logging
public import ServiceLifecycle
public import Store

/// `privacy.keep_message_texts_days`: each night (02:00 in the sending time zone) the texts of
/// messages, replies and answers older than that many days are erased. States, times and counts
/// stay, so reports and statistics are unchanged; messages not sent yet keep their text.
public struct TextRetentionService: Service {
    let database: SiaranDatabase
    let keepDays: Int
    let clock: any PipelineClock
    let timeZone: TimeZone
    let logger: Logger
    /// Local hour of the nightly run.
    static let hour = 2

    public init(database: SiaranDatabase, keepDays: Int, clock: any PipelineClock = SystemPipelineClock(), timeZone: TimeZone, logger: Logger) {
        self.database = database
        self.keepDays = keepDays
        self.clock = clock
        self.timeZone = timeZone
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = clock.now()
            let wait = Self.nextRun(after: now, timeZone: timeZone).timeIntervalSince(now)
            let clock = clock
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(seconds: wait) }
            } catch {
                return
            }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            do {
                try await runOnce(now: clock.now())
            } catch is CancellationError {
                return
            } catch {
                logger.error("could not erase old message texts: \(error)")
            }
        }
    }

    /// Erases what is older than `keepDays` before `now`.
    @discardableResult
    public func runOnce(now: Date) async throws -> (messages: Int, replies: Int, answers: Int) {
        let cutoff = now.addingTimeInterval(-Double(keepDays) * 86_400)
        let erased = try await database.eraseMessageTexts(before: cutoff)
        if erased.messages + erased.replies + erased.answers > 0 {
            logger.info("privacy: erased the texts of \(erased.messages) messages, \(erased.replies) replies and \(erased.answers) answers older than \(keepDays) days")
        }
        return erased
    }

    /// The next 02:00 in `timeZone` strictly after `date`.
    static func nextRun(after date: Date, timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.nextDate(after: date, matching: DateComponents(hour: hour, minute: 0, second: 0), matchingPolicy: .nextTime) ?? date.addingTimeInterval(86_400)
    }
}
