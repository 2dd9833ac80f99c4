import CSiaranZlib
import Foundation

/// Decodes the 8-bit, non-interlaced RGB/RGBA PNGs Chromium writes, enough to tell a real page
/// from a blank or half-painted one.
struct ScreenshotCheck {
    let width: Int
    let height: Int
    /// Distinct colours over a grid of samples.
    let colours: Int
    /// Share of sampled pixels that differ from the most common colour (the background).
    let inkShare: Double

    init(path: String) throws {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard data.count > 33, data[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw DevToolsError(.page("\(path) is not a PNG"))
        }
        func be32(_ at: Int) -> Int { data[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        width = be32(16)
        height = be32(20)
        let depth = data[24], colourType = data[25], interlace = data[28]
        guard depth == 8, colourType == 2 || colourType == 6, interlace == 0 else {
            throw DevToolsError(.page("\(path): PNG depth \(depth) colour type \(colourType) interlace \(interlace) is not handled"))
        }
        let channels = colourType == 6 ? 4 : 3
        var compressed: [UInt8] = []
        var offset = 8
        while offset + 8 <= data.count {
            let length = be32(offset)
            let type = String(decoding: data[offset + 4..<offset + 8], as: UTF8.self)
            if type == "IDAT" { compressed += data[offset + 8..<offset + 8 + length] }
            offset += 12 + length
        }
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * height)
        var size = uLongf(raw.count)
        let status = uncompress(&raw, &size, compressed, uLong(compressed.count))
        guard status == Z_OK, Int(size) == raw.count else { throw DevToolsError(.page("\(path): zlib status \(status), \(size) of \(raw.count) bytes")) }
        let pixels = Self.unfilter(raw, stride: stride, height: height, bytesPerPixel: channels)
        var counts: [UInt32: Int] = [:]
        var samples = 0
        for y in Swift.stride(from: 0, to: height, by: 3) {
            for x in Swift.stride(from: 0, to: width, by: 3) {
                let at = y * stride + x * channels
                let rgb = UInt32(pixels[at]) << 16 | UInt32(pixels[at + 1]) << 8 | UInt32(pixels[at + 2])
                counts[rgb, default: 0] += 1
                samples += 1
            }
        }
        colours = counts.count
        inkShare = 1 - Double(counts.values.max() ?? 0) / Double(max(samples, 1))
    }

    /// Undoes the PNG row filters (None, Sub, Up, Average, Paeth).
    static func unfilter(_ raw: [UInt8], stride: Int, height: Int, bytesPerPixel bpp: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            let source = y * (stride + 1) + 1, row = y * stride, above = row - stride
            for x in 0..<stride {
                let a = x >= bpp ? Int(out[row + x - bpp]) : 0
                let b = y > 0 ? Int(out[above + x]) : 0
                let c = x >= bpp && y > 0 ? Int(out[above + x - bpp]) : 0
                let predictor: Int = switch filter {
                case 1: a
                case 2: b
                case 3: (a + b) / 2
                case 4: {
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    return pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                }()
                default: 0
                }
                out[row + x] = UInt8(truncatingIfNeeded: Int(raw[source + x]) + predictor)
            }
        }
        return out
    }
}
