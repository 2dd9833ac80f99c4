import CSiaranZlib

/// zlib's one-shot compress, for building compressed test frames.
func zlibCompress(_ input: [UInt8]) -> [UInt8] {
    var size = compressBound(uLong(input.count))
    var output = [UInt8](repeating: 0, count: Int(size))
    _ = compress(&output, &size, input, uLong(input.count))
    return Array(output.prefix(Int(size)))
}
