import Crypto
import Foundation
import Reports
public import Logging
public import Store

/// Takes ready drops out of `inbox/`: refuses what cannot be used (files kept in
/// `inbox/failed/<name>/` with `errors.txt` beside them and in `outbox/<name>/`), reports
/// duplicates, and moves accepted drops atomically into `state/spool/<campaign-id>/`, recorded in
/// the database with the outbox folder chosen for them (`outbox/<name>/`, `-2` when taken).
public struct DropIntake: Sendable {
    public var inbox: String
    public var outbox: String
    public var spool: String
    public var database: SiaranDatabase
    public var defaultTimeZone: String
    public var logger: Logger
    /// `errors.txt` starts with Bahasa Indonesia (the default report language), else with English.
    public var indonesianFirst: Bool
    /// This process as a worker of the cluster: a drop is claimed under this id before it moves.
    public var worker: String
    /// How long a claim keeps other workers away from a drop; after it, a drop whose worker died
    /// mid-intake is taken by another.
    public var claimSeconds: Double

    public init(inbox: String, outbox: String, spool: String, database: SiaranDatabase, defaultTimeZone: String, logger: Logger,
                indonesianFirst: Bool = true, worker: String = "local", claimSeconds: Double = 60) {
        self.inbox = inbox
        self.outbox = outbox
        self.spool = spool
        self.database = database
        self.defaultTimeZone = defaultTimeZone
        self.logger = logger
        self.indonesianFirst = indonesianFirst
        self.worker = worker
        self.claimSeconds = claimSeconds
    }

    public enum Outcome: Sendable, Equatable {
        case accepted(campaignId: String)
        case duplicate(of: String)
        case refused(reason: String)
        /// Another worker is taking the drop (or already took it): nothing was done here.
        case takenElsewhere(worker: String?)
    }

    var timeZone: TimeZone { TimeZone(identifier: defaultTimeZone) ?? .current }

    public func take(_ finding: DropScanner.Finding) async throws -> Outcome {
        switch finding {
        case .refused(let drop, let reason):
            // Not hashed (it may hold a pipe or a device): claimed by name alone.
            if case .heldElsewhere(let other, _) = try await claim(drop, hash: Self.refusedClaimHash) { return .takenElsewhere(worker: other) }
            guard isStillInInbox(drop) else { return .takenElsewhere(worker: nil) }
            try await refuse(drop, reason: reason)
            return .refused(reason: reason.english)
        case .ready(let drop):
            let hash: String
            do {
                hash = try Self.contentHash(of: drop)
            } catch where !isStillInInbox(drop) {
                // Another worker moved the files away between our scan and our read.
                return .takenElsewhere(worker: nil)
            }
            if case .heldElsewhere(let other, _) = try await claim(drop, hash: hash) { return .takenElsewhere(worker: other) }
            // Claimed just after another worker finished and its claim ran out: nothing left to take.
            guard isStillInInbox(drop) else { return .takenElsewhere(worker: nil) }
            return try await accept(drop, hash: hash)
        }
    }

    /// The claim key's hash for drops refused without reading them.
    static let refusedClaimHash = "refused"

    /// Claims the drop in the database before anything of it moves: several workers may watch one
    /// shared inbox/, and only the one holding the claim takes the drop.
    private func claim(_ drop: Drop, hash: String) async throws -> DropClaimOutcome {
        let outcome = try await database.claimDrop(contentHash: hash, name: drop.name, worker: worker, at: Date(), duration: claimSeconds)
        switch outcome {
        case .claimed(let previous?):
            logger.notice("drop taken over from a worker whose claim ran out", metadata: ["drop": "\(drop.name)", "worker.previous": "\(previous)"])
        case .heldElsewhere(let other, let until):
            logger.debug("drop is being taken by another worker", metadata: ["drop": "\(drop.name)", "worker.other": "\(other)", "claim.until": "\(until)"])
        case .claimed(nil):
            break
        }
        return outcome
    }

    /// Whether every file of the drop is still where the scan saw it.
    private func isStillInInbox(_ drop: Drop) -> Bool {
        let fm = FileManager.default
        switch drop.kind {
        case .folder: return fm.fileExists(atPath: (inbox as NSString).appendingPathComponent(drop.name))
        case .loose: return drop.files.allSatisfy { fm.fileExists(atPath: $0) }
        }
    }

