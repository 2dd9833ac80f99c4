import Foundation
import Reports
import Store

/// An error that left a campaign's run, sorted by what the pipeline does about it and put in
/// plain words for the log, `status.json` and `errors.txt`.
struct CampaignFault: CustomStringConvertible {
    enum Kind {
        /// Passes with time (disk full, a locked database, a folder that cannot be written):
        /// the campaign waits and the same step runs again; it never counts as a failed start.
        case waits
        /// Anything else: a failed start at the campaign's stage; the third in a row fails it.
        case breaks
    }

    var kind: Kind
    /// The database's error, when it was one (counted for `/metrics`).
    var store: StoreError?
    /// What happened, in plain words (never a secret: errors here name files, not credentials).
    var description: String

    init(_ error: any Error) {
        store = error as? StoreError
        if let store {
            kind = store.isBusyOrFull || store.isTransient ? .waits : .breaks
            description = store.detail
        } else if let lost = error as? SessionLeaseLost {
            // The session moved to another worker: the campaign waits and its next run uses
            // the sessions this worker still holds.
            kind = .waits
            description = lost.description
        } else if let reports = error as? ReportsError, case .cannotWrite(let reason) = reports.code {
            kind = .waits
            description = Self.plain(reason: reason, file: reports.file)
        } else if let errno = Self.posixCode(of: error), let words = Self.waitingWords[errno] {
            kind = .waits
            let file = (error as NSError).userInfo[NSFilePathErrorKey] as? String
            description = Self.plain(reason: words, file: file)
        } else {
            kind = .breaks
            description = String(describing: error)
        }
    }

    /// Errors of the file system that an operator (or time) fixes: the step is tried again.
    static let waitingWords: [Int32: String] = [
        ENOSPC: "disk full", EDQUOT: "disk quota exceeded", EROFS: "read-only file system",
        EACCES: "permission denied", EPERM: "operation not permitted", EIO: "input/output error",
    ]

    /// The errno behind a Foundation or POSIX error, looking through underlying errors.
    static func posixCode(of error: any Error) -> Int32? {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if ns.domain == NSCocoaErrorDomain {
            switch CocoaError.Code(rawValue: ns.code) {
            case .fileWriteOutOfSpace: return ENOSPC
            case .fileWriteVolumeReadOnly: return EROFS
            case .fileWriteNoPermission, .fileReadNoPermission: return EACCES
            default: break
            }
        }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? any Error { return posixCode(of: underlying) }
        return nil
    }

    /// "disk full (outbox/promo/report.pdf)": the cause first, since staff and operators look for it.
    private static func plain(reason: String, file: String?) -> String {
        let lower = reason.lowercased()
        let cause = lower.contains("no space") ? "disk full" : lower.contains("read-only") ? "read-only file system" : reason
        guard let file, !file.isEmpty else { return cause }
        return "\(cause) (\(file))"
    }

    /// The reason `errors.txt` gives when a campaign failed its third start in a row.
    static func stoppedReason(stage: CampaignStage, detail: String) -> StaffReason {
        StaffReason(
            english: "Siaran stopped this campaign after it failed three times in a row at the \(stage.rawValue) stage: \(detail)",
            indonesian: "Siaran menghentikan kampanye ini setelah gagal tiga kali berturut-turut pada tahap \(stage.rawValue): \(detail)",
            adviceEnglish: "Tell the operator: the details are in outbox/logs.txt. Once the cause is fixed, drop the campaign into inbox/ again.",
            adviceIndonesian: "Beri tahu operator: rinciannya ada di outbox/logs.txt. Setelah penyebabnya diperbaiki, taruh kembali kampanye ke inbox/.")
    }
}
