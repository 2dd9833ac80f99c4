public import Foundation

/// Sends nothing: appends every message it would send to `outbox/<campaign>/dry-run.jsonl` as
/// `{"id","to","text","media_sha256","session","campaign","at"}` and fsyncs before reporting success, so a
/// rehearsal shows exactly what a real run would send — and tests see every attempt.
public final class DryRunTransport: MessageTransport, Sendable {
    public let outbox: String
    public let events: AsyncStream<TransportEvent>
    private let continuation: AsyncStream<TransportEvent>.Continuation
    /// Writes `at`: by default ISO-8601 in UTC; the daemon passes its local-time formatter (the
    /// configured zone with its offset).
    private let timestamp: @Sendable (Date) -> String

    public init(outbox: String, timestamp: (@Sendable (Date) -> String)? = nil) {
        self.outbox = outbox
        self.timestamp = timestamp ?? { ISO8601DateFormatter().string(from: $0) }
        (events, continuation) = AsyncStream.makeStream(of: TransportEvent.self)
    }

    public func send(_ message: OutgoingMessage) async -> SendResult {
        let now = Date()
        var record: [String: Any] = [
            "id": message.id, "to": message.phone, "text": message.text,
            "media_sha256": message.media?.sha256 ?? NSNull(), "session": message.session,
            "at": timestamp(now), "campaign": message.campaignId,
        ]
        if let media = message.media {
            record["media_mimetype"] = media.mimetype
            record["media_size"] = "\(media.width)x\(media.height)"
            record["media_thumbnail_bytes"] = media.jpegThumbnail?.count ?? 0
        }
        let folder = (outbox as NSString).appendingPathComponent(message.folder ?? message.campaignId)
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var line = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
            line.append(0x0A)
            try Self.appendSynced(line, to: (folder as NSString).appendingPathComponent("dry-run.jsonl"))
            return .sent(at: now)
        } catch let error as POSIXError {
            return .transientFailure(reason: "cannot write dry-run.jsonl: \(Self.words(for: error.code))")
        } catch {
            return .transientFailure(reason: "cannot write dry-run.jsonl: \(error.localizedDescription)")
        }
    }

    /// One `write` of the whole line with O_APPEND, then `fsync`. A line the disk cut short is
    /// taken back, so the file never holds half a message glued to the next one.
    static func appendSynced(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        let end = lseek(fd, 0, SEEK_END)
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let failure = written < 0 ? errno : written < data.count ? ENOSPC : fsync(fd) != 0 ? errno : 0
        guard failure == 0 else {
            if written > 0, end >= 0 { _ = ftruncate(fd, end) }
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
    }

    /// The cause an operator acts on, in plain words.
    static func words(for code: POSIXErrorCode) -> String {
        switch code {
        case .ENOSPC: "disk full"
        case .EDQUOT: "disk quota exceeded"
        case .EROFS: "read-only file system"
        case .EACCES, .EPERM: "permission denied"
        default: String(cString: strerror(code.rawValue))
        }
    }
}
