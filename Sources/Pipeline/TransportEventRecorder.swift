import Foundation
public import Logging
public import Reports
public import ServiceLifecycle
public import Store
public import Transport

/// Turns what a transport hears — delivery and read receipts, replies — into message rows,
/// the response rate, and opt-outs: a reply that is an opt-out word (STOP, BERHENTI, …) adds the
/// number to the opt-out list at once, so the sender skips it from its next message on.
public final class TransportEventRecorder: Service, Sendable {
    private let events: AsyncStream<TransportEvent>
    private let database: SiaranDatabase
    private let optOutWords: Set<String>
    private let optOutFile: String?
    private let logger: Logger
    private let eventLog: CampaignEventLog?
    private let autoReply: AutoReplyBot?

    public init(events: AsyncStream<TransportEvent>, database: SiaranDatabase, optOutWords: [String], optOutFile: String?, logger: Logger,
                eventLog: CampaignEventLog? = nil, autoReply: AutoReplyBot? = nil) {
        self.eventLog = eventLog
        self.autoReply = autoReply
        self.events = events
        self.database = database
        self.optOutWords = Set(optOutWords.map { $0.uppercased() })
        self.optOutFile = optOutFile
        self.logger = logger
    }

    public func run() async throws {
        // Receipts keep coming for as long as the transport runs; stop listening on shutdown.
        for await event in events.cancelOnGracefulShutdown() {
            do {
                try await record(event)
            } catch {
                logger.error("could not record a receipt or reply", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A receipt names only the message; its campaign and phone come from the database.
    private func logReceipt(_ id: String, status: String, at date: Date) async throws {
        guard let eventLog else { return }
        let owner = try await database.messageOwner(id)
        if let owner {
            try await knowFolder(of: owner.campaign)
            eventLog.record(campaign: owner.campaign, phone: owner.phone, messageID: id, status: status, at: date)
        }
    }

    /// The campaign log lives in the campaign's outbox folder; receipts after a restart name only the id.
    private func knowFolder(of campaign: String) async throws {
        guard let eventLog, eventLog.folder(for: campaign) == nil, let record = try await database.campaign(campaign) else { return }
        eventLog.setFolder(record.folderName, for: campaign)
    }

    func record(_ event: TransportEvent) async throws {
        switch event {
        case .delivered(let id, let at):
            try await database.markDelivered(id, at: at)
            try await logReceipt(id, status: "delivered", at: at)
        case .read(let id, let at):
            try await database.markRead(id, at: at)
            try await logReceipt(id, status: "read", at: at)
        case .reply(let phone, let session, let messageId, let text, let at):
            let optOut = isOptOut(text)
            let campaign = try await database.recordReply(phone: phone, session: session, messageId: messageId, text: text, at: at, isOptOut: optOut)
            if let eventLog, let campaign {
                try await knowFolder(of: campaign)
                eventLog.record(campaign: campaign, phone: phone, messageID: messageId, status: optOut ? "opted-out" : "replied", at: at)
            }
            if optOut {
                try await database.addOptOut(phone: phone, source: "reply", detail: text)
                if let optOutFile {
                    // Under the file's lock: the dashboard may be rewriting it to remove a number.
                    try FileLock.withExclusiveLock(beside: optOutFile) {
                        let handle = FileHandle(forWritingAtPath: optOutFile) ?? {
                            _ = FileManager.default.createFile(atPath: optOutFile, contents: nil, attributes: [.posixPermissions: 0o600])
                            return FileHandle(forWritingAtPath: optOutFile)
                        }()
                        _ = try? handle?.seekToEnd()
                        handle?.write(Data("\(phone)\n".utf8))
                        try? handle?.close()
                    }
                }
                logger.notice("opted out by reply", metadata: ["phone": "\(phone)", "campaign.id": "\(campaign ?? "-")"])
            }
            // After the opt-out is recorded, so the bot's only answer to it is the confirmation.
            if let autoReply {
                do {
                    try await autoReply.respond(phone: phone, session: session, text: text, isOptOut: optOut, receivedAt: at)
                } catch {
                    logger.error("auto-reply could not answer", metadata: ["phone": "\(phone)", "error": "\(error)"])
                }
            }
        }
    }

    /// A reply opts out when, ignoring case, spaces and punctuation, it is one of the words.
    func isOptOut(_ text: String) -> Bool {
        Self.isOptOut(text, words: optOutWords)
    }

    /// The same test for `siaran autoreply test`: `words` upper-cased.
    public static func isOptOut(_ text: String, words: Set<String>) -> Bool {
        words.contains(text.uppercased().filter { $0.isLetter || $0.isNumber })
    }
}
