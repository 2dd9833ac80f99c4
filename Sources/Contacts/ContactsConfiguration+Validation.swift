extension ContactsConfiguration {
    /// Plain-language problems with these settings (empty when they are usable). The YAML loader
    /// checks the same rules with line numbers; this serves callers that build a configuration
    /// from command-line flags.
    public var problems: [String] {
        var problems: [String] = []
        let code = countryCode
        if code.isEmpty || code.utf8.count > 3 || code.utf8.first == UInt8(ascii: "0")
            || !code.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            problems.append("the country code must be 1 to 3 digits without + or a leading 0 (62 for Indonesia), found '\(code)'")
        }
        if !(4...15).contains(minDigits) { problems.append("the minimum digits must be between 4 and 15, found \(minDigits)") }
        if !(4...15).contains(maxDigits) { problems.append("the maximum digits must be between 4 and 15, found \(maxDigits)") }
        if minDigits > maxDigits { problems.append("the minimum digits (\(minDigits)) are more than the maximum (\(maxDigits))") }
        if maxFileBytes < 1 { problems.append("the largest file size must be at least 1 byte") }
        if maxRows < 1 { problems.append("the most rows must be at least 1") }
        return problems
    }
}
