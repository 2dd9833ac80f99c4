/// How a camera says its pixels must be turned to stand upright (EXIF tag 0x0112, values 1–8).
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case up = 1, upMirrored = 2, down = 3, downMirrored = 4
    case leftMirrored = 5, right = 6, rightMirrored = 7, left = 8

    /// Whether applying it exchanges width and height.
    public var swapsDimensions: Bool { rawValue >= 5 }

    /// Reads the orientation from a JPEG's EXIF (APP1) segment; `nil` when there is none or it
    /// cannot be read (the picture is then shown as stored). Never reads outside `bytes`.
    public static func read(jpeg bytes: UnsafeRawBufferPointer) -> ExifOrientation? {
        let count = bytes.count
        guard count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        while offset + 4 <= count {
            guard bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            if marker == 0xFF { offset += 1; continue }
            if marker == 0x01 || (0xD0...0xD8).contains(marker) { offset += 2; continue }
            if marker == 0xDA || marker == 0xD9 { return nil }
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            guard length >= 2, offset + 2 + length <= count else { return nil }
            let body = offset + 4
            let bodyEnd = offset + 2 + length
            if marker == 0xE1, bodyEnd - body >= 14,
               bytes[body] == 0x45, bytes[body + 1] == 0x78, bytes[body + 2] == 0x69, bytes[body + 3] == 0x66,
               bytes[body + 4] == 0, bytes[body + 5] == 0 {
                return readTIFF(UnsafeRawBufferPointer(rebasing: bytes[(body + 6)..<bodyEnd]))
            }
            offset = bodyEnd
        }
        return nil
    }

    /// Finds tag 0x0112 in the first image file directory of a TIFF structure.
    static func readTIFF(_ tiff: UnsafeRawBufferPointer) -> ExifOrientation? {
        guard tiff.count >= 8 else { return nil }
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let directory = u32(4), let entries = u16(directory) else { return nil }
        for index in 0..<entries {
            let entry = directory + 2 + index * 12
            guard let tag = u16(entry) else { return nil }
            if tag == 0x0112 {
                guard u16(entry + 2) == 3, let value = u16(entry + 8) else { return nil }
                return ExifOrientation(rawValue: value)
            }
        }
        return nil
    }

    /// Returns the pixels turned upright.
    public func apply(to image: PixelBuffer) -> PixelBuffer {
        if self == .up { return image }
        let width = image.width, height = image.height, channels = image.channels
        let outWidth = swapsDimensions ? height : width
        let outHeight = swapsDimensions ? width : height
        var output = [UInt8](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy): (Int, Int)
                        switch self {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (width - 1 - x, y)
                        case .down: (sx, sy) = (width - 1 - x, height - 1 - y)
                        case .downMirrored: (sx, sy) = (x, height - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)
                        case .right: (sx, sy) = (y, height - 1 - x)
                        case .rightMirrored: (sx, sy) = (width - 1 - y, height - 1 - x)
                        case .left: (sx, sy) = (width - 1 - y, x)
                        }
                        let from = (sy * width + sx) * channels
                        let to = (y * outWidth + x) * channels
                        for channel in 0..<channels { target[to + channel] = source[from + channel] }
                    }
                }
            }
        }
        return PixelBuffer(width: outWidth, height: outHeight, channels: channels, pixels: output)
    }
}
