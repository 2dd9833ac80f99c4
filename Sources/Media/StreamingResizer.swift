/// Scales an image as its rows arrive from a decoder: each row is resampled horizontally at
/// once, so only `targetWidth × sourceHeight` pixels are ever held, then the columns are
/// resampled at the end. Transparent input is either flattened onto a background (for JPEG
/// output) or kept and resampled premultiplied.
final class StreamingResizer {
    let targetWidth: Int
    let targetHeight: Int
    let background: RGBColor?

    private(set) var sourceWidth = 0
    private(set) var sourceHeight = 0
    private var inputChannels = 0
    private var channels = 0
    private var nextRow = 0
    private var translucent = false
    private var horizontal: ResampleKernel?
    private var intermediate: UnsafeMutablePointer<UInt8>?
    private var scratch: UnsafeMutablePointer<UInt8>?
    /// Why the rows were refused, when they were.
    private(set) var failure: String?

    init(targetWidth: Int, targetHeight: Int, background: RGBColor?) {
        self.targetWidth = max(1, targetWidth)
        self.targetHeight = max(1, targetHeight)
        self.background = background
    }

    deinit {
        intermediate?.deallocate()
        scratch?.deallocate()
    }

    /// Takes one decoded row; returns `false` to make the decoder stop.
    func receive(row: UnsafePointer<UInt8>, y: Int, width: Int, height: Int, channels inChannels: Int) -> Bool {
        if y == 0 && nextRow == 0 && intermediate == nil {
            guard width > 0, height > 0, inChannels == 3 || inChannels == 4 else {
                failure = "unexpected image layout"
                return false
            }
            sourceWidth = width
            sourceHeight = height
            inputChannels = inChannels
            channels = inChannels == 4 && background == nil ? 4 : 3
            horizontal = width == targetWidth ? nil : ResampleKernel(inputSize: width, outputSize: targetWidth)
            intermediate = .allocate(capacity: targetWidth * height * channels)
            if inChannels == 4 { scratch = .allocate(capacity: width * channels) }
        }
        guard let intermediate, y == nextRow, width == sourceWidth, height == sourceHeight, inChannels == inputChannels else {
            failure = "rows arrived out of order"
            return false
        }
        nextRow += 1
        var source = row
        if let scratch {
            if let background {
                Compositing.flatten(row, into: scratch, count: width, on: background)
            } else if Compositing.premultiply(row, into: scratch, count: width) {
                translucent = true
            }
            source = UnsafePointer(scratch)
        }
        let target = intermediate + y * targetWidth * channels
        if let horizontal {
            if channels == 3 {
                Self.resampleRow3(source, into: target, kernel: horizontal)
            } else {
                Self.resampleRow4(source, into: target, kernel: horizontal)
            }
        } else {
            target.update(from: source, count: width * channels)
        }
        return true
    }

    /// Finishes the vertical pass. Rows that never arrived are an error the decoder reports first.
    func finish() -> PixelBuffer {
        guard let intermediate, nextRow == sourceHeight else {
            return PixelBuffer(width: 0, height: 0, channels: 3, pixels: [])
        }
        let rowLength = targetWidth * channels
        var output = [UInt8](repeating: 0, count: rowLength * targetHeight)
        output.withUnsafeMutableBufferPointer { buffer in
            let target = buffer.baseAddress!
            if sourceHeight == targetHeight {
                target.update(from: intermediate, count: rowLength * targetHeight)
            } else {
                Self.resampleColumns(intermediate, rowLength: rowLength, into: target,
                                     kernel: ResampleKernel(inputSize: sourceHeight, outputSize: targetHeight))
            }
            if channels == 4 && translucent {
                Compositing.unpremultiply(target, count: targetWidth * targetHeight)
            }
        }
        if channels == 4 && !translucent {
            // Fully opaque: the alpha channel carries nothing.
            var rgb = [UInt8](repeating: 0, count: targetWidth * targetHeight * 3)
            for index in 0..<(targetWidth * targetHeight) {
                rgb[3 * index] = output[4 * index]
                rgb[3 * index + 1] = output[4 * index + 1]
                rgb[3 * index + 2] = output[4 * index + 2]
            }
            return PixelBuffer(width: targetWidth, height: targetHeight, channels: 3, pixels: rgb)
        }
        return PixelBuffer(width: targetWidth, height: targetHeight, channels: channels, pixels: output)
    }

    private static func resampleRow3(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, kernel: ResampleKernel) {
        kernel.weights.withUnsafeBufferPointer { weights in
            let taps = kernel.taps
            for x in 0..<kernel.outputSize {
                var red = ResampleKernel.half, green = ResampleKernel.half, blue = ResampleKernel.half
                let start = kernel.starts[x] * 3
                let base = x * taps
                for tap in 0..<kernel.counts[x] {
                    let weight = weights[base + tap]
                    let pixel = start + tap * 3
                    red &+= Int32(source[pixel]) &* weight
                    green &+= Int32(source[pixel + 1]) &* weight
                    blue &+= Int32(source[pixel + 2]) &* weight
                }
                target[3 * x] = ResampleKernel.clamp(red)
                target[3 * x + 1] = ResampleKernel.clamp(green)
                target[3 * x + 2] = ResampleKernel.clamp(blue)
            }
        }
    }

    private static func resampleRow4(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, kernel: ResampleKernel) {
        kernel.weights.withUnsafeBufferPointer { weights in
            let taps = kernel.taps
            for x in 0..<kernel.outputSize {
                var red = ResampleKernel.half, green = ResampleKernel.half
                var blue = ResampleKernel.half, alpha = ResampleKernel.half
                let start = kernel.starts[x] * 4
                let base = x * taps
                for tap in 0..<kernel.counts[x] {
                    let weight = weights[base + tap]
                    let pixel = start + tap * 4
                    red &+= Int32(source[pixel]) &* weight
                    green &+= Int32(source[pixel + 1]) &* weight
                    blue &+= Int32(source[pixel + 2]) &* weight
                    alpha &+= Int32(source[pixel + 3]) &* weight
                }
                let a = ResampleKernel.clamp(alpha)
                target[4 * x + 3] = a
                // Premultiplied colour can never exceed its alpha.
                target[4 * x] = min(ResampleKernel.clamp(red), a)
                target[4 * x + 1] = min(ResampleKernel.clamp(green), a)
                target[4 * x + 2] = min(ResampleKernel.clamp(blue), a)
            }
        }
    }

    private static func resampleColumns(_ source: UnsafePointer<UInt8>, rowLength: Int, into target: UnsafeMutablePointer<UInt8>, kernel: ResampleKernel) {
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: rowLength)
        defer { sums.deallocate() }
        kernel.weights.withUnsafeBufferPointer { weights in
            for y in 0..<kernel.outputSize {
                sums.initialize(repeating: ResampleKernel.half, count: rowLength)
                let start = kernel.starts[y]
                for tap in 0..<kernel.counts[y] {
                    let weight = weights[y * kernel.taps + tap]
                    let row = source + (start + tap) * rowLength
                    for index in 0..<rowLength { sums[index] &+= Int32(row[index]) &* weight }
                }
                let out = target + y * rowLength
                for index in 0..<rowLength { out[index] = ResampleKernel.clamp(sums[index]) }
            }
        }
    }
}
