internal import CSiaranCodecs
internal import CSiaranWebP

/// What a file's header says, read before any pixel is decoded.
public struct ImageHeader: Sendable, Equatable {
    public var format: ImageFormat
    /// Size as stored, before the EXIF orientation is applied.
    public var width: Int
    public var height: Int
    /// EXIF orientation (JPEG APP1, PNG eXIf before the image data, WebP EXIF chunk).
    public var orientation: ExifOrientation
    /// Whether the file can contain transparent pixels.
    public var hasAlpha: Bool
    /// An animated WebP (only its first frame is used).
    public var isAnimated: Bool
    /// Progressive JPEG or interlaced PNG.
    public var isProgressive: Bool
    /// Colour model as stored, for diagnostics ("YCbCr", "CMYK (Adobe)", "palette", …).
    public var colorModel: String

    /// Size once the orientation is applied.
    public var uprightWidth: Int { orientation.swapsDimensions ? height : width }
    public var uprightHeight: Int { orientation.swapsDimensions ? width : height }

    /// Reads the header of an image whose format has been sniffed.
    static func read(_ bytes: UnsafeRawBufferPointer, format: ImageFormat) throws(MediaError.Code) -> ImageHeader {
        switch format {
        case .jpeg: try readJPEG(bytes)
        case .png: try readPNG(bytes)
        case .webp: try readWebP(bytes)
        }
    }

    private static func readJPEG(_ bytes: UnsafeRawBufferPointer) throws(MediaError.Code) -> ImageHeader {
        var header = siaran_jpeg_header()
        var message = [CChar](repeating: 0, count: 256)
        let status = siaran_jpeg_read_header(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &header, &message, message.count)
        guard status == Int32(SIARAN_CODEC_OK.rawValue) else {
            throw CodecStatus.error(status, format: .jpeg, message: message)
        }
        guard header.width > 0, header.height > 0 else { throw .corrupt(format: .jpeg, detail: "the header gives no size") }
        let model: String
        switch header.color_space {
        case 1: model = "grayscale"
        case 2: model = "RGB"
        case 3: model = "YCbCr"
        case 4: model = header.saw_adobe_marker != 0 ? "CMYK (Adobe)" : "CMYK"
        case 5: model = "YCCK (Adobe)"
        default: model = "unknown"
        }
        return ImageHeader(format: .jpeg, width: Int(header.width), height: Int(header.height),
                           orientation: ExifOrientation.read(jpeg: bytes) ?? .up, hasAlpha: false, isAnimated: false,
                           isProgressive: header.progressive != 0, colorModel: model)
    }

    private static func readPNG(_ bytes: UnsafeRawBufferPointer) throws(MediaError.Code) -> ImageHeader {
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        guard bytes.count >= 33 else { throw .truncated(format: .png) }
        guard u32(8) == 13, bytes[12] == 0x49, bytes[13] == 0x48, bytes[14] == 0x44, bytes[15] == 0x52 else {
            throw .corrupt(format: .png, detail: "the first chunk is not IHDR")
        }
        let width = u32(16), height = u32(20)
        let depth = bytes[24], colorType = bytes[25], interlace = bytes[28]
        guard width > 0, height > 0, width < 1 << 31, height < 1 << 31 else {
            throw .corrupt(format: .png, detail: "the header gives an invalid size")
        }
        let model: String
        switch colorType {
        case 0: model = "grayscale"
        case 2: model = "RGB"
        case 3: model = "palette"
        case 4: model = "grayscale+alpha"
        case 6: model = "RGBA"
        default: throw .corrupt(format: .png, detail: "unknown colour type \(colorType)")
        }
        // Before IDAT: a tRNS chunk makes palette, grey or RGB images transparent; an eXIf chunk
        // may carry an orientation (PNG 1.5).
        var hasAlpha = colorType == 4 || colorType == 6
        var orientation = ExifOrientation.up
        var offset = 33
        while offset + 8 <= bytes.count {
            let length = u32(offset)
            let type = (bytes[offset + 4], bytes[offset + 5], bytes[offset + 6], bytes[offset + 7])
            if type == (0x74, 0x52, 0x4E, 0x53) { hasAlpha = true }
            if type == (0x65, 0x58, 0x49, 0x66), offset + 8 + length <= bytes.count {
                orientation = ExifOrientation.readTIFF(UnsafeRawBufferPointer(rebasing: bytes[(offset + 8)..<(offset + 8 + length)])) ?? .up
            }
            if type == (0x49, 0x44, 0x41, 0x54) { break }
            offset += 12 + length
        }
        return ImageHeader(format: .png, width: width, height: height, orientation: orientation, hasAlpha: hasAlpha,
                           isAnimated: false, isProgressive: interlace == 1, colorModel: "\(model) \(depth)-bit")
    }

    private static func readWebP(_ bytes: UnsafeRawBufferPointer) throws(MediaError.Code) -> ImageHeader {
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeatures(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &features)
        switch status {
        case VP8_STATUS_OK: break
        case VP8_STATUS_NOT_ENOUGH_DATA: throw .truncated(format: .webp)
        default: throw .corrupt(format: .webp, detail: WebPStatus.describe(status))
        }
        guard features.width > 0, features.height > 0 else { throw .corrupt(format: .webp, detail: "the header gives no size") }
        let model = switch features.format {
        case 1: "lossy"
        case 2: "lossless"
        default: "mixed"
        }
        return ImageHeader(format: .webp, width: Int(features.width), height: Int(features.height), orientation: webpOrientation(bytes),
                           hasAlpha: features.has_alpha != 0, isAnimated: features.has_animation != 0,
                           isProgressive: false, colorModel: model)
    }

    /// The orientation in an extended WebP's EXIF chunk, if there is one.
    private static func webpOrientation(_ bytes: UnsafeRawBufferPointer) -> ExifOrientation {
        var data = WebPData(bytes: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), size: bytes.count)
        guard let demux = WebPDemux(&data) else { return .up }
        defer { WebPDemuxDelete(demux) }
        var chunk = WebPChunkIterator()
        guard WebPDemuxGetChunk(demux, "EXIF", 1, &chunk) != 0 else { return .up }
        defer { WebPDemuxReleaseChunkIterator(&chunk) }
        guard let start = chunk.chunk.bytes else { return .up }
        var exif = UnsafeRawBufferPointer(start: start, count: chunk.chunk.size)
        // Some writers keep JPEG's "Exif\0\0" prefix.
        if exif.count >= 6, Array(exif.prefix(6)) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
            exif = UnsafeRawBufferPointer(rebasing: exif[6...])
        }
        return ExifOrientation.readTIFF(exif) ?? .up
    }
}