    private func accept(_ drop: Drop, hash: String) async throws -> Outcome {
        var options = CampaignOptions()
        if let file = drop.optionsFile {
            do {
                options = try CampaignOptions.parse(try String(contentsOfFile: file, encoding: .utf8), defaultTimeZone: defaultTimeZone)
            } catch let problem as CampaignOptions.Problem {
                let reason = StaffReason(english: problem.description, indonesian: problem.indonesianDescription,
                                         adviceEnglish: "Correct campaign.yaml at that line (or remove it) and drop the campaign again.",
                                         adviceIndonesian: "Perbaiki campaign.yaml di baris itu (atau hapus filenya) lalu taruh kembali kampanye.")
                try await refuse(drop, reason: reason)
                return .refused(reason: problem.description)
            } catch {
                let reason = StaffReason(english: "campaign.yaml is not UTF-8 text", indonesian: "campaign.yaml bukan teks UTF-8",
                                         adviceEnglish: "Save it as UTF-8 in a text editor.", adviceIndonesian: "Simpan sebagai UTF-8 di editor teks.")
                try await refuse(drop, reason: reason)
                return .refused(reason: reason.english)
            }
        }
        let previous = try await database.drop(withContentHash: hash)
        if let id = previous?.campaignId, try await database.campaign(id) != nil,
           !(try await database.completedStages(of: id).contains(CampaignStage.ingest)) {
            // An earlier try at these very files stopped half-way and is not settled yet: they are
            // not a duplicate of a taken drop. They stay in inbox/ until the pipeline settles it.
            throw IntakeNotSettled(campaignId: id)
        }
        if let previous, !options.resend {
            var earlier: CampaignRecord?
            if let id = previous.campaignId { earlier = try await database.campaign(id) }
            let taken = LocalTimeFormatter.readable(previous.receivedAt, timeZone: timeZone)
            let folder = earlier.map { " (\(ErrorsFile.shown((outbox as NSString).appendingPathComponent($0.folderName), under: outbox)))" } ?? ""
            let id = previous.campaignId ?? previous.id
            let reason = StaffReason(
                english: "the same files were already taken on \(taken) as campaign \(id)\(folder); they are not sent again",
                indonesian: "file yang sama sudah diambil pada \(taken) sebagai kampanye \(id)\(folder); file ini tidak dikirim lagi",
                adviceEnglish: "Nothing to do if this was a mistake.", adviceIndonesian: "Tidak perlu apa-apa bila ini tidak disengaja.")
            try await refuse(drop, reason: reason, kind: .duplicate, record: false)
            let duplicate = DropRecord(id: UUID().uuidString, name: drop.name, contentHash: hash, outcome: "duplicate", reason: reason.english,
                                       campaignId: previous.campaignId)
            try await database.recordDrop(duplicate)
            return .duplicate(of: id)
        }

        let campaignId = Self.campaignId(for: options.name ?? drop.name, timeZone: timeZone)
        let target = (spool as NSString).appendingPathComponent(campaignId)
        let encodedOptions = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        let dropId = UUID().uuidString
        // The outbox folder is named after what staff dropped, chosen once and stored.
        let folder = try await OutboxFolder.choose(OutboxFolder.slug(drop.name), in: outbox) { try await database.isOutboxFolderTaken($0) }
        let record = CampaignRecord(id: campaignId, name: options.name ?? drop.name, dropId: dropId, priority: options.priority,
                                    sendAt: options.sendAt, spoolPath: target, options: encodedOptions, outboxFolder: folder)
        let dropName = drop.name
        // Record first, then move, then mark the stage: a crash between the steps is finished on
        // restart by `recoverInterruptedIntake` and never loses or duplicates the drop.
        try await database.recordAcceptedDrop(DropRecord(id: dropId, name: dropName, contentHash: hash, outcome: "accepted", campaignId: campaignId),
                                               campaign: record)
        do {
            try move(drop, to: target)
        } catch {
            // Nothing was taken (the spool's disk is full or read-only): the record goes too, so the
            // drop, still whole in inbox/, is taken afresh later instead of being refused as a
            // duplicate of itself. If even that cannot be written, the pipeline's next pass forgets it.
            try? await database.forgetInterruptedIntake(campaign: campaignId)
            throw error
        }
        try await database.markStage(.ingest, campaign: campaignId, detail: dropName)
        // After the checkpoint: an outbox that cannot be written now (full, read-only) does not undo
        // a taken drop; the campaign waits for its outbox like for any report.
        try? FileManager.default.createDirectory(atPath: (outbox as NSString).appendingPathComponent(folder), withIntermediateDirectories: true)
        logger.info("drop taken", metadata: ["campaign.id": "\(campaignId)", "drop": "\(drop.name)", "outbox.folder": "\(folder)",
                                             "files": "\(drop.files.count)"])
        return .accepted(campaignId: campaignId)
    }

