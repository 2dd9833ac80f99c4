import Foundation

/// Fields of an `application/x-www-form-urlencoded` body (the login and logout forms).
struct FormFields {
    private var values: [String: String] = [:]

    init(urlEncoded text: String) {
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let key = parts.first, values[key] == nil else { continue }
            values[key] = parts.count > 1 ? parts[1] : ""
        }
    }

    subscript(_ key: String) -> String? { values[key] }
}
