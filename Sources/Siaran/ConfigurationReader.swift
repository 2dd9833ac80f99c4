import Foundation
import Yams

/// Walks a parsed YAML document, reading typed values with defaults and collecting every
/// problem with its line and column, so one `config check` reports them all at once.
final class ConfigurationReader {
    let file: String
    private(set) var issues: [ConfigurationError.Issue] = []
    /// Where each key that was present in the file sits, by dotted path, for checks that
    /// involve several keys (`sending.delay.min` against `sending.delay.max`).
    private(set) var marks: [String: Mark] = [:]

    init(file: String) {
        self.file = file
    }

    /// Reports a problem at the place of a dotted key, or at the top of the file if it is absent.
    func report(_ message: String, atKey key: String) {
        report(message, at: marks[key])
    }

    func report(_ message: String, at mark: Mark?) {
        issues.append(.init(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message))
    }

    /// A mapping section of the document. Reading a key marks it as known; `finish()` reports
    /// the keys nobody read, which catches typos such as `delay_mni`.
    final class Section {
        let reader: ConfigurationReader
        let path: String
        let mapping: Node.Mapping?
        let mark: Mark?
        private var known: [String] = []

        init(reader: ConfigurationReader, path: String, node: Node?) {
            self.reader = reader
            self.path = path
            self.mark = node?.mark
            switch node {
            case .mapping(let mapping)?:
                self.mapping = mapping
            case .scalar(let scalar)? where scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null":
                self.mapping = nil
            case nil:
                self.mapping = nil
            case let other?:
                self.mapping = nil
                reader.report("'\(path)' must be a mapping of keys to values, found \(other.kindName)", at: other.mark)
            }
        }

        private func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        /// The raw node for a key, recording that the key is known.
        func node(_ key: String) -> Node? {
            known.append(key)
            let found = mapping?[key]
            if let mark = found?.mark { reader.marks[qualified(key)] = mark }
            return found
        }

        func section(_ key: String) -> Section {
            Section(reader: reader, path: qualified(key), node: node(key))
        }

        func string(_ key: String, default value: String, allowEmpty: Bool = true) -> String {
            guard let node = node(key) else { return value }
            guard case .scalar(let scalar) = node else {
                reader.report("'\(qualified(key))' must be text, found \(node.kindName)", at: node.mark)
                return value
            }
            if !allowEmpty && scalar.string.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.report("'\(qualified(key))' must not be empty", at: node.mark)
                return value
            }
            return scalar.string
        }

        func optionalString(_ key: String) -> String? {
            guard let node = node(key) else { return nil }
            guard case .scalar(let scalar) = node else {
                reader.report("'\(qualified(key))' must be text, found \(node.kindName)", at: node.mark)
                return nil
            }
            if scalar.tag == Tag(.null) || scalar.string.isEmpty { return nil }
            return scalar.string
        }

        func int(_ key: String, default value: Int, range: ClosedRange<Int>? = nil, unit: String = "") -> Int {
            guard let node = node(key) else { return value }
            guard case .scalar(let scalar) = node, let parsed = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
                reader.report("'\(qualified(key))' must be a whole number\(unit), found \(node.describedValue)", at: node.mark)
                return value
            }
            if let range, !range.contains(parsed) {
                reader.report("'\(qualified(key))' must be between \(range.lowerBound) and \(range.upperBound)\(unit), found \(parsed)", at: node.mark)
                return value
            }
            return parsed
        }

        func double(_ key: String, default value: Double, range: ClosedRange<Double>? = nil, unit: String = "") -> Double {
            guard let node = node(key) else { return value }
            guard case .scalar(let scalar) = node, let parsed = Double(scalar.string), parsed.isFinite else {
                reader.report("'\(qualified(key))' must be a number\(unit), found \(node.describedValue)", at: node.mark)
                return value
            }
            if let range, !range.contains(parsed) {
                reader.report("'\(qualified(key))' must be between \(range.lowerBound.formatted) and \(range.upperBound.formatted)\(unit), found \(parsed.formatted)", at: node.mark)
                return value
            }
            return parsed
        }

        func bool(_ key: String, default value: Bool) -> Bool {
            guard let node = node(key) else { return value }
            if case .scalar(let scalar) = node {
                switch scalar.string.lowercased() {
                case "true", "yes", "on": return true
                case "false", "no", "off": return false
                default: break
                }
            }
            reader.report("'\(qualified(key))' must be true or false, found \(node.describedValue)", at: node.mark)
            return value
        }

        /// A value from a fixed set of words, reported with the accepted words when wrong.
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, default value: T) -> T where T.RawValue == String {
            guard let node = node(key) else { return value }
            let words = T.allCases.map(\.rawValue)
            guard case .scalar(let scalar) = node, let parsed = T(rawValue: scalar.string) else {
                reader.report("'\(qualified(key))' must be one of \(words.joined(separator: ", ")), found \(node.describedValue)", at: node.mark)
                return value
            }
            return parsed
        }

        func stringList(_ key: String, default value: [String]) -> [String] {
            guard let node = node(key) else { return value }
            switch node {
            case .sequence(let sequence):
                var result: [String] = []
                for item in sequence {
                    guard case .scalar(let scalar) = item else {
                        reader.report("'\(qualified(key))' must be a list of text values, found \(item.kindName)", at: item.mark)
                        continue
                    }
                    result.append(scalar.string)
                }
                return result
            case .scalar(let scalar) where !scalar.string.isEmpty:
                // `formats: csv, pdf` is a natural way to write a short list.
                return scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            default:
                reader.report("'\(qualified(key))' must be a list, found \(node.describedValue)", at: node.mark)
                return value
            }
        }

        func intList(_ key: String, default value: [Int], range: ClosedRange<Int>) -> [Int] {
            guard let node = node(key) else { return value }
            guard case .sequence(let sequence) = node else {
                reader.report("'\(qualified(key))' must be a list of whole numbers, found \(node.describedValue)", at: node.mark)
                return value
            }
            var result: [Int] = []
            for item in sequence {
                guard case .scalar(let scalar) = item, let parsed = Int(scalar.string), range.contains(parsed) else {
                    reader.report("'\(qualified(key))' items must be whole numbers between \(range.lowerBound) and \(range.upperBound), found \(item.describedValue)", at: item.mark)
                    continue
                }
                result.append(parsed)
            }
            return result
        }

        /// Every key of this mapping with its value, for sections whose keys are names the
        /// user chooses (`whatsapp.proxies.<session>`); all of them count as known.
        func entries() -> [(key: String, keyMark: Mark?, value: Node)] {
            guard let mapping else { return [] }
            return mapping.map { keyNode, value in
                let key = keyNode.string ?? keyNode.describedValue
                known.append(key)
                reader.marks[qualified(key)] = value.mark
                return (key, keyNode.mark, value)
            }
        }

        /// Reports every key in this mapping that no reader asked for.
        func finish() {
            guard let mapping else { return }
            for (keyNode, _) in mapping {
                let key = keyNode.string ?? keyNode.describedValue
                if !known.contains(key) {
                    let expected = known.joined(separator: ", ")
                    reader.report("unknown key '\(qualified(key))'; expected one of: \(expected)", at: keyNode.mark)
                }
            }
        }
    }
}

extension Node {
    var kindName: String {
        switch self {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    var describedValue: String {
        if case .scalar(let scalar) = self { return "'\(scalar.string)'" }
        return kindName
    }
}

private extension Double {
    var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
