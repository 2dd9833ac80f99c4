import Foundation
import Media
import Transport

/// A campaign's image made WhatsApp-ready once and kept in the media cache under its content hash
/// and the settings that shaped it, so a resumed or repeated campaign (or the sender, after the
/// media stage) finds it again instead of decoding the original per contact.
struct CampaignMedia {
    let configuration: MediaConfiguration
    let cacheFolder: String

    init(context: PipelineContext) {
        configuration = context.media
        cacheFolder = context.mediaCache
    }

    /// One prepared image in the cache.
    struct Entry: Equatable {
        var path: String
        var sha256: String
        var mimetype: String
        var width: Int
        var height: Int
        var thumbnail: Data
        var sourceSHA256: String
        /// Whether it was already in the cache.
        var cached: Bool

        var attachment: MediaAttachment {
            MediaAttachment(path: path, sha256: sha256, mimetype: mimetype, width: width, height: height, jpegThumbnail: thumbnail)
        }
    }

    /// The prepared image for the campaign picture at `image`: from the cache, or made now and
    /// stored. A picture that cannot be used is a ``CampaignFailure`` telling staff why.
    func prepared(image: String) throws -> Entry {
        let name = (image as NSString).lastPathComponent
        let preparer = MediaPreparer(configuration: configuration)
        do {
            let source = try preparer.read(file: image)
            let key = "\(SHA256Hex.of(source))-\(settingsDigest)"
            if let entry = cached(key) { return entry }
            let prepared = try preparer.prepare(data: source, name: name)
            return try store(prepared, key: key)
        } catch let error as MediaError {
            throw CampaignFailure(StaffReason(media: error, file: name))
        } catch let failure as CampaignFailure {
            throw failure
        } catch {
            throw CampaignFailure(StaffReason(
                english: "\(name): the prepared picture cannot be stored in the media cache (\(error.localizedDescription))",
                indonesian: "\(name): gambar yang sudah disiapkan tidak bisa disimpan di cache media (\(error.localizedDescription))",
                adviceEnglish: "Tell the administrator (is the disk full?); the campaign itself is fine.",
                adviceIndonesian: "Beri tahu admin (apakah disk penuh?); kampanyenya sendiri tidak bermasalah."))
        }
    }

    /// Every setting that changes the output (or what is refused) is part of the cache key.
    var settingsDigest: String {
        let c = configuration
        let text = "v1|\(c.format.rawValue)|\(c.maxSide)|\(c.quality)|\(c.maxOutputBytes)|\(c.maxInputBytes)|\(c.maxInputPixels)|"
            + "\(c.background.uppercased())|\(c.progressive)|\(c.minimumQuality)|\(c.thumbnailWidth)|\(c.thumbnailQuality)"
        return String(SHA256Hex.of(Data(text.utf8)).prefix(12))
    }

    private func paths(_ key: String, fileExtension: String) -> (image: String, thumbnail: String, info: String) {
        func path(_ name: String) -> String { (cacheFolder as NSString).appendingPathComponent(name) }
        return (path("\(key).\(fileExtension)"), path("\(key).thumb.jpg"), path("\(key).json"))
    }

    private struct Info: Codable {
        var sha256: String
        var mimetype: String
        var fileExtension: String
        var width: Int
        var height: Int
        var bytes: Int
        var quality: Int
        var sourceSHA256: String
    }

    /// A cache entry counts only when its description exists (written last) and the image still
    /// has the recorded hash.
    private func cached(_ key: String) -> Entry? {
        let infoPath = paths(key, fileExtension: "").info
        guard let json = FileManager.default.contents(atPath: infoPath),
              let info = try? JSONDecoder().decode(Info.self, from: json) else { return nil }
        let files = paths(key, fileExtension: info.fileExtension)
        guard let data = FileManager.default.contents(atPath: files.image), data.count == info.bytes,
              SHA256Hex.of(data) == info.sha256,
              let thumbnail = FileManager.default.contents(atPath: files.thumbnail) else { return nil }
        return Entry(path: files.image, sha256: info.sha256, mimetype: info.mimetype, width: info.width, height: info.height,
                     thumbnail: thumbnail, sourceSHA256: info.sourceSHA256, cached: true)
    }

    private func store(_ prepared: PreparedImage, key: String) throws -> Entry {
        try FileManager.default.createDirectory(atPath: cacheFolder, withIntermediateDirectories: true)
        let files = paths(key, fileExtension: prepared.fileExtension)
        try prepared.data.write(to: URL(fileURLWithPath: files.image), options: .atomic)
        try prepared.thumbnail.write(to: URL(fileURLWithPath: files.thumbnail), options: .atomic)
        let info = Info(sha256: prepared.sha256, mimetype: prepared.mimeType, fileExtension: prepared.fileExtension,
                        width: prepared.width, height: prepared.height, bytes: prepared.data.count, quality: prepared.quality,
                        sourceSHA256: prepared.sourceSHA256)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(info).write(to: URL(fileURLWithPath: files.info), options: .atomic)
        return Entry(path: files.image, sha256: prepared.sha256, mimetype: prepared.mimeType, width: prepared.width,
                     height: prepared.height, thumbnail: prepared.thumbnail, sourceSHA256: prepared.sourceSHA256, cached: false)
    }
}
