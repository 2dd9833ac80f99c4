/// Scales an image as its rows arrive from a decoder: each row is resampled horizontally at
/// once, so only `targetWidth × sourceHeight` pixels are ever held, then the columns are
/// resampled at the end. Transparent input is either flattened onto a background (for JPEG
/// output) or kept and resampled premultiplied.
///
/// With `reducingGap`, large reductions first average whole blocks of pixels (a box filter, by
/// the largest integer factor that leaves at least `reducingGap` for Lanczos), as Pillow's
/// `thumbnail(reducing_gap=)` does: much faster, and the Lanczos step that follows still
/// filters properly.
final class StreamingResizer {
    let targetWidth: Int
    let targetHeight: Int
    let background: RGBColor?
    let reducingGap: Double?

    private(set) var sourceWidth = 0
    private(set) var sourceHeight = 0
    private var inputChannels = 0
    private var channels = 0
    private var nextRow = 0
    private var translucent = false
    /// Box factors and the size after the box step.
    private var boxX = 1, boxY = 1
    private var reducedWidth = 0, reducedHeight = 0
    private var horizontal: ResampleKernel?
    private var intermediate: UnsafeMutablePointer<UInt8>?
    private var scratch: UnsafeMutablePointer<UInt8>?
    private var boxRow: UnsafeMutablePointer<UInt8>?
    private var boxSums: UnsafeMutablePointer<UInt32>?
    private var boxRowsSummed = 0
    /// Why the rows were refused, when they were.
    private(set) var failure: String?

    init(targetWidth: Int, targetHeight: Int, background: RGBColor?, reducingGap: Double? = nil) {
        self.targetWidth = max(1, targetWidth)
        self.targetHeight = max(1, targetHeight)
        self.background = background
        self.reducingGap = reducingGap
    }

    deinit {
        intermediate?.deallocate()
        scratch?.deallocate()
        boxRow?.deallocate()
        boxSums?.deallocate()
    }

    private func start(width: Int, height: Int, channels inChannels: Int) -> Bool {
        guard width > 0, height > 0, inChannels == 3 || inChannels == 4 else {
            failure = "unexpected image layout"
            return false
        }
        sourceWidth = width
        sourceHeight = height
        inputChannels = inChannels
        channels = inChannels == 4 && background == nil ? 4 : 3
        if let reducingGap {
            boxX = max(1, Int(Double(width) / Double(targetWidth) / reducingGap))
            boxY = max(1, Int(Double(height) / Double(targetHeight) / reducingGap))
        }
        reducedWidth = (width + boxX - 1) / boxX
        reducedHeight = (height + boxY - 1) / boxY
        horizontal = reducedWidth == targetWidth ? nil : ResampleKernel(inputSize: reducedWidth, outputSize: targetWidth)
        intermediate = .allocate(capacity: targetWidth * reducedHeight * channels)
        if inChannels == 4 { scratch = .allocate(capacity: width * channels) }
        if boxX > 1 || boxY > 1 {
            boxRow = .allocate(capacity: reducedWidth * channels)
            boxSums = .allocate(capacity: reducedWidth * channels)
            boxSums!.initialize(repeating: 0, count: reducedWidth * channels)
        }
        return true
    }

