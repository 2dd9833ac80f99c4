public import Foundation

/// A campaign image made WhatsApp-ready, with everything an image message carries.
public struct PreparedImage: Sendable, Equatable {
    /// The encoded picture to upload.
    public var data: Data
    public var format: MediaConfiguration.OutputFormat
    /// Size of the prepared picture (upright).
    public var width: Int
    public var height: Int
    /// Lowercase hex SHA-256 of `data` (the message's `fileSHA256`).
    public var sha256: String
    /// Small JPEG for the message's `jpegThumbnail`.
    public var thumbnail: Data
    /// Encoder quality that met the byte budget.
    public var quality: Int
    /// What the source file's header said.
    public var source: ImageHeader
    /// Lowercase hex SHA-256 of the source file (the cache key).
    public var sourceSHA256: String

    /// The MIME type for the message.
    public var mimeType: String { format == .jpeg ? "image/jpeg" : "image/webp" }
    /// The usual file extension, without the dot.
    public var fileExtension: String { format == .jpeg ? "jpg" : "webp" }
}
