import Testing
@testable import EmberGovernor

/// The repository root, from this file's path.
let repositoryRoot: String = {
    var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/EmberGovernorTests/Support.swift
    return parts.joined(separator: "/")
}()

/// A fresh fake sysfs tree, removed after `body`.
func withFakeTree<T>(_ body: (FakeSysfsTree) throws -> T) throws -> T {
    let tree = try FakeSysfsTree.makeTemporary(prefix: "ember-governor-test").get()
    defer { tree.destroy() }
    return try body(tree)
}

func profile(_ id: String) -> BoardProfile {
    guard let p = BoardCatalog.profile(id: id) else {
        Issue.record("no embedded profile \(id)")
        return BoardCatalog.profiles[0]
    }
    return p
}

let t0 = ContinuousClock.now
func at(_ seconds: Double) -> ContinuousClock.Instant { t0 + .seconds(seconds) }
