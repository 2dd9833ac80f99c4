/// An image Siaran cannot make WhatsApp-ready, with the file and a reason staff can act on.
public struct MediaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Error, Sendable, Equatable {
        /// No file at that path.
        case notFound
        /// The operating system refused to read it.
        case unreadable(String)
        /// An empty file.
        case empty
        /// Bigger than `media.max_input_bytes`, refused before decoding.
        case tooLarge(bytes: Int, limit: Int)
        /// More pixels than `media.max_input_pixels` (a decompression bomb or a poster-sized scan).
        case tooManyPixels(width: Int, height: Int, limit: Int)
        /// A known format Siaran does not send (HEIC, GIF, PDF, …), named.
        case unsupportedFormat(String)
        /// Not an image at all (text, an archive, random bytes).
        case notAnImage
        /// The file ends before the image does (an interrupted copy or upload).
        case truncated(format: ImageFormat)
        /// The decoder refused the data.
        case corrupt(format: ImageFormat, detail: String)
        /// Even at the lowest quality and a reduced size the output is over `media.max_output_bytes`.
        case budgetUnreachable(bytes: Int, limit: Int)
        /// The encoder failed (out of memory, invalid parameters).
        case encodeFailed(String)
        /// The output could not be written.
        case writeFailed(String)
        /// A configuration value that cannot work (for instance a bad background colour).
        case invalidConfiguration(String)
    }

    public var code: Code
    /// The file as the caller named it.
    public var file: String

    public init(_ code: Code, file: String) {
        self.code = code
        self.file = file
    }

    /// The reason alone, in words staff understand.
    public var reason: String {
        switch code {
        case .notFound: "the image file does not exist"
        case .unreadable(let detail): "the image file cannot be read (\(detail))"
        case .empty: "the image file is empty; copy it again"
        case .tooLarge(let bytes, let limit):
            "the image is \(Self.size(bytes)), more than the limit of \(Self.size(limit)) (media.max_input_bytes); export a smaller picture"
        case .tooManyPixels(let width, let height, let limit):
            "the image is \(width)×\(height) pixels, more than the limit of \(limit / 1_000_000) megapixels (media.max_input_pixels); export it smaller"
        case .unsupportedFormat(let kind):
            "this is \(kind), which is not sent; save or export the picture as JPEG or PNG"
        case .notAnImage: "this is not a picture (not JPEG, PNG or WebP, whatever its name says); drop a JPEG, PNG or WebP image"
        case .truncated(let format):
            "the \(format.displayName) file is cut short (an interrupted copy or upload?); copy the original again"
        case .corrupt(let format, let detail):
            "the \(format.displayName) file is damaged (\(detail)); open it and save it again, or use the original"
        case .budgetUnreachable(let bytes, let limit):
            "the picture stays at \(Self.size(bytes)) even at the lowest quality, over the limit of \(Self.size(limit)) (media.max_output_bytes)"
        case .encodeFailed(let detail): "the picture could not be encoded (\(detail))"
        case .writeFailed(let detail): "the prepared picture could not be written (\(detail))"
        case .invalidConfiguration(let detail): "the media settings are invalid: \(detail)"
        }
    }

    /// `FILE: reason`, the form every Siaran error takes.
    public var description: String { "\(file): \(reason)" }

    static func size(_ bytes: Int) -> String {
        if bytes >= 1_048_576 { return "\(Double(bytes * 10 / 1_048_576) / 10) MB" }
        if bytes >= 1024 { return "\(bytes / 1024) KB" }
        return "\(bytes) bytes"
    }
}
