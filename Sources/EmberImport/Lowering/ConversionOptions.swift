#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import EmberFormat

/// What `ember convert` stores besides the graph: a name, labels and image preprocessing, from
/// command-line options or small sidecar files (see docs/converting.md).
public struct ConversionOptions: Sendable {
    public var name: String
    public var producer: String
    public var labels: [String]
    public var preprocessing: PreprocessingSpec?

    public init(name: String, producer: String, labels: [String] = [], preprocessing: PreprocessingSpec? = nil) {
        self.name = name
        self.producer = producer
        self.labels = labels
        self.preprocessing = preprocessing
    }

    /// Labels from a JSON array of strings, or from text with one label per line (blank lines
    /// at the end ignored).
    public static func parseLabels(_ bytes: [UInt8], source: String) throws -> [String] {
        let text = String(decoding: bytes, as: UTF8.self)
        if text.drop(while: \.isWhitespace).first == "[" {
            do {
                return try JSONDecoder().decode([String].self, from: Data(bytes))
            } catch {
                throw ConversionError.model("\(source): not a JSON array of strings (\(error))")
            }
        }
        // \r\n is one Character in Swift, and a newline like \n.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else { throw ConversionError.model("\(source): no labels") }
        return lines
    }
}

/// Image preprocessing as stored in a .ember file: resize the shorter side, centre-crop, then
/// per channel (pixel * scale - mean) / std. Crop and resize default from the model's input
/// ([1, H, W, 3]: crop H x W, resize round(H * 256 / 224)).
public struct PreprocessingSpec: Sendable, Equatable, Decodable {
    public var colorOrder: String?
    public var resizeShorterSide: Int?
    public var cropHeight: Int?
    public var cropWidth: Int?
    public var scale: Float
    public var mean: [Float]
    public var std: [Float]

    enum CodingKeys: String, CodingKey {
        case colorOrder = "color_order", resizeShorterSide = "resize_shorter_side"
        case cropHeight = "crop_height", cropWidth = "crop_width", scale, mean, std
    }

    public init(colorOrder: String? = nil, resizeShorterSide: Int? = nil, cropHeight: Int? = nil,
                cropWidth: Int? = nil, scale: Float, mean: [Float], std: [Float]) {
        self.colorOrder = colorOrder
        self.resizeShorterSide = resizeShorterSide
        self.cropHeight = cropHeight
        self.cropWidth = cropWidth
        self.scale = scale
        self.mean = mean
        self.std = std
    }

    /// torchvision's ImageNet normalization: pixels / 255, mean (0.485, 0.456, 0.406), std
    /// (0.229, 0.224, 0.225). The bundled MobileNetV2 uses it.
    public static let imagenet = PreprocessingSpec(scale: 1.0 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
    /// Keras MobileNet's [-1, 1]: pixels / 127.5 - 1.
    public static let mobilenet = PreprocessingSpec(scale: 1.0 / 127.5, mean: [1, 1, 1], std: [1, 1, 1])

    /// A preset name (`imagenet`, `mobilenet`) or the bytes of a JSON file.
    public static func parse(_ argument: String, fileBytes: () throws -> [UInt8]) throws -> PreprocessingSpec {
        switch argument {
        case "imagenet": return .imagenet
        case "mobilenet": return .mobilenet
        default:
            do {
                return try JSONDecoder().decode(PreprocessingSpec.self, from: Data(try fileBytes()))
            } catch let error as ConversionError {
                throw error
            } catch {
                throw ConversionError.model("\(argument): not a preprocessing JSON file (\(error))")
            }
        }
    }

    /// The metadata record for a model whose input has `shape`.
    func resolved(inputShape shape: [Int]) throws -> Preprocessing {
        guard shape.count == 4, shape[0] == 1, shape[3] == 3 else {
            throw ConversionError.model("image preprocessing needs an input of shape [1, H, W, 3], the model's is \(shape)")
        }
        let order: ColorOrder
        switch colorOrder?.uppercased() ?? "RGB" {
        case "RGB": order = .rgb
        case "BGR": order = .bgr
        default: throw ConversionError.model("color_order \(colorOrder ?? "") must be RGB or BGR")
        }
        let cropHeight = self.cropHeight ?? shape[1], cropWidth = self.cropWidth ?? shape[2]
        guard cropHeight == shape[1], cropWidth == shape[2] else {
            throw ConversionError.model("crop \(cropHeight)x\(cropWidth) differs from the model's input \(shape[1])x\(shape[2])")
        }
        let resize = resizeShorterSide ?? (2 * max(cropHeight, cropWidth) * 256 + 224) / (2 * 224)
        guard resize >= max(cropHeight, cropWidth), resize <= 65_535 else {
            throw ConversionError.model("resize_shorter_side \(resize) must be at least the crop (\(max(cropHeight, cropWidth)))")
        }
        guard mean.count == 3, std.count == 3, scale.isFinite, scale != 0,
              mean.allSatisfy(\.isFinite), std.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw ConversionError.model("preprocessing needs a finite non-zero scale, 3 finite means and 3 finite non-zero stds")
        }
        return Preprocessing(colorOrder: order, resizeShorterSide: resize, cropHeight: cropHeight,
                             cropWidth: cropWidth, scale: scale, mean: mean, std: std)
    }
}

/// The whole conversion: TFLite bytes in, a writer holding the .ember model out (its
/// `serialize()` / `write(to:)` validate the result with the reader's full checks).
public enum TFLiteConverter {
    public static func convert(_ tflite: [UInt8], options: ConversionOptions,
                               kernels: any KernelInterface = CKernelInterface()) throws -> ModelWriter {
        let model = try TFLiteReader.read(tflite)
        var metadata = Metadata(name: options.name, kind: .classifier, producer: options.producer)
        metadata.labels = options.labels
        if let spec = options.preprocessing, let input = model.inputs.first {
            metadata.preprocessing = try spec.resolved(inputShape: model.tensors[Int(input)].shape.map(Int.init))
        }
        if !options.labels.isEmpty, let output = model.outputs.first {
            let classes = Int(model.tensors[Int(output)].shape.last ?? 0)
            guard options.labels.count == classes else {
                throw ConversionError.model("\(options.labels.count) labels for a model with \(classes) output classes")
            }
        }
        return try TFLiteLowering.lower(model, kernels: kernels, metadata: metadata)
    }
}
