import Foundation

/// A refused `--variant` argument, with the reason in words.
public struct VariantCountsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var argument: String
    public var reason: String
    public var description: String { "--variant \(argument): \(reason)" }
}

extension VariantCounts {
    /// The counts as written on a command line: `NAME:sent=400,replied=12` with optional `delivered=`,
    /// `read=` and `opted_out=`. `sent` is required; every other count is at most `sent`.
    public init(parsing argument: String) throws(VariantCountsError) {
        func refuse(_ reason: String) -> VariantCountsError { VariantCountsError(argument: argument, reason: reason) }
        guard let colon = argument.firstIndex(of: ":") else { throw refuse("write it as NAME:sent=N,replied=N") }
        let name = argument[..<colon].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw refuse("the variant has no name before ':'") }
        var counts: [String: Int] = [:]
        for field in argument[argument.index(after: colon)...].split(separator: ",") {
            let pair = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { throw refuse("'\(field)' is not key=number") }
            let key = pair[0].replacingOccurrences(of: "-", with: "_")
            guard ["sent", "delivered", "read", "replied", "opted_out"].contains(key) else {
                throw refuse("unknown count '\(pair[0])' (sent, delivered, read, replied, opted_out)")
            }
            guard let value = Int(pair[1]), value >= 0 else { throw refuse("\(key) must be a whole number ≥ 0, not '\(pair[1])'") }
            guard counts[key] == nil else { throw refuse("\(key) is given twice") }
            counts[key] = value
        }
        guard let sent = counts["sent"] else { throw refuse("sent= is required") }
        for (key, value) in counts where value > sent { throw refuse("\(key)=\(value) is more than sent=\(sent)") }
        self.init(name: name, sent: sent, delivered: counts["delivered"] ?? 0, read: counts["read"] ?? 0,
                  replied: counts["replied"] ?? 0, optedOut: counts["opted_out"] ?? 0)
    }
}
