/// Per-pixel alpha arithmetic used before and after resampling.
enum Compositing {
    /// RGBA onto an opaque background: `c·a + bg·(255 − a)`, rounded.
    static func flatten(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, count: Int, on background: RGBColor) {
        let red = Int(background.red), green = Int(background.green), blue = Int(background.blue)
        for index in 0..<count {
            let alpha = Int(source[4 * index + 3])
            let inverse = 255 - alpha
            target[3 * index] = UInt8((Int(source[4 * index]) * alpha + red * inverse + 127) / 255)
            target[3 * index + 1] = UInt8((Int(source[4 * index + 1]) * alpha + green * inverse + 127) / 255)
            target[3 * index + 2] = UInt8((Int(source[4 * index + 2]) * alpha + blue * inverse + 127) / 255)
        }
    }

    /// Multiplies colour by alpha so that resampling does not bleed the colour of invisible pixels.
    /// Returns whether any pixel was translucent.
    static func premultiply(_ source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        var translucent = false
        for index in 0..<count {
            let alpha = Int(source[4 * index + 3])
            if alpha != 255 { translucent = true }
            target[4 * index] = UInt8((Int(source[4 * index]) * alpha + 127) / 255)
            target[4 * index + 1] = UInt8((Int(source[4 * index + 1]) * alpha + 127) / 255)
            target[4 * index + 2] = UInt8((Int(source[4 * index + 2]) * alpha + 127) / 255)
            target[4 * index + 3] = UInt8(alpha)
        }
        return translucent
    }

    /// Undoes `premultiply` in place.
    static func unpremultiply(_ pixels: UnsafeMutablePointer<UInt8>, count: Int) {
        for index in 0..<count {
            let alpha = Int(pixels[4 * index + 3])
            for channel in 0..<3 {
                let value = Int(pixels[4 * index + channel])
                pixels[4 * index + channel] = alpha == 0 ? 0 : UInt8(min(255, (value * 255 + alpha / 2) / alpha))
            }
        }
    }
}
