internal import CSiaranCodecs
internal import CSiaranWebP

/// Decodes a JPEG, PNG or WebP straight to a target size, rows streaming through a
/// ``StreamingResizer`` so the full-size image is never held (except for interlaced PNGs and WebP,
/// whose decoders produce whole images). JPEGs are first reduced by libjpeg's DCT scaling.
struct ImageDecoder {
    /// Progressive JPEGs with more scans than this are refused (libjpeg-turbo's own guard value).
    static let maxScans: Int32 = 500

    let header: ImageHeader
    /// Size of the stored (not yet rotated) image after resampling.
    let targetWidth: Int
    let targetHeight: Int
    /// Where transparency is flattened, or `nil` to keep it.
    let background: RGBColor?
    /// Box-reduce first when the remaining Lanczos factor stays at least this (see ``StreamingResizer``).
    var reducingGap: Double? = 1.25

    func decode(_ bytes: UnsafeRawBufferPointer) throws(MediaError.Code) -> PixelBuffer {
        let resizer = StreamingResizer(targetWidth: targetWidth, targetHeight: targetHeight, background: background,
                                       reducingGap: reducingGap)
        switch header.format {
        case .jpeg: try decodeJPEG(bytes, into: resizer)
        case .png: try decodePNG(bytes, into: resizer)
        case .webp: try decodeWebP(bytes, into: resizer)
        }
        let image = resizer.finish()
        guard image.width == targetWidth, image.height == targetHeight else {
            throw .corrupt(format: header.format, detail: resizer.failure ?? "rows are missing")
        }
        return image
    }

    /// The smallest libjpeg scale `M/8` whose output is still at least the target size.
    static func dctScale(width: Int, height: Int, targetWidth: Int, targetHeight: Int) -> Int {
        for numerator in 1...8 {
            let scaledWidth = (width * numerator + 7) / 8
            let scaledHeight = (height * numerator + 7) / 8
            if scaledWidth >= targetWidth && scaledHeight >= targetHeight { return numerator }
        }
        return 8
    }

    private static let sink: siaran_row_sink = { context, row, y, width, height, channels in
        guard let context, let row else { return 1 }
        let resizer = Unmanaged<StreamingResizer>.fromOpaque(context).takeUnretainedValue()
        return resizer.receive(row: row, y: Int(y), width: Int(width), height: Int(height), channels: Int(channels)) ? 0 : 1
    }

    private func decodeJPEG(_ bytes: UnsafeRawBufferPointer, into resizer: StreamingResizer) throws(MediaError.Code) {
        let scale = Self.dctScale(width: header.width, height: header.height, targetWidth: targetWidth, targetHeight: targetHeight)
        var message = [CChar](repeating: 0, count: 256)
        let status = withExtendedLifetime(resizer) {
            siaran_jpeg_decode(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, Int32(scale), Self.maxScans,
                               Self.sink, Unmanaged.passUnretained(resizer).toOpaque(), &message, message.count)
        }
        try check(status, message: message, resizer: resizer)
    }

    private func decodePNG(_ bytes: UnsafeRawBufferPointer, into resizer: StreamingResizer) throws(MediaError.Code) {
        var message = [CChar](repeating: 0, count: 256)
        let status = withExtendedLifetime(resizer) {
            siaran_png_decode(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count,
                              Self.sink, Unmanaged.passUnretained(resizer).toOpaque(), &message, message.count)
        }
        try check(status, message: message, resizer: resizer)
    }

    private func check(_ status: Int32, message: [CChar], resizer: StreamingResizer) throws(MediaError.Code) {
        guard status != Int32(SIARAN_CODEC_OK.rawValue) else { return }
        if status == Int32(SIARAN_CODEC_ABORTED.rawValue), let failure = resizer.failure {
            throw .corrupt(format: header.format, detail: failure)
        }
        throw CodecStatus.error(status, format: header.format, message: message)
    }

    /// WebP: still images through the advanced decoder (RGB, or RGBA when there is alpha);
    /// animated files use their first frame, composed on the canvas.
    private func decodeWebP(_ bytes: UnsafeRawBufferPointer, into resizer: StreamingResizer) throws(MediaError.Code) {
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        if header.isAnimated {
            try decodeFirstFrame(data, count: bytes.count, into: resizer)
            return
        }
        var config = WebPDecoderConfig()
        guard WebPInitDecoderConfig(&config) != 0 else { throw .corrupt(format: .webp, detail: "libwebp version mismatch") }
        let channels = header.hasAlpha ? 4 : 3
        config.output.colorspace = header.hasAlpha ? MODE_RGBA : MODE_RGB
        let status = WebPDecode(data, bytes.count, &config)
        defer { WebPFreeDecBuffer(&config.output) }
        switch status {
        case VP8_STATUS_OK: break
        case VP8_STATUS_NOT_ENOUGH_DATA: throw .truncated(format: .webp)
        default: throw .corrupt(format: .webp, detail: WebPStatus.describe(status))
        }
        let width = Int(config.output.width), height = Int(config.output.height)
        let rgba = config.output.u.RGBA
        guard let pixels = rgba.rgba, width > 0, height > 0 else { throw .corrupt(format: .webp, detail: "no pixels") }
        for y in 0..<height {
            let row = UnsafePointer(pixels + y * Int(rgba.stride))
            guard resizer.receive(row: row, y: y, width: width, height: height, channels: channels) else {
                throw .corrupt(format: .webp, detail: resizer.failure ?? "unexpected rows")
            }
        }
    }

    private func decodeFirstFrame(_ data: UnsafePointer<UInt8>?, count: Int, into resizer: StreamingResizer) throws(MediaError.Code) {
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else { throw .corrupt(format: .webp, detail: "libwebp version mismatch") }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        var input = WebPData(bytes: data, size: count)
        guard let decoder = WebPAnimDecoderNew(&input, &options) else {
            throw .corrupt(format: .webp, detail: "the animation cannot be read")
        }
        defer { WebPAnimDecoderDelete(decoder) }
        var info = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(decoder, &info) != 0, info.canvas_width > 0, info.canvas_height > 0 else {
            throw .corrupt(format: .webp, detail: "the animation has no canvas")
        }
        var frame: UnsafeMutablePointer<UInt8>?
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(decoder, &frame, &timestamp) != 0, let frame else {
            throw .corrupt(format: .webp, detail: "the first frame cannot be decoded")
        }
        let width = Int(info.canvas_width), height = Int(info.canvas_height)
        for y in 0..<height {
            guard resizer.receive(row: UnsafePointer(frame + y * width * 4), y: y, width: width, height: height, channels: 4) else {
                throw .corrupt(format: .webp, detail: resizer.failure ?? "unexpected rows")
            }
        }
    }
}
