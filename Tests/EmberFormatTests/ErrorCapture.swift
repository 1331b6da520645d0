@testable import EmberFormat

/// The `FormatError` thrown by `body`, or nil if it succeeded or threw something else.
/// (Swift Testing 6.0's `#expect(throws:)` does not return the error; 6.1's does.)
func formatError(_ body: () throws -> Void) -> FormatError? {
    do {
        try body()
        return nil
    } catch let error as FormatError {
        return error
    } catch {
        return nil
    }
}

/// The error reading `bytes` gives (nil if the file is valid).
func readError(_ bytes: [UInt8], verifyChecksum: Bool = true) -> FormatError? {
    formatError { _ = try EmberModel(bytes: bytes, verifyChecksum: verifyChecksum) }
}
