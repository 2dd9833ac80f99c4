import Crypto
import Foundation
import Media

/// An uploaded campaign picture made WhatsApp-ready with the daemon's `media:` settings — the
/// same `MediaPreparer` the media stage runs — kept beside the upload as `prepared.<ext>` with
/// `prepared.json`, so the preview computes it once per upload and settings.
struct PreparedUpload: Codable, Sendable {
    struct Image: Codable, Sendable {
        var bytes: Int
        var width: Int
        var height: Int
        /// `JPEG`, `PNG` or `WebP`.
        var format: String
        var quality: Int?
    }

    var original: Image
    var prepared: Image
    var file: String
    var mimeType: String
    /// Digest of the media settings that made it; other settings make it again.
    var settings: String

    static let prefix = "prepared."

    /// The prepared picture of the upload in `folder` whose original is `original`.
    static func load(folder: String, original: String, configuration: MediaConfiguration) throws(MediaError) -> PreparedUpload {
        let digest = settingsDigest(configuration)
        let infoPath = (folder as NSString).appendingPathComponent("prepared.json")
        if let data = FileManager.default.contents(atPath: infoPath),
           let info = try? JSONDecoder().decode(PreparedUpload.self, from: data), info.settings == digest,
           FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(info.file)) {
            return info
        }
        let preparer = MediaPreparer(configuration: configuration)
        let source = try preparer.read(file: original)
        let image = try preparer.prepare(data: source, name: (original as NSString).lastPathComponent)
        let file = prefix + image.fileExtension
        let info = PreparedUpload(
            original: Image(bytes: source.count, width: image.source.uprightWidth, height: image.source.uprightHeight,
                            format: image.source.format.displayName),
            prepared: Image(bytes: image.data.count, width: image.width, height: image.height,
                            format: image.format == .jpeg ? "JPEG" : "WebP", quality: image.quality),
            file: file, mimeType: image.mimeType, settings: digest)
        do {
            try image.data.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent(file)), options: .atomic)
            try JSONEncoder().encode(info).write(to: URL(fileURLWithPath: infoPath), options: .atomic)
        } catch {
            throw MediaError(.writeFailed(error.localizedDescription), file: folder)
        }
        return info
    }

    static func settingsDigest(_ configuration: MediaConfiguration) -> String {
        let text = "v1|\(String(describing: configuration))"
        return SHA256.hash(data: Data(text.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
