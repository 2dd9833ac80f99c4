import Crypto
import Foundation
public import Logging
public import Store

/// Takes ready drops out of `inbox/`: refuses what cannot be used (files kept in
/// `inbox/failed/<name>/` with `outbox/<name>/errors.txt` beside them), reports duplicates, and
/// moves accepted drops atomically into `state/spool/<campaign-id>/`, recorded in the database.
public struct DropIntake: Sendable {
    public var inbox: String
    public var outbox: String
    public var spool: String
    public var database: SiaranDatabase
    public var defaultTimeZone: String
    public var logger: Logger

    public init(inbox: String, outbox: String, spool: String, database: SiaranDatabase, defaultTimeZone: String, logger: Logger) {
        self.inbox = inbox
        self.outbox = outbox
        self.spool = spool
        self.database = database
        self.defaultTimeZone = defaultTimeZone
        self.logger = logger
    }

    public enum Outcome: Sendable, Equatable {
        case accepted(campaignId: String)
        case duplicate(of: String)
        case refused(reason: String)
    }

    public func take(_ finding: DropScanner.Finding) async throws -> Outcome {
        switch finding {
        case .refused(let drop, let reason):
            try refuse(drop, reason: reason)
            return .refused(reason: reason)
        case .ready(let drop):
            return try await accept(drop)
        }
    }

    private func accept(_ drop: Drop) async throws -> Outcome {
        var options = CampaignOptions()
        if let file = drop.optionsFile {
            do {
                options = try CampaignOptions.parse(try String(contentsOfFile: file, encoding: .utf8), defaultTimeZone: defaultTimeZone)
            } catch let problem as CampaignOptions.Problem {
                try refuse(drop, reason: problem.description)
                return .refused(reason: problem.description)
            } catch {
                try refuse(drop, reason: "campaign.yaml is not UTF-8 text")
                return .refused(reason: "campaign.yaml is not UTF-8 text")
            }
        }
        let hash = try Self.contentHash(of: drop)
        if let previous = try await database.drop(withContentHash: hash), !options.resend {
            let reason = "the same files were already taken as campaign \(previous.campaignId ?? previous.id) on \(ISO8601DateFormatter().string(from: previous.receivedAt)); they are not sent again. To send them again on purpose, add campaign.yaml with 'resend: true'."
            try refuse(drop, reason: reason, title: "Duplicate drop / Kiriman ganda")
            let duplicate = DropRecord(id: UUID().uuidString, name: drop.name, contentHash: hash, outcome: "duplicate", reason: reason, campaignId: previous.campaignId)
            try await database.recordDrop(duplicate)
            return .duplicate(of: previous.campaignId ?? previous.id)
        }

        let campaignId = Self.campaignId(for: options.name ?? drop.name)
        let target = (spool as NSString).appendingPathComponent(campaignId)
        let encodedOptions = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let dropId = UUID().uuidString
        let record = CampaignRecord(id: campaignId, name: options.name ?? drop.name, dropId: dropId, priority: options.priority,
                                    sendAt: options.sendAt, spoolPath: target, options: encodedOptions)
        let dropName = drop.name
        // Record first, then move, then mark the stage: a crash between the steps is finished on
        // restart by `recoverInterruptedIntake` and never loses or duplicates the drop.
        try await database.recordAcceptedDrop(DropRecord(id: dropId, name: dropName, contentHash: hash, outcome: "accepted", campaignId: campaignId),
                                               campaign: record)
        try move(drop, to: target)
        try await database.markStage(.ingest, campaign: campaignId, detail: dropName)
        logger.info("drop taken", metadata: ["campaign.id": "\(campaignId)", "drop": "\(drop.name)", "files": "\(drop.files.count)"])
        return .accepted(campaignId: campaignId)
    }

    /// Moves the drop's files into the spool with renames (atomic on one filesystem).
    private func move(_ drop: Drop, to target: String) throws {
        let fm = FileManager.default
        switch drop.kind {
        case .folder:
            let source = (inbox as NSString).appendingPathComponent(drop.name)
            try fm.createDirectory(atPath: spool, withIntermediateDirectories: true)
            if rename(source, target) != 0 {
                // Different filesystems (inbox on a network share): copy, then remove the original.
                try fm.copyItem(atPath: source, toPath: target)
                try fm.removeItem(atPath: source)
            }
        case .loose:
            try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
            for file in drop.files {
                let destination = (target as NSString).appendingPathComponent((file as NSString).lastPathComponent)
                if rename(file, destination) != 0 {
                    try fm.copyItem(atPath: file, toPath: destination)
                    try fm.removeItem(atPath: file)
                }
            }
        }
    }

    /// Keeps the files where staff can see them and explains why in plain words.
    private func refuse(_ drop: Drop, reason: String, title: String = "Campaign refused / Kampanye ditolak") throws {
        let fm = FileManager.default
        let failed = (inbox as NSString).appendingPathComponent(DropScanner.failedFolder)
        var destination = (failed as NSString).appendingPathComponent(drop.name)
        var suffix = 2
        while fm.fileExists(atPath: destination) {
            destination = (failed as NSString).appendingPathComponent("\(drop.name)-\(suffix)")
            suffix += 1
        }
        try fm.createDirectory(atPath: failed, withIntermediateDirectories: true)
        switch drop.kind {
        case .folder:
            let source = (inbox as NSString).appendingPathComponent(drop.name)
            if rename(source, destination) != 0 { try fm.moveItem(atPath: source, toPath: destination) }
        case .loose:
            try fm.createDirectory(atPath: destination, withIntermediateDirectories: true)
            for file in drop.files {
                let target = (destination as NSString).appendingPathComponent((file as NSString).lastPathComponent)
                if rename(file, target) != 0 { try fm.moveItem(atPath: file, toPath: target) }
            }
        }
        let folder = (outbox as NSString).appendingPathComponent(drop.name)
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = """
            \(title)

            \(reason)

            Nothing was sent. Your files are kept in \(destination)
            Tidak ada pesan yang dikirim. File Anda disimpan di \(destination)
            Fix the problem and drop the campaign into inbox/ again.
            Perbaiki masalahnya lalu taruh kembali kampanye ke inbox/.

            """
        try text.write(toFile: (folder as NSString).appendingPathComponent("errors.txt"), atomically: true, encoding: .utf8)
        logger.warning("drop refused", metadata: ["drop": "\(drop.name)", "reason": "\(reason)"])
    }

    /// SHA-256 over the files' names and contents, in name order, so a renamed copy of the same
    /// campaign folder is still recognised as the same content.
    static func contentHash(of drop: Drop) throws -> String {
        var hasher = SHA256()
        for file in drop.files.sorted(by: { ($0 as NSString).lastPathComponent < ($1 as NSString).lastPathComponent }) {
            hasher.update(data: Data((file as NSString).lastPathComponent.lowercased().utf8))
            hasher.update(data: Data([0]))
            guard let handle = FileHandle(forReadingAtPath: file) else { throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: file]) }
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// `20261125-093000-promo-nov`: sortable, readable, safe as a folder name.
    static func campaignId(for name: String, now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let safe = String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(40))
        let suffix = String(UInt32.random(in: 0...0xFFFF), radix: 16)
        return "\(formatter.string(from: now))-\(safe.isEmpty ? "kampanye" : safe)-\(suffix)"
    }
}
