import Foundation

/// Renders a campaign's template for each contact: variables, fallbacks, spintax, variant choice,
/// and the opt-out footer, within WhatsApp's length limits.
///
/// Create one renderer per campaign with the contact list's column names, so every contact's
/// `{…}` groups are read the same way.
public struct MessageRenderer: Sendable {
    public let configuration: MessageConfiguration
    /// Lower-cased column names of the contact list.
    public let columns: Set<String>

    public init(configuration: MessageConfiguration = .init(), columns: some Sequence<String> = []) {
        self.configuration = configuration
        self.columns = Set(columns.map { $0.lowercased() })
    }

    // MARK: - Checking before sending

    /// Problems found before any message is rendered.
    public struct Check: Sendable, Equatable {
        /// Problems that stop the campaign (unknown variable without fallback, too long).
        public var errors: [TemplateError]
        /// Things staff should know but that do not stop sending.
        public var warnings: [String]
    }

    /// Checks every variant: each variable must be a column or built in, unless it has a fallback;
    /// the longest text any contact can get must fit WhatsApp's limit.
    /// - Parameter longestValues: the longest value of each column, to bound the length.
    public func check(_ template: MessageTemplate, hasMedia: Bool, longestValues: [String: Int] = [:]) -> Check {
        var check = Check(errors: [], warnings: [])
        let lowered = Dictionary(longestValues.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: max)
        for (index, variant) in template.variants.enumerated() {
            inspect(variant, template: template, check: &check)
            let bound = maximumLength(variant, longestValues: lowered) + footerLength(for: template)
            let limit = hasMedia ? configuration.maxCaptionLength : configuration.maxTextLength
            if bound > limit {
                let label = template.variants.count > 1 ? "variant \(MessageTemplate.variantName(index)) " : ""
                check.errors.append(TemplateError(
                    .tooLong, file: template.file,
                    message: "\(label)can be up to \(bound) characters with the opt-out line, \(bound - limit) over WhatsApp's \(limit)-character \(hasMedia ? "caption" : "text") limit; shorten it"
                ))
            }
        }
        return check
    }

    private func inspect(_ nodes: [TemplateNode], template: MessageTemplate, check: inout Check) {
        for node in nodes {
            guard case .group(let options, let position) = node else { continue }
            switch classify(options) {
            case .variable(let name, let fallback):
                if !isKnown(name) {
                    if fallback == nil {
                        check.errors.append(TemplateError(
                            .unknownVariable, file: template.file, line: position.line, column: position.column,
                            message: "{\(name)} is not a column of the contact list and has no fallback; add the column, or write {\(name)|…} with a fallback"
                                + (columns.isEmpty ? " (the list has no columns besides the phone number)" : " (columns: \(columns.sorted().joined(separator: ", ")))")
                        ))
                    } else {
                        check.warnings.append("\(template.file ?? "message"):\(position): {\(name)|…} — no contact has '\(name)', so everyone gets the fallback")
                    }
                }
                if let fallback { inspect(fallback.flatMap { $0 }, template: template, check: &check) }
            case .spin:
                for option in options { inspect(option, template: template, check: &check) }
            case .invalid(let text):
                check.errors.append(TemplateError(
                    .notAVariableName, file: template.file, line: position.line, column: position.column,
                    message: "{\(text)} is not a variable name; use letters, digits and _ (like {name}), options separated by | (like {Halo|Hai}), or write \\{ for a literal brace"
                ))
            }
        }
    }

    // MARK: - Rendering

    /// Renders the message one contact receives. Throws `.tooLong` when this contact's text does
    /// not fit, and `.notAVariableName` for a malformed group (both also found by `check`).
    public func render(_ template: MessageTemplate, for context: RenderContext, hasMedia: Bool = false) throws(TemplateError) -> RenderedMessage {
        let variantIndex = VariantAssigner.variantIndex(campaign: context.campaignId, phone: context.phone, variantCount: template.variants.count)
        var random = SpinRandom(campaign: context.campaignId, phone: context.phone, salt: String(variantIndex))
        var text = try render(template.variants[variantIndex], context: context, language: template.metadata.language, random: &random, file: template.file)
        text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let footer = footer(for: template), !text.contains(footer) {
            text += "\n\n" + footer
        }
        let length = text.utf16.count
        let limit = hasMedia ? configuration.maxCaptionLength : configuration.maxTextLength
        if length > limit {
            throw TemplateError(.tooLong, file: template.file,
                                message: "the message for \(context.phone) is \(length) characters, \(length - limit) over WhatsApp's \(limit)-character \(hasMedia ? "caption" : "text") limit")
        }
        return RenderedMessage(text: text, variantIndex: variantIndex, variantName: MessageTemplate.variantName(variantIndex))
    }

