import EmberTokenizer
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The repository root, from this file's path.
let repositoryRoot: String = {
    var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/EmberTokenizerTests/Support.swift
    return parts.joined(separator: "/")
}()

/// A whole file's bytes (the test target needs no Foundation).
func readFile(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else { throw TestFileError(path: path) }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n == 0 { break }
        bytes += buffer[0..<n]
    }
    return bytes
}

struct TestFileError: Error, CustomStringConvertible {
    let path: String
    var description: String { "cannot read \(path)" }
}

/// The all-MiniLM-L6-v2 vocabulary (testdata/minilm/vocab.txt).
let miniLMVocabulary: [String] = {
    let bytes = (try? readFile(repositoryRoot + "/testdata/minilm/vocab.txt")) ?? []
    return WordPieceTokenizer.vocabulary(fromFileContents: String(decoding: bytes, as: UTF8.self))
}()

func miniLM(maxLength: Int = 1 << 20, lowercase: Bool = true, stripAccents: Bool? = nil) throws -> WordPieceTokenizer {
    try WordPieceTokenizer(vocabulary: miniLMVocabulary, lowercase: lowercase,
                           stripAccents: stripAccents ?? lowercase, maxLength: maxLength)
}
