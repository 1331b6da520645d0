// Remembers which files were missing, empty or unparsable, so each problem is reported once (not
// every tick), and reported again only after the file recovered and broke anew.

public struct SysfsProblem: Sendable, Equatable {
    public var path: String
    /// "missing", "empty", "garbage" or "unreadable".
    public var kind: String
    public var detail: String
}

struct SysfsProblemLog: Sendable {
    private var open: [String: String] = [:]  // path -> kind currently reported

    /// Returns the problem when it is new (so the caller reports it), nil when already reported.
    mutating func note(_ problem: SysfsProblem) -> SysfsProblem? {
        if open[problem.path] == problem.kind { return nil }
        open[problem.path] = problem.kind
        return problem
    }

    /// The file read fine: returns the path when it had been reported broken.
    mutating func recovered(_ path: String) -> String? {
        open.removeValue(forKey: path) == nil ? nil : path
    }

    var openProblems: [String: String] { open }
}
