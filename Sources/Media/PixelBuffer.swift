/// Decoded 8-bit pixels, row by row without padding: 3 channels (RGB) or 4 (RGBA, not premultiplied).
public struct PixelBuffer: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels, "pixel count does not match the size")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The channels of one pixel.
    public func pixel(x: Int, y: Int) -> [UInt8] {
        let start = (y * width + x) * channels
        return Array(pixels[start..<(start + channels)])
    }

    /// Whether any pixel is not fully opaque.
    public var hasTransparency: Bool {
        guard channels == 4 else { return false }
        return stride(from: 3, to: pixels.count, by: 4).contains { pixels[$0] != 255 }
    }

    /// Composites RGBA onto an opaque background; RGB is returned unchanged.
    public func flattened(on background: RGBColor) -> PixelBuffer {
        guard channels == 4 else { return self }
        var output = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                Compositing.flatten(source.baseAddress!, into: target.baseAddress!, count: width * height, on: background)
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, pixels: output)
    }

    /// A copy scaled to the given size with the Lanczos-3 resampler. Alpha is kept (resampled
    /// premultiplied) unless `background` is given, in which case it is flattened first.
    /// `reducingGap` allows a box pre-reduction for large factors (see ``StreamingResizer``).
    public func resized(width newWidth: Int, height newHeight: Int, flattenOn background: RGBColor? = nil,
                        reducingGap: Double? = nil) -> PixelBuffer {
        let resizer = StreamingResizer(targetWidth: newWidth, targetHeight: newHeight, background: background,
                                       reducingGap: reducingGap)
        pixels.withUnsafeBufferPointer { source in
            let stride = width * channels
            for y in 0..<height {
                _ = resizer.receive(row: source.baseAddress! + y * stride, y: y, width: width, height: height, channels: channels)
            }
        }
        return resizer.finish()
    }
}
