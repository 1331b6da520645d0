import EmberTOML
import Testing
@testable import EmberGovernor

@Suite struct BoardTOMLTests {
    static let valid = BoardCatalog.embeddedFiles.first { $0.name == "pi-4b-1500.toml" }!.text

    func decodeError(_ text: String) -> ConfigError? {
        do {
            _ = try BoardProfileDecoder.decode(text: text, file: "test.toml")
            return nil
        } catch {
            return error
        }
    }

    func lineOf(_ needle: String, in text: String) -> Int {
        (text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    @Test func parsesValuesOfEveryKind() throws {
        let doc = try BoardTOMLReader.parse("""
            a = "x \\"y\\" \\\\ z" # comment
            b = -42
            c = 1_000
            d = 0x1f
            e = 2.5
            f = true
            [t]
            g = [ "p", # comment inside
                  "q", ]
            h = []
            """, file: "t")
        #expect(doc.tables[""]?["a"]?.value == .string("x \"y\" \\ z"))
        #expect(doc.tables[""]?["b"]?.value == .integer(-42))
        #expect(doc.tables[""]?["c"]?.value == .integer(1000))
        #expect(doc.tables[""]?["d"]?.value == .integer(31))
        #expect(doc.tables[""]?["e"]?.value == .float(2.5))
        #expect(doc.tables[""]?["f"]?.value == .boolean(true))
        #expect(doc.tables["t"]?["g"]?.value == .array([.string("p"), .string("q")]))
        #expect(doc.tables["t"]?["g"]?.line == 8)
        #expect(doc.tables["t"]?["h"]?.value == .array([]))
    }

    static let syntaxErrors: [(String, Int, String)] = [
        ("a = 1\na = 2\n", 2, "set twice"),
        ("[x]\n[x]\n", 2, "defined twice"),
        ("a.b = 1\n", 1, "dotted keys"),
        ("a = {b = 1}\n", 1, "inline tables"),
        ("a = \"open\n", 1, "unterminated string"),
        ("a = 1 2\n", 1, "after the value"),
        ("a = [1, 2\n", 1, "unterminated array"),
        ("a = nope\n", 1, "is not a value"),
        ("a = 007\n", 1, "is not a value"),
        ("a = 1__0\n", 1, "is not a value"),
        ("[[x]]\n", 1, "arrays of tables"),
        ("x\n", 1, "expected '='"),
        ("a = \"\\q\"\n", 1, "unknown escape"),
        ("a = \"\"\"m\"\"\"\n", 1, "multi-line"),
    ]

    @Test(arguments: syntaxErrors)
    func syntaxErrorsNameTheLine(text: String, line: Int, message: String) {
        do {
            _ = try BoardTOMLReader.parse(text, file: "f.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
            #expect(error.description.hasPrefix("f.toml:\(line): "))
        }
    }

    static let schemaErrors: [(String, String, String, String, String)] = [
        // (replace this, with this, expected message part, line-anchor text, key the message names)
        ("cores = 4", "cores = 0", "must be 1...1024", "cores = 0", "cores"),
        ("cores = 4", "cores = \"4\"", "must be an integer", "cores = \"4\"", "cores"),
        ("idle_watts = 2.7", "idle_wats = 2.7", "unknown key 'idle_wats'", "idle_wats", "idle_wats"),
        ("idle_watts = 2.7\n", "", "missing key 'idle_watts'", "[power]", "idle_watts"),
        ("clusters = [\"0-3\"]", "clusters = [\"0-2\"]", "exactly once", "clusters", "clusters"),
        ("clusters = [\"0-3\"]", "clusters = [\"zero\"]", "not a CPU list", "clusters", "clusters"),
        ("soft_limit_c = 80.0", "soft_limit_c = 90.0", "must be below hard_limit_c", "soft_limit_c", "soft_limit_c"),
        ("min_mhz = 600", "min_mhz = 1600", "above max_mhz", "min_mhz", "min_mhz"),
        ("architecture = \"aarch64\"", "architecture = \"riscv64\"", "architecture must be", "architecture", "architecture"),
        ("[gpio]", "[gpios]", "unknown table [gpios]", "[gpios]", "gpios"),
        ("features = [\"neon\"]", "features = [\"neon\", 8]", "only strings", "features", "features"),
    ]

    /// The same error type as emberd's configuration: "file:line: message", the message naming the key.
    @Test(arguments: schemaErrors)
    func schemaErrorsNameFileLineAndKey(old: String, new: String, message: String, anchor: String, key: String) throws {
        #expect(Self.valid.contains(old))
        let text = Self.valid.replacingFirst(old, with: new)
        let error = try #require(decodeError(text), "accepted a profile with \(new)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.message.contains(key), "\(error)")
        let line = lineOf(anchor, in: text)
        #expect(error.line == line, "\(error)")
        #expect(error.source == "test.toml" && error.description.hasPrefix("test.toml:\(line): "), "\(error)")
    }
}

extension String {
    func replacingFirst(_ old: String, with new: String) -> String { replacing(old, with: new, maxReplacements: 1) }
}
