import Foundation
import Testing
@testable import Templates

@Suite("Template errors")
struct TemplateErrorTests {
    func parseError(_ text: String) -> TemplateError? {
        do {
            _ = try MessageTemplate(text: text, file: "message.txt")
            return nil
        } catch {
            return error
        }
    }

    @Test("an unclosed brace names its line and column")
    func unclosed() throws {
        let error = try #require(parseError("Halo!\nPromo {Kak|Sobat hari ini"))
        #expect(error.code == .unclosedBrace)
        #expect(error.line == 2 && error.column == 7)
        #expect(error.description.hasPrefix("message.txt:2:7: "))
    }

    @Test("a stray closing brace is refused with a hint")
    func strayClose() throws {
        let error = try #require(parseError("Diskon 50%} hari ini"))
        #expect(error.code == .unexpectedClosingBrace)
        #expect(error.line == 1 && error.column == 11)
        #expect(error.message.contains("\\}"))
    }

    @Test("empty braces are refused")
    func empty() throws {
        #expect(try #require(parseError("Halo {} !")).code == .emptyGroup)
    }

    @Test("line numbers count front matter and earlier variants")
    func linesAcrossVariants() throws {
        let error = try #require(parseError("---\nname: x\n---\nVarian A\n---\n\nVarian {B"))
        #expect(error.line == 7 && error.column == 8)
    }

    @Test("a variable no contact has, without fallback, stops the campaign before sending")
    func unknownVariable() throws {
        let template = try MessageTemplate(text: "Halo {name}!\nKota: {city}", file: "message.txt")
        let check = MessageRenderer(columns: ["name"]).check(template, hasMedia: false)
        #expect(check.errors.count == 1)
        let error = try #require(check.errors.first)
        #expect(error.code == .unknownVariable)
        #expect(error.line == 2 && error.column == 7)
        #expect(error.message.contains("{city}"))
    }

    @Test("a variable with a fallback that no contact has is only a warning")
    func fallbackWarning() throws {
        let template = try MessageTemplate(text: "Halo {sapaan|Kak}!")
        let check = MessageRenderer(columns: ["name"]).check(template, hasMedia: false)
        #expect(check.errors.isEmpty)
        #expect(check.warnings.count == 1)
    }

    @Test("a group that is neither a variable nor options is refused")
    func notAName() throws {
        let template = try MessageTemplate(text: "Diskon {50%}!")
        let check = MessageRenderer().check(template, hasMedia: false)
        #expect(check.errors.first?.code == .notAVariableName)
    }

    @Test("length limits: which limit and by how much", arguments: [false, true])
    func tooLong(hasMedia: Bool) throws {
        let configuration = MessageConfiguration(optOutFooterEnabled: false)
        let limit = hasMedia ? configuration.maxCaptionLength : configuration.maxTextLength
        let template = try MessageTemplate(text: String(repeating: "a", count: limit + 10))
        let renderer = MessageRenderer(configuration: configuration)
        let check = renderer.check(template, hasMedia: hasMedia)
        #expect(check.errors.first?.code == .tooLong)
        #expect(check.errors.first?.message.contains("10 over WhatsApp's \(limit)-character \(hasMedia ? "caption" : "text") limit") == true)
        #expect(throws: TemplateError.self) {
            try renderer.render(template, for: RenderContext(phone: "6281234567890", campaignId: "c"), hasMedia: hasMedia)
        }
    }

    @Test("the bound accounts for the longest column value and the footer")
    func boundWithValues() throws {
        let template = try MessageTemplate(text: String(repeating: "x", count: 1000) + " {name}")
        let check = MessageRenderer(columns: ["name"]).check(template, hasMedia: true, longestValues: ["name": 30])
        #expect(check.errors.first?.code == .tooLong)
        #expect(MessageRenderer(configuration: .init(optOutFooterEnabled: false), columns: ["name"])
            .check(template, hasMedia: true, longestValues: ["name": 10]).errors.isEmpty)
    }

    @Test("UTF-16 files are refused with advice")
    func utf16() throws {
        var data = Data([0xFF, 0xFE])
        data.append("Halo".data(using: .utf16LittleEndian)!)
        #expect(throws: TemplateError(.notUTF8, file: "m.txt", message: "the file is saved as UTF-16 (\"Unicode\"); save it as UTF-8 (in Notepad: Save As → Encoding: UTF-8)")) {
            try MessageTemplate(data: data, file: "m.txt")
        }
    }

    @Test("Windows-1252 bytes are refused with the place of the first bad byte")
    func latin1() throws {
        let data = Data("Halo\nCaf".utf8) + Data([0xE9]) + Data(" ok".utf8)
        do {
            _ = try MessageTemplate(data: data, file: "m.txt")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .notUTF8)
            #expect(error.line == 2 && error.column == 4)
            #expect(error.message.contains("0xE9"))
        }
    }

    @Test("unknown front matter keys are refused with their line")
    func unknownFrontMatter() throws {
        let error = try #require(parseError("---\nname: a\nbahasa: id\n---\nHalo"))
        #expect(error.code == .invalidFrontMatter)
        #expect(error.line == 3)
    }
}
