// What the configuration parser cannot know: whether a trigger fits its model once the model is
// loaded. Used at start (a misfit trigger does not start; the rest of the daemon serves) and by
// `emberd --check-config`.
import EmberGPIO
import EmberTransport

enum TriggerModelCheck {
    /// Why `trigger` cannot run on `model`, or nil when it can.
    static func problem(_ trigger: TriggerConfig, model loaded: LoadedModel) -> String? {
        let model = loaded.model
        let kind = InputKind(rawValue: trigger.inputType.rawValue)!
        guard model.accepts.contains(kind) else {
            return "model \"\(trigger.model)\" takes \(model.accepts.map(\.rawValue).joined(separator: " or ")) input, not \(kind.rawValue) (input_type)"
        }
        guard let action = trigger.action else { return nil }
        guard model.kind == .classifier else {
            return "action_label needs a classifier, but model \"\(trigger.model)\" is a \(model.kind.rawValue) model"
        }
        guard let labels = loaded.labels else {
            return "action_label \"\(action.label)\": model \"\(trigger.model)\" has no labels (give the model a labels file)"
        }
        guard labels.contains(action.label) else {
            let hint = ConfigurationLoader.suggestion(action.label, labels)
            return "action_label \"\(action.label)\" is not a label of model \"\(trigger.model)\"\(hint)"
        }
        return nil
    }

    /// `--check-config`: each trigger against its loaded model (lines are not opened: a running
    /// emberd may hold them).
    static func problems(_ config: DaemonConfiguration, models: [String: LoadedModel], source: String) -> [String] {
        config.gpio.triggers.compactMap { trigger in
            guard let loaded = models[trigger.model] else { return nil }
            guard let problem = problem(trigger, model: loaded) else {
                print("trigger \"\(trigger.name)\": ok (\(trigger.line.chip) line \(trigger.line.line), model \"\(trigger.model)\")")
                return nil
            }
            let line = config.gpio.lines[trigger.name] ?? 0
            return "\(source)\(line > 0 ? ":\(line)" : ""): [[trigger]] \"\(trigger.name)\": \(problem)"
        }
    }

    /// The firing's input as the model takes it, or why the bytes do not fit.
    static func input(_ bytes: [UInt8], type: TriggerInputType, model: any ServableModel) -> Result<RequestInput, WireError> {
        switch type {
        case .image:
            return .success(.image(bytes))
        case .text:
            guard let text = String(validating: bytes, as: UTF8.self) else { return .failure(WireError(.invalidInput, "the input is not UTF-8 text")) }
            return .success(.text(text))
        case .tensor:
            guard let first = model.inputs.first else { return .failure(WireError(.invalidInput, "the model declares no input tensor")) }
            let expected: Int
            do throws(WireError) { expected = try RequestDecoder.byteCount(dtype: first.dtype, shape: first.shape) } catch { return .failure(error) }
            guard bytes.count == expected else {
                return .failure(WireError(.invalidInput, "the input has \(bytes.count) bytes; a \(first.dtype.rawValue) tensor of shape \(first.shape) has \(expected)"))
            }
            return .success(.tensor(dtype: first.dtype, shape: first.shape, data: bytes))
        }
    }
}
