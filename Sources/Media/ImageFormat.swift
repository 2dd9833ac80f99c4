/// The image formats Siaran reads, recognised from their first bytes rather than their names.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    case jpeg, png, webp

    /// The MIME type WhatsApp messages carry.
    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        }
    }

    /// The name staff know the format by.
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .webp: "WebP"
        }
    }

    /// The usual file extension, without the dot.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .webp: "webp"
        }
    }
}

/// What the first bytes of a file say it is.
public enum SniffedFormat: Sendable, Equatable {
    /// A format that is decoded.
    case image(ImageFormat)
    /// A known format that is not sent, named for staff ("a HEIC photo (iPhone)").
    case unsupported(String)
    /// Nothing recognisable.
    case unknown

    /// Recognises the format from the leading bytes (16 are enough).
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) {
        let head = Array(bytes.prefix(32))
        func starts(_ prefix: [UInt8], at offset: Int = 0) -> Bool {
            head.count >= offset + prefix.count && Array(head[offset..<(offset + prefix.count)]) == prefix
        }
        func ascii(_ text: String, at offset: Int = 0) -> Bool { starts(Array(text.utf8), at: offset) }

        if starts([0xFF, 0xD8, 0xFF]) { self = .image(.jpeg); return }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { self = .image(.png); return }
        if ascii("RIFF") && ascii("WEBP", at: 8) { self = .image(.webp); return }
        if ascii("GIF87a") || ascii("GIF89a") { self = .unsupported("a GIF image"); return }
        if ascii("ftyp", at: 4) {
            let brand = head.count >= 12 ? String(decoding: head[8..<12], as: UTF8.self) : ""
            switch brand {
            case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1":
                self = .unsupported("a HEIC photo (iPhone)")
            case "avif", "avis": self = .unsupported("an AVIF image")
            default: self = .unsupported("a video or other MP4/QuickTime file")
            }
            return
        }
        if ascii("%PDF-") { self = .unsupported("a PDF document"); return }
        if ascii("BM") && head.count >= 14 { self = .unsupported("a BMP bitmap"); return }
        if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) {
            self = .unsupported("a TIFF image or camera RAW file"); return
        }
        if starts([0x00, 0x00, 0x01, 0x00]) { self = .unsupported("an icon (.ico)"); return }
        if ascii("8BPS") { self = .unsupported("a Photoshop document (.psd)"); return }
        if starts([0x50, 0x4B, 0x03, 0x04]) { self = .unsupported("a ZIP archive or Office document"); return }
        if starts([0xFF, 0x0A]) || starts([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) {
            self = .unsupported("a JPEG XL image"); return
        }
        if ascii("<svg") || ascii("<?xml") { self = .unsupported("an SVG drawing or XML file"); return }
        self = .unknown
    }
}
