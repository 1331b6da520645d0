// swift-tools-version:6.0
// Ember: on-device int8 inference daemon. Builds with Swift 6.0.3 (Debian trixie) and later.
import PackageDescription

// SwiftPM builds C targets at -O0 in debug; kernels are useless there, so they always get -O2.
let kernelFlags: [CSetting] = [.unsafeFlags(["-O2", "-fno-strict-aliasing", "-ffp-contract=off"])]

let package = Package(
    name: "Ember",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "emberd", targets: ["emberd"]),
        .executable(name: "ember", targets: ["ember"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C: int8 / float microkernels, scalar reference twins, CPU detection, dispatch, thread pool.
        .target(name: "CEmberKernels", cSettings: kernelFlags),
        // System libraries (pkg-config), each with static inline shims for macros.
        .systemLibrary(name: "CZeroMQ", pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // libgpiod v1 (1.6) or v2 (2.x), picked from the installed gpiod.h; one cgpiod_* API for Swift.
        .target(name: "CGPIOD", linkerSettings: [.linkedLibrary("gpiod")]),
        // The SIGBUS guard that keeps a model file truncated under its mapping from crashing the process.
        .target(name: "CEmberFormat"),

        // The .ember container: spec, validating mmap reader (guarded), writer.
        .target(name: "EmberFormat", dependencies: ["CEmberKernels", "CEmberFormat"]),
        // Importers: TFLite flatbuffers (and later HF safetensors) lowered to the Ember graph.
        .target(name: "EmberImport", dependencies: ["EmberFormat", "EmberTokenizer", "CEmberKernels"]),
        // Graph execution: plan, arena, per-request state, operators, preprocessing.
        .target(name: "EmberEngine", dependencies: ["EmberFormat", "CEmberKernels", "CPNG", "CTurboJPEG"]),
        // ZeroMQ sockets and the versioned wire protocol.
        .target(name: "EmberTransport", dependencies: ["CZeroMQ"]),
        // GPIO triggers: line lookup, edge requests, debounce/interval gate, outputs, input sources.
        .target(name: "EmberGPIO", dependencies: ["CGPIOD", "EmberTransport", "EmberTOML"]),
        // The TOML subset parser shared by emberd's configuration and the board profiles, and the
        // "did you mean" hint for misspelt keys.
        .target(name: "EmberTOML"),
        // Configuration, services, life cycle, logging, stats, GPIO triggers wired to the scheduler,
        // the governor asked before each request; encoders served with their tokenizer.
        .target(name: "EmberDaemon", dependencies: ["EmberEngine", "EmberTransport", "EmberFormat", "EmberGPIO", "EmberGovernor", "EmberTOML", "EmberTokenizer"]),
        // Board profiles (boards/*.toml, embedded), sysfs readings, the power / latency governor.
        .target(name: "EmberGovernor", dependencies: ["EmberTOML"]),
        // BERT WordPiece tokenizer, pure Swift with generated Unicode tables (no Foundation, no ICU).
        .target(name: "EmberTokenizer"),

        .executableTarget(name: "emberd", dependencies: ["EmberDaemon"]),
        .executableTarget(name: "ember", dependencies: [
            "EmberFormat", "EmberImport", "EmberEngine", "EmberTransport", "CEmberKernels", "EmberGovernor", "EmberTokenizer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Fuzz targets (libFuzzer; see docs/model-format.md, "Fuzzing"): the .ember reader, and the
        // other inputs from outside (request frames, configuration, TFLite, safetensors, text, images).
        .target(name: "EmberFuzzDriver", path: "Fuzz/EmberFuzzDriver"),
        .executableTarget(name: "EmberFormatFuzz", dependencies: ["EmberFormat", "EmberFuzzDriver"], path: "Fuzz/EmberFormatFuzz"),
        .executableTarget(name: "EmberInputFuzz",
                          dependencies: ["EmberDaemon", "EmberEngine", "EmberImport", "EmberTokenizer", "EmberTransport", "EmberFuzzDriver"],
                          path: "Fuzz/EmberInputFuzz"),

        // Shared by the test targets: the seeded generator every random test uses.
        .target(name: "EmberTestSupport", path: "Tests/EmberTestSupport"),
        .testTarget(name: "EmberKernelsTests", dependencies: ["EmberTestSupport", "CEmberKernels"]),
        .testTarget(name: "EmberFormatTests", dependencies: ["EmberTestSupport", "EmberFormat"]),
        .testTarget(name: "EmberImportTests", dependencies: ["EmberTestSupport", "EmberImport", "EmberFormat", "EmberEngine"],
                    resources: [.copy("Resources")]),
        .testTarget(name: "EmberEngineTests", dependencies: ["EmberTestSupport", "EmberEngine", "EmberImport", "EmberFormat"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "EmberGPIOTests", dependencies: ["EmberTestSupport", "EmberGPIO", "EmberTransport", "EmberTOML"]),
        .testTarget(name: "EmberDaemonTests", dependencies: ["EmberTestSupport", "EmberDaemon", "EmberTransport", "EmberGovernor"]),
        .testTarget(name: "EmberGovernorTests", dependencies: ["EmberTestSupport", "EmberGovernor", "EmberTOML"]),
        .testTarget(name: "EmberTokenizerTests", dependencies: ["EmberTestSupport", "EmberTokenizer"]),
    ],
    swiftLanguageModes: [.v6]
)
