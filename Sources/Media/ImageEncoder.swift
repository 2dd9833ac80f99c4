internal import CSiaranCodecs
internal import CSiaranWebP

/// JPEG encoding through libjpeg-turbo: 4:2:0, optimised Huffman tables, no metadata.
public enum JPEGEncoder {
    /// Encodes RGB (3 channels) or grayscale (1 channel) pixels.
    public static func encode(_ image: PixelBuffer, quality: Int, progressive: Bool = false) throws(MediaError.Code) -> [UInt8] {
        let colorSpace: Int32 = switch image.channels {
        case 1: 1
        case 3: 2
        case 4: 4  // CMYK input, used by tests to make CMYK files
        default: throw .encodeFailed("JPEG takes 1, 3 or 4 channels, not \(image.channels)")
        }
        return try encode(image, inputColorSpace: colorSpace, jpegColorSpace: 0, quality: quality, progressive: progressive)
    }

    /// Full control over the colour spaces (J_COLOR_SPACE values), e.g. CMYK written as YCCK.
    static func encode(_ image: PixelBuffer, inputColorSpace: Int32, jpegColorSpace: Int32, quality: Int, progressive: Bool) throws(MediaError.Code) -> [UInt8] {
        guard image.width > 0, image.height > 0 else { throw .encodeFailed("empty image") }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            siaran_jpeg_encode(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                               inputColorSpace, jpegColorSpace, Int32(min(100, max(1, quality))), progressive ? 1 : 0,
                               &output, &size, &message, message.count)
        }
        guard status == Int32(SIARAN_CODEC_OK.rawValue), let output else {
            throw .encodeFailed(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { siaran_codec_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}

/// Lossy WebP encoding through libwebp (RGB, or RGBA when transparency is kept).
public enum WebPEncoder {
    public static func encode(_ image: PixelBuffer, quality: Int) throws(MediaError.Code) -> [UInt8] {
        guard image.width > 0, image.height > 0, image.channels == 3 || image.channels == 4 else {
            throw .encodeFailed("WebP takes RGB or RGBA pixels")
        }
        var output: UnsafeMutablePointer<UInt8>?
        let quality = Float(min(100, max(0, quality)))
        let size = image.pixels.withUnsafeBufferPointer { pixels in
            image.channels == 4
                ? WebPEncodeRGBA(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.width * 4), quality, &output)
                : WebPEncodeRGB(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.width * 3), quality, &output)
        }
        guard size > 0, let output else { throw .encodeFailed("libwebp could not encode the picture") }
        defer { WebPFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// Lossless WebP (for tests and tools).
    static func encodeLossless(_ image: PixelBuffer) throws(MediaError.Code) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        let size = image.pixels.withUnsafeBufferPointer { pixels in
            image.channels == 4
                ? WebPEncodeLosslessRGBA(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.width * 4), &output)
                : WebPEncodeLosslessRGB(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.width * 3), &output)
        }
        guard size > 0, let output else { throw .encodeFailed("libwebp could not encode the picture") }
        defer { WebPFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}

/// PNG encoding through libpng (for tests and tools; Siaran never sends PNG).
enum PNGEncoder {
    static func encode(_ image: PixelBuffer, interlaced: Bool = false) throws(MediaError.Code) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            siaran_png_encode(pixels.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                              interlaced ? 1 : 0, &output, &size, &message, message.count)
        }
        guard status == Int32(SIARAN_CODEC_OK.rawValue), let output else { throw .encodeFailed("libpng could not encode") }
        defer { siaran_codec_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
