// Turns a [[model]] configuration into a loaded, warmed-up model: picks the loader, reads the
// label file, runs the warm-up inferences and times the whole load.
import EmberTransport

public struct LoadedModel: Sendable {
    public let model: any ServableModel
    /// Labels from the configured file, else from the model.
    public let labels: [String]?
    public let loadMilliseconds: Double
    /// Wall time of the last warm-up inference, to seed the deadline estimate; nil without warm-up.
    public let warmUpNanoseconds: UInt64?
}

public struct ModelCatalog: Sendable {
    public let loaders: [any ModelLoader]

    /// Builtin models always come first; the engine's loader is passed in by the executable.
    public init(loaders: [any ModelLoader]) {
        self.loaders = [BuiltinModelLoader()] + loaders
    }

    /// Loads and validates the model; runs `warmUpRuns` inferences. Errors name the model and file.
    public func load(_ config: ModelConfiguration, warmUpRuns: Int) throws(ModelLoadError) -> LoadedModel {
        let start = monotonicNanoseconds()
        guard let loader = loaders.first(where: { $0.handles(path: config.path) }) else {
            throw ModelLoadError("model \"\(config.name)\": no loader handles \"\(config.path)\" (this emberd was built without the engine?)")
        }
        let model: any ServableModel
        do {
            model = try loader.load(path: config.path)
        } catch {
            throw ModelLoadError("model \"\(config.name)\" (\(config.path)): \(error)")
        }
        var labels = model.labels
        if let labelPath = config.labels {
            labels = try Self.readLabels(labelPath, model: config.name)
        }
        if model.kind == .classifier, let labels, let classes = model.outputs.first?.shape.last, classes != labels.count {
            throw ModelLoadError("model \"\(config.name)\": \(labels.count) labels for \(classes) classes")
        }
        var warmUp: UInt64?
        if warmUpRuns > 0 {
            guard let input = model.warmUpInput() else {
                throw ModelLoadError("model \"\(config.name)\": cannot make a warm-up input (set warmup_runs = 0)")
            }
            for _ in 0..<warmUpRuns {
                let runStart = monotonicNanoseconds()
                do {
                    _ = try model.infer(input, options: InferenceOptions())
                } catch {
                    throw ModelLoadError("model \"\(config.name)\": warm-up inference failed: \(error)")
                }
                warmUp = monotonicNanoseconds() - runStart
            }
        }
        return LoadedModel(model: model, labels: labels,
                           loadMilliseconds: Double(monotonicNanoseconds() - start) / 1e6, warmUpNanoseconds: warmUp)
    }

    /// A label file: a JSON array of strings, or one label per line.
    static func readLabels(_ path: String, model: String) throws(ModelLoadError) -> [String] {
        let bytes: [UInt8]
        do { bytes = try readFile(path, limit: 16 << 20) } catch {
            throw ModelLoadError("model \"\(model)\": labels: \(error)")
        }
        if bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x09 && $0 != 0x0D }) == UInt8(ascii: "[") {
            let value: JSONValue
            do { value = try JSONParser.parse(bytes) } catch {
                throw ModelLoadError("model \"\(model)\": labels \(path): \(error)")
            }
            guard case .array(let elements) = value else { throw ModelLoadError("model \"\(model)\": labels \(path) is not an array") }
            var labels: [String] = []
            for element in elements {
                guard case .string(let label) = element else {
                    throw ModelLoadError("model \"\(model)\": labels \(path): element \(labels.count) is not a string")
                }
                labels.append(label)
            }
            return labels
        }
        // Split bytes, not Characters: "\r\n" is one Character in Swift.
        var lines: [String] = []
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let trimmed = line.last == 0x0D ? line.dropLast() : line
            guard let text = String(validating: trimmed, as: UTF8.self) else {
                throw ModelLoadError("model \"\(model)\": labels \(path) line \(lines.count + 1) is not UTF-8")
            }
            lines.append(text)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