    /// Moves the drop's files into the spool with renames (atomic on one filesystem); across
    /// filesystems it copies, and removes the originals only once every copy is complete. All or
    /// nothing: when a step fails (a full or read-only spool) the drop is left whole in inbox/.
    private func move(_ drop: Drop, to target: String) throws {
        let fm = FileManager.default
        switch drop.kind {
        case .folder:
            let source = (inbox as NSString).appendingPathComponent(drop.name)
            try fm.createDirectory(atPath: spool, withIntermediateDirectories: true)
            if rename(source, target) != 0 {
                // Different filesystems (inbox on a network share): copy, then remove the original.
                do {
                    try fm.copyItem(atPath: source, toPath: target)
                } catch {
                    try? fm.removeItem(atPath: target)
                    throw error
                }
                do {
                    try fm.removeItem(atPath: source)
                } catch {
                    // A read-only inbox refuses the first removal, so the original is still whole.
                    try? fm.removeItem(atPath: target)
                    throw error
                }
            }
        case .loose:
            try fm.createDirectory(atPath: target, withIntermediateDirectories: true)
            var renamed: [(from: String, to: String)] = []
            var copied: [String] = []
            do {
                for file in drop.files {
                    let destination = (target as NSString).appendingPathComponent((file as NSString).lastPathComponent)
                    if rename(file, destination) == 0 {
                        renamed.append((file, destination))
                    } else {
                        try fm.copyItem(atPath: file, toPath: destination)
                        copied.append(file)
                    }
                }
            } catch {
                undo(renamed, target: target)
                throw error
            }
            for (index, file) in copied.enumerated() {
                do {
                    try fm.removeItem(atPath: file)
                } catch where index == 0 {
                    // A read-only inbox refuses the first removal: nothing is taken yet.
                    undo(renamed, target: target)
                    throw error
                } catch {
                    // The drop is taken; a file left behind is looked at by later scans like any other.
                    logger.warning("a file of a taken drop could not be removed from inbox/", metadata: ["path": "\(file)", "error": "\(error)"])
                }
            }
        }
    }

    /// Puts renamed loose files back into inbox/ and removes the spool folder.
    private func undo(_ renamed: [(from: String, to: String)], target: String) {
        for file in renamed { rename(file.to, file.from) }
        try? FileManager.default.removeItem(atPath: target)
    }

    /// Keeps the files where staff can see them (`inbox/failed/<name>/`) and explains why in plain
    /// words in `errors.txt`, beside the files and in a folder of its own in `outbox/`.
    private func refuse(_ drop: Drop, reason: StaffReason, kind: ErrorsFile.Kind = .refused, record: Bool = true) async throws {
        let fm = FileManager.default
        let failed = (inbox as NSString).appendingPathComponent(DropScanner.failedFolder)
        let destination = (failed as NSString).appendingPathComponent(OutboxFolder.free(drop.name, in: failed))
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
        let folder = try await OutboxFolder.choose(OutboxFolder.slug(drop.name), in: outbox) { try await database.isOutboxFolderTaken($0) }
        let outboxFolder = (outbox as NSString).appendingPathComponent(folder)
        let errors = ErrorsFile(kind: kind, name: drop.name, reason: reason, filesKeptIn: ErrorsFile.shown(destination, under: inbox),
                                at: Date(), timeZone: timeZone, indonesianFirst: indonesianFirst)
        try errors.write(into: [destination, outboxFolder])
        // Not hashed: a refused drop may hold a pipe or device, which must never be opened.
        if record { try await database.recordRefusedDrop(name: drop.name, contentHash: "", reason: reason.english) }
        logger.warning("drop refused", metadata: ["drop": "\(drop.name)", "reason": "\(reason.english)",
                                                  "failed.folder": "\(ErrorsFile.shown(destination, under: inbox))", "outbox.folder": "\(folder)"])
    }

    /// SHA-256 over the files' names and contents, in name order, so a renamed copy of the same
    /// campaign folder is still recognised as the same content.
    public static func contentHash(of drop: Drop) throws -> String {
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

    /// `20261125-093000-promo-nov-3f1a`: the time of intake in the configured zone, sortable and
    /// unique; staff find the campaign by its outbox folder, named after their drop.
    static func campaignId(for name: String, now: Date = Date(), timeZone: TimeZone) -> String {
        var times = LocalTimeFormatter(timeZone: timeZone)
        let t = times.fields(now)
        let stamp = "\(LocalTimeFormatter.pad(t.year, 4))\(LocalTimeFormatter.pad(t.month))\(LocalTimeFormatter.pad(t.day))-"
            + "\(LocalTimeFormatter.pad(t.hour))\(LocalTimeFormatter.pad(t.minute))\(LocalTimeFormatter.pad(t.second))"
        let safe = String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }.prefix(40))
        let suffix = String(UInt32.random(in: 0...0xFFFF), radix: 16)
        return "\(stamp)-\(safe.isEmpty ? "kampanye" : safe)-\(suffix)"
    }
}

/// The drop's files match an intake that stopped half-way (a full disk) and is not settled yet.
public struct IntakeNotSettled: Error, CustomStringConvertible {
    public let campaignId: String
    public var description: String {
        "an earlier try at taking these files (campaign \(campaignId)) stopped half-way and is settled first"
    }
}
