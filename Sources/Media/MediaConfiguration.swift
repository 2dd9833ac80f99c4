/// How a campaign image is made WhatsApp-ready. Built from the `media:` section of `pipeline.yaml`.
public struct MediaConfiguration: Sendable, Equatable {
    public enum OutputFormat: String, Sendable, CaseIterable {
        case jpeg, webp
    }

    /// Output encoding; JPEG shows everywhere, WebP is smaller.
    public var format: OutputFormat
    /// Longest side of the output in pixels; images are never upscaled.
    public var maxSide: Int
    /// Starting encoder quality (1–100); stepped down to fit `maxOutputBytes`.
    public var quality: Int
    /// Budget for the encoded output.
    public var maxOutputBytes: Int
    /// Input files larger than this are refused before decoding.
    public var maxInputBytes: Int
    /// Images with more pixels than this are refused from their header (decompression bombs).
    public var maxInputPixels: Int
    /// Colour transparent pixels are flattened onto for JPEG output, as `#RRGGBB`.
    public var background: String
    /// Write progressive JPEG.
    public var progressive: Bool
    /// Lowest quality the byte-budget stepping goes to before the picture is made smaller instead.
    public var minimumQuality: Int
    /// Width of the `jpegThumbnail` a WhatsApp image message carries (Baileys sends 32 px).
    public var thumbnailWidth: Int
    /// JPEG quality of that thumbnail (Baileys uses 50).
    public var thumbnailQuality: Int

    public init(
        format: OutputFormat = .jpeg,
        maxSide: Int = 1600,
        quality: Int = 80,
        maxOutputBytes: Int = 1_000_000,
        maxInputBytes: Int = 50 * 1024 * 1024,
        maxInputPixels: Int = 100_000_000,
        background: String = "#FFFFFF",
        progressive: Bool = false,
        minimumQuality: Int = 40,
        thumbnailWidth: Int = 32,
        thumbnailQuality: Int = 50
    ) {
        self.format = format
        self.maxSide = maxSide
        self.quality = quality
        self.maxOutputBytes = maxOutputBytes
        self.maxInputBytes = maxInputBytes
        self.maxInputPixels = maxInputPixels
        self.background = background
        self.progressive = progressive
        self.minimumQuality = minimumQuality
        self.thumbnailWidth = thumbnailWidth
        self.thumbnailQuality = thumbnailQuality
    }
}
