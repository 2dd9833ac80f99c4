import Foundation

/// Fixed-point Lanczos-3 weights for scaling one axis from `inputSize` to `outputSize` samples
/// (precomputed once per axis, as Pillow does). When shrinking, the filter is widened by the
/// scale so every source pixel contributes: an area-correct, non-aliasing downscale.
struct ResampleKernel {
    /// Fractional bits of the weights; with 8-bit samples the sums stay inside Int32.
    static let precision: Int32 = 22
    static let half: Int32 = 1 << (precision - 1)

    let outputSize: Int
    let taps: Int
    /// First source sample of each output sample.
    let starts: [Int]
    /// Number of source samples of each output sample (≤ taps).
    let counts: [Int]
    /// `outputSize × taps` weights, zero-padded.
    let weights: [Int32]

    init(inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = 3 * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var starts = [Int](repeating: 0, count: outputSize)
        var counts = [Int](repeating: 0, count: outputSize)
        var weights = [Int32](repeating: 0, count: outputSize * taps)
        var real = [Double](repeating: 0, count: taps)
        for index in 0..<outputSize {
            let center = (Double(index) + 0.5) * scale
            let first = max(0, Int((center - support + 0.5).rounded(.down)))
            let last = min(inputSize, Int((center + support + 0.5).rounded(.down)))
            let count = min(taps, max(1, last - first))
            var total = 0.0
            for tap in 0..<count {
                let weight = Self.lanczos3((Double(first + tap) - center + 0.5) / filterScale)
                real[tap] = weight
                total += weight
            }
            if total == 0 { real[0] = 1; total = 1 }
            // Rounded weights are corrected so they sum to exactly one: flat areas stay flat.
            var fixedTotal: Int32 = 0
            var largest = 0
            for tap in 0..<count {
                let fixed = Int32((real[tap] / total * Double(1 << Self.precision)).rounded())
                weights[index * taps + tap] = fixed
                fixedTotal += fixed
                if real[tap] > real[largest] { largest = tap }
            }
            weights[index * taps + largest] += (1 << Self.precision) - fixedTotal
            starts[index] = min(first, inputSize - count)
            counts[index] = count
        }
        self.outputSize = outputSize
        self.taps = taps
        self.starts = starts
        self.counts = counts
        self.weights = weights
    }

    /// Runs `body` with raw pointers to the tables (no bounds checks or copies in the hot loops).
    @inline(__always)
    func withPointers<Result>(_ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Int32>) -> Result) -> Result {
        starts.withUnsafeBufferPointer { starts in
            counts.withUnsafeBufferPointer { counts in
                weights.withUnsafeBufferPointer { weights in
                    body(starts.baseAddress!, counts.baseAddress!, weights.baseAddress!)
                }
            }
        }
    }

    static func lanczos3(_ x: Double) -> Double {
        if x == 0 { return 1 }
        if x <= -3 || x >= 3 { return 0 }
        let pix = Double.pi * x
        return 3 * sin(pix) * sin(pix / 3) / (pix * pix)
    }

    @inline(__always)
    static func clamp(_ value: Int32) -> UInt8 {
        let shifted = value >> precision
        return shifted < 0 ? 0 : (shifted > 255 ? 255 : UInt8(truncatingIfNeeded: shifted))
    }
}
