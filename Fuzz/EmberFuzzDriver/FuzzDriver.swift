// The two ways every fuzz target runs (docs/model-format.md, "Fuzzing"): under libFuzzer's driver
// when built with -sanitize=fuzzer,address and -D EMBER_LIBFUZZER (tools/fuzz.sh), and otherwise
// as a replay tool that feeds files through the same entry point.
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if EMBER_LIBFUZZER
/// libFuzzer's C entry point for a program that has its own main(). SwiftPM renames an
/// executable's main to `TARGET_main` and links `main` to it, so libFuzzer's own main() is never
/// linked; a target's main hands control to this driver instead. (A C-ABI function with only
/// pointer and integer arguments, which Swift's calling convention passes alike.)
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// Runs libFuzzer with the process's arguments, `callback` taking each input, and exits with its status.
public func runLibFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}
#endif

/// The replay tool: each file named on the command line through `outcome`, which returns what to
/// print after the path; `usage` is printed when no file is named.
public func replayFiles(usage: String, _ outcome: ([UInt8]) -> String) throws {
    let paths = CommandLine.arguments.dropFirst()
    if paths.isEmpty {
        print(usage)
        return
    }
    for path in paths {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        print("\(path): \(outcome(bytes))")
    }
}