    private func render(_ nodes: [TemplateNode], context: RenderContext, language: String?, random: inout SpinRandom, file: String?) throws(TemplateError) -> String {
        var output = ""
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .group(let options, let position):
                switch classify(options) {
                case .variable(let name, let fallback):
                    if let value = value(of: name, context: context, language: language), !value.isEmpty {
                        output += value
                    } else if let fallback {
                        output += try render(pick(fallback, random: &random), context: context, language: language, random: &random, file: file)
                    } else if name == "name" || name == "nama", let defaultName = configuration.defaultName {
                        output += defaultName
                    }
                case .spin:
                    output += try render(pick(options, random: &random), context: context, language: language, random: &random, file: file)
                case .invalid(let text):
                    throw TemplateError(.notAVariableName, file: file, line: position.line, column: position.column,
                                        message: "{\(text)} is not a variable name")
                }
            }
        }
        return output
    }

    private func pick(_ options: [[TemplateNode]], random: inout SpinRandom) -> [TemplateNode] {
        options[Int(random.next() % UInt64(options.count))]
    }

    // MARK: - Variables

    private enum GroupKind {
        case variable(name: String, fallback: [[TemplateNode]]?)
        case spin
        case invalid(String)
    }

    /// The rule documented on `MessageTemplate`: the first option names a variable when it is an
    /// identifier that is built in, a column, or written in lower case.
    private func classify(_ options: [[TemplateNode]]) -> GroupKind {
        let first = TemplateNode.plainText(of: options[0])?.trimmingCharacters(in: .whitespaces)
        if let first, Self.isIdentifier(first) {
            let name = first.lowercased()
            if options.count == 1 || isKnown(name) || first == name {
                return .variable(name: name, fallback: options.count > 1 ? Array(options.dropFirst()) : nil)
            }
            return .spin
        }
        if options.count == 1 {
            return .invalid(TemplateNode.plainText(of: options[0]) ?? "…")
        }
        return .spin
    }

    private func isKnown(_ name: String) -> Bool {
        MessageTemplate.builtInVariables.contains(name) || columns.contains(name)
            || (name == "name" && columns.contains("nama")) || (name == "nama" && columns.contains("name"))
    }

    private func value(of name: String, context: RenderContext, language: String?) -> String? {
        if let value = context.variables[name], !value.isEmpty { return value }
        switch name {
        case "name": return context.variables["nama"]
        case "nama": return context.variables["name"]
        case "phone": return context.phone
        case "campaign": return context.campaignName
        case "date", "tanggal": return Self.formatDate(context.date, timeZone: context.timeZone, language: language)
        default: return nil
        }
    }

    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// `25 November 2026` (Indonesian, the default) or `November 25, 2026` (English).
    static func formatDate(_ date: Date, timeZone: TimeZone, language: String?) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == "en" ? "en_US" : "id_ID")
        formatter.timeZone = timeZone
        formatter.dateStyle = .long
        formatter.timeStyle = .none
        return formatter.string(from: date)
    }

    // MARK: - Footer and length

    private func footer(for template: MessageTemplate) -> String? {
        guard configuration.optOutFooterEnabled else { return nil }
        let text = (template.metadata.optOutFooter ?? configuration.optOutFooter).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    private func footerLength(for template: MessageTemplate) -> Int {
        footer(for: template).map { $0.utf16.count + 2 } ?? 0
    }

    /// The longest text a variant can produce, given the longest value of each column.
    private func maximumLength(_ nodes: [TemplateNode], longestValues: [String: Int]) -> Int {
        var total = 0
        for node in nodes {
            switch node {
            case .text(let text):
                total += text.utf16.count
            case .group(let options, _):
                switch classify(options) {
                case .variable(let name, let fallback):
                    let valueLength: Int
                    switch name {
                    case "phone": valueLength = 15
                    case "date", "tanggal": valueLength = 24
                    case "campaign": valueLength = 64
                    default: valueLength = longestValues[name] ?? longestValues[name == "name" ? "nama" : "name"] ?? 0
                    }
                    let fallbackLength = fallback.map { $0.map { maximumLength($0, longestValues: longestValues) }.max() ?? 0 } ?? 0
                    total += max(valueLength, fallbackLength)
                case .spin:
                    total += options.map { maximumLength($0, longestValues: longestValues) }.max() ?? 0
                case .invalid(let text):
                    total += text.utf16.count + 2
                }
            }
        }
        return total
    }
}
