/// Numbers as stored in worksheet XML (`6281234567890`, `6.28123456789E+12`, `1500.5`) rewritten as
/// plain decimals without losing a digit: never through `Double`, whose text form drops digits.
enum XLSXNumber {
    /// The plain decimal form, or the text unchanged when it is not a number.
    static func plain(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        var digits: [UInt8] = []
        var pointPosition: Int?
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x30 && byte <= 0x39 {
                digits.append(byte)
            } else if byte == UInt8(ascii: "."), pointPosition == nil {
                pointPosition = digits.count
            } else {
                break
            }
            index += 1
        }
        guard !digits.isEmpty else { return text }
        var exponent = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "E") || bytes[index] == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var value = 0
            var exponentDigits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, value < 10_000 {
                value = value * 10 + Int(bytes[index] - 0x30)
                exponentDigits += 1
                index += 1
            }
            guard exponentDigits > 0, value <= 400 else { return text }
            exponent = exponentNegative ? -value : value
        }
        guard index == bytes.count else { return text }
        // The decimal point sits after `pointPosition` digits, moved by the exponent.
        let point = (pointPosition ?? digits.count) + exponent
        var integerPart: [UInt8]
        var fractionPart: [UInt8]
        if point <= 0 {
            integerPart = []
            fractionPart = Array(repeating: UInt8(ascii: "0"), count: -point) + digits
        } else if point >= digits.count {
            integerPart = digits + Array(repeating: UInt8(ascii: "0"), count: point - digits.count)
            fractionPart = []
        } else {
            integerPart = Array(digits[..<point])
            fractionPart = Array(digits[point...])
        }
        while let first = integerPart.first, first == UInt8(ascii: "0") { integerPart.removeFirst() }
        while let last = fractionPart.last, last == UInt8(ascii: "0") { fractionPart.removeLast() }
        if integerPart.isEmpty { integerPart = [UInt8(ascii: "0")] }
        var result = negative && !(integerPart == [UInt8(ascii: "0")] && fractionPart.isEmpty) ? "-" : ""
        result += String(decoding: integerPart, as: UTF8.self)
        if !fractionPart.isEmpty { result += "." + String(decoding: fractionPart, as: UTF8.self) }
        return result
    }
}
