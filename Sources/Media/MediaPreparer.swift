public import Foundation
internal import Crypto

/// Turns whatever picture staff dropped (JPEG, PNG or WebP, whatever its name) into an image
/// every WhatsApp client shows well: upright, at most `maxSide` pixels on its long side, under the
/// byte budget, with its thumbnail and hash. Refuses, with a ``MediaError``, anything else.
public struct MediaPreparer: Sendable {
    public var configuration: MediaConfiguration

    public init(configuration: MediaConfiguration = MediaConfiguration()) {
        self.configuration = configuration
    }

    /// Prepares the image in `file` (checked to be a regular file within `maxInputBytes` first).
    public func prepare(file: String) throws(MediaError) -> PreparedImage {
        let data = try read(file: file)
        return try prepare(data: data, name: file)
    }

    /// Prepares an image held in memory; `name` is only used in errors.
    public func prepare(data: Data, name: String) throws(MediaError) -> PreparedImage {
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(MediaError.Code) in try prepare(bytes) }
        }
        return try result.mapError { MediaError($0, file: name) }.get()
    }

    /// Reads and checks the header only: format, size, orientation, limits.
    public func inspect(data: Data, name: String) throws(MediaError) -> ImageHeader {
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(MediaError.Code) in try header(bytes) }
        }
        return try result.mapError { MediaError($0, file: name) }.get()
    }

    /// Reads a file after checking it is a regular file within the input byte limit.
    public func read(file: String) throws(MediaError) -> Data {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: file)
        } catch {
            throw MediaError(FileManager.default.fileExists(atPath: file) ? .unreadable("\(error.localizedDescription)") : .notFound, file: file)
        }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { throw MediaError(.unreadable("not a regular file"), file: file) }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= configuration.maxInputBytes else {
            throw MediaError(.tooLarge(bytes: size, limit: configuration.maxInputBytes), file: file)
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw MediaError(.unreadable(error.localizedDescription), file: file)
        }
    }

    private func header(_ bytes: UnsafeRawBufferPointer) throws(MediaError.Code) -> ImageHeader {
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= configuration.maxInputBytes else {
            throw .tooLarge(bytes: bytes.count, limit: configuration.maxInputBytes)
        }
        let format: ImageFormat
        switch SniffedFormat(bytes: bytes) {
        case .image(let found): format = found
        case .unsupported(let kind): throw .unsupportedFormat(kind)
        case .unknown: throw .notAnImage
        }
        let header = try ImageHeader.read(bytes, format: format)
        guard header.width.multipliedReportingOverflow(by: header.height).partialValue <= configuration.maxInputPixels,
              header.width <= 1 << 20, header.height <= 1 << 20 else {
            throw .tooManyPixels(width: header.width, height: header.height, limit: configuration.maxInputPixels)
        }
        return header
    }

    private func prepare(_ bytes: UnsafeRawBufferPointer) throws(MediaError.Code) -> PreparedImage {
        let header = try header(bytes)
        guard let background = RGBColor(hex: configuration.background) else {
            throw .invalidConfiguration("media.background '\(configuration.background)' is not a #RRGGBB colour")
        }
        guard configuration.maxSide >= 16 else { throw .invalidConfiguration("media.max_side must be at least 16") }
        let (targetWidth, targetHeight) = Self.fit(width: header.width, height: header.height, maxSide: configuration.maxSide)
        let decoder = ImageDecoder(header: header, targetWidth: targetWidth, targetHeight: targetHeight,
                                   background: configuration.format == .jpeg ? background : nil)
        let upright = header.orientation.apply(to: try decoder.decode(bytes))
        let (encoded, image, quality) = try encodeWithinBudget(upright)
        let thumbnail = try makeThumbnail(of: image, background: background)
        return PreparedImage(
            data: Data(encoded), format: configuration.format, width: image.width, height: image.height,
            sha256: Self.hex(SHA256.hash(data: encoded)), thumbnail: Data(thumbnail), quality: quality,
            source: header, sourceSHA256: Self.hex(SHA256.hash(data: bytes)))
    }

    /// Steps the quality down by 10 to `minimumQuality`, then shrinks the picture by a fifth at a
    /// time, until the encoded size fits `maxOutputBytes`.
    private func encodeWithinBudget(_ upright: PixelBuffer) throws(MediaError.Code) -> ([UInt8], PixelBuffer, Int) {
        var image = upright
        var quality = min(100, max(1, configuration.quality))
        let floor = min(quality, max(1, configuration.minimumQuality))
        while true {
            let encoded = try encode(image, quality: quality)
            if encoded.count <= configuration.maxOutputBytes { return (encoded, image, quality) }
            if quality > floor {
                quality = max(floor, quality - 10)
            } else if max(image.width, image.height) > 160 {
                image = image.resized(width: max(1, image.width * 4 / 5), height: max(1, image.height * 4 / 5))
            } else {
                throw .budgetUnreachable(bytes: encoded.count, limit: configuration.maxOutputBytes)
            }
        }
    }

    private func encode(_ image: PixelBuffer, quality: Int) throws(MediaError.Code) -> [UInt8] {
        switch configuration.format {
        case .jpeg: try JPEGEncoder.encode(image, quality: quality, progressive: configuration.progressive)
        case .webp: try WebPEncoder.encode(image, quality: quality)
        }
    }

    private func makeThumbnail(of image: PixelBuffer, background: RGBColor) throws(MediaError.Code) -> [UInt8] {
        let width = max(1, min(configuration.thumbnailWidth, image.width))
        let height = max(1, (image.height * width + image.width / 2) / image.width)
        // A 50× reduction: box-average first, Lanczos for the last factor of two.
        let small = image.resized(width: width, height: height, flattenOn: background, reducingGap: 2)
        return try JPEGEncoder.encode(small, quality: configuration.thumbnailQuality)
    }

    /// The output size: the long side brought down to `maxSide`, never up.
    static func fit(width: Int, height: Int, maxSide: Int) -> (Int, Int) {
        let long = max(width, height)
        guard long > maxSide else { return (width, height) }
        let scale = Double(maxSide) / Double(long)
        return (max(1, Int((Double(width) * scale).rounded())), max(1, Int((Double(height) * scale).rounded())))
    }

    static func hex<D: Sequence<UInt8>>(_ digest: D) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
