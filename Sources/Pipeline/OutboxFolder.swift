import Foundation

/// Names of folders made from what staff dropped (`outbox/promo-lebaran/`, `inbox/failed/promo-2/`):
/// the drop's name made safe (it is untrusted: any bytes a file system allows), then `-2`, `-3`, …
/// when the name is taken.
public enum OutboxFolder {
    /// Names in `outbox/` that belong to Siaran itself.
    static let reserved: Set<String> = ["sessions", "logs", "failed"]
    static let maxLength = 60

    /// `Promo Lebaran 2026!` → `promo-lebaran-2026`; letters lose their accents, anything but
    /// ASCII letters and digits becomes one `-`; never empty, never hidden, never `..`.
    public static func slug(_ name: String, fallback: String = "kampanye") -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        var out = ""
        for scalar in folded.unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else if !out.isEmpty, !out.hasSuffix("-") {
                out += "-"
            }
            if out.count >= maxLength { break }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? fallback : out.lowercased()
    }

    /// The first of `base`, `base-2`, `base-3`, … that is free: not reserved, nothing at that
    /// path in `parent`, and `isTaken` (the database's view) says no.
    static func choose(_ base: String, in parent: String, isTaken: (String) async throws -> Bool) async throws -> String {
        for attempt in 1...999 {
            let candidate = attempt == 1 ? base : "\(base)-\(attempt)"
            if reserved.contains(candidate) { continue }
            var info = stat()
            if lstat((parent as NSString).appendingPathComponent(candidate), &info) == 0 { continue }
            if try await isTaken(candidate) { continue }
            return candidate
        }
        return "\(base)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// The first free name for a folder in `parent` (on disk only), for `inbox/failed/`.
    static func free(_ name: String, in parent: String) -> String {
        var candidate = name
        var suffix = 2
        var info = stat()
        while lstat((parent as NSString).appendingPathComponent(candidate), &info) == 0 {
            candidate = "\(name)-\(suffix)"
            suffix += 1
        }
        return candidate
    }
}