    /// Takes one decoded row; returns `false` to make the decoder stop.
    func receive(row: UnsafePointer<UInt8>, y: Int, width: Int, height: Int, channels inChannels: Int) -> Bool {
        if y == 0 && nextRow == 0 && intermediate == nil {
            guard start(width: width, height: height, channels: inChannels) else { return false }
        }
        guard let intermediate, y == nextRow, width == sourceWidth, height == sourceHeight, inChannels == inputChannels else {
            failure = failure ?? "rows arrived out of order"
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
        var reducedY = y
        if let boxSums, let boxRow {
            // Sum blocks of boxX pixels of boxY rows; emit a row when a band is complete.
            Self.addBox(source, width: width, channels: channels, factor: boxX, into: boxSums)
            boxRowsSummed += 1
            guard boxRowsSummed == boxY || y == height - 1 else { return true }
            reducedY = y / boxY
            Self.averageBox(boxSums, into: boxRow, reducedWidth: reducedWidth, sourceWidth: width, channels: channels,
                            factor: boxX, rows: boxRowsSummed)
            boxSums.update(repeating: 0, count: reducedWidth * channels)
            boxRowsSummed = 0
            source = UnsafePointer(boxRow)
        }
        let target = intermediate + reducedY * targetWidth * channels
        if let horizontal {
            if channels == 3 {
                Self.resampleRow3(source, into: target, kernel: horizontal)
            } else {
                Self.resampleRow4(source, into: target, kernel: horizontal)
            }
        } else {
            target.update(from: source, count: reducedWidth * channels)
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
            if reducedHeight == targetHeight {
                target.update(from: intermediate, count: rowLength * targetHeight)
            } else {
                Self.resampleColumns(intermediate, rowLength: rowLength, into: target,
                                     kernel: ResampleKernel(inputSize: reducedHeight, outputSize: targetHeight))
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

    private static func addBox(_ source: UnsafePointer<UInt8>, width: Int, channels: Int, factor: Int, into sums: UnsafeMutablePointer<UInt32>) {
        if factor == 1 {
            for index in 0..<(width * channels) { sums[index] &+= UInt32(source[index]) }
            return
        }
        let reducedWidth = (width + factor - 1) / factor
        for block in 0..<reducedWidth {
            let first = block * factor
            let count = min(factor, width - first)
            var pixel = source + first * channels
            let to = sums + block * channels
            if channels == 3 {
                var red: UInt32 = 0, green: UInt32 = 0, blue: UInt32 = 0
                for _ in 0..<count {
                    red &+= UInt32(pixel[0])
                    green &+= UInt32(pixel[1])
                    blue &+= UInt32(pixel[2])
                    pixel += 3
                }
                to[0] &+= red
                to[1] &+= green
                to[2] &+= blue
            } else {
                for _ in 0..<count {
                    for channel in 0..<channels { to[channel] &+= UInt32(pixel[channel]) }
                    pixel += channels
                }
            }
        }
    }

    private static func averageBox(_ sums: UnsafePointer<UInt32>, into row: UnsafeMutablePointer<UInt8>, reducedWidth: Int,
                                   sourceWidth: Int, channels: Int, factor: Int, rows: Int) {
        for x in 0..<reducedWidth {
            // The last block of a row may be narrower.
            let count = UInt32(min(factor, sourceWidth - x * factor) * rows)
            for channel in 0..<channels {
                row[x * channels + channel] = UInt8((sums[x * channels + channel] + count / 2) / count)
            }
        }
    }

    private static func resampleRow3(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, kernel: ResampleKernel) {
        kernel.withPointers { starts, counts, weights in
            let taps = kernel.taps
            for x in 0..<kernel.outputSize {
                var red = ResampleKernel.half, green = ResampleKernel.half, blue = ResampleKernel.half
                var pixel = source + starts[x] * 3
                var weight = weights + x * taps
                for _ in 0..<counts[x] {
                    let w = weight.pointee
                    red &+= Int32(pixel[0]) &* w
                    green &+= Int32(pixel[1]) &* w
                    blue &+= Int32(pixel[2]) &* w
                    pixel += 3
                    weight += 1
                }
                target[3 * x] = ResampleKernel.clamp(red)
                target[3 * x + 1] = ResampleKernel.clamp(green)
                target[3 * x + 2] = ResampleKernel.clamp(blue)
            }
        }
    }

    private static func resampleRow4(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, kernel: ResampleKernel) {
        kernel.withPointers { starts, counts, weights in
            let taps = kernel.taps
            for x in 0..<kernel.outputSize {
                var red = ResampleKernel.half, green = ResampleKernel.half
                var blue = ResampleKernel.half, alpha = ResampleKernel.half
                var pixel = source + starts[x] * 4
                var weight = weights + x * taps
                for _ in 0..<counts[x] {
                    let w = weight.pointee
                    red &+= Int32(pixel[0]) &* w
                    green &+= Int32(pixel[1]) &* w
                    blue &+= Int32(pixel[2]) &* w
                    alpha &+= Int32(pixel[3]) &* w
                    pixel += 4
                    weight += 1
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
        kernel.withPointers { starts, counts, weights in
            for y in 0..<kernel.outputSize {
                sums.initialize(repeating: ResampleKernel.half, count: rowLength)
                let start = starts[y]
                for tap in 0..<counts[y] {
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
