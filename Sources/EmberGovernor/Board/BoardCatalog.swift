// The board profiles built into the binary (generated from boards/ by tools/gen-board-profiles.sh).
import EmberTOML

public enum BoardCatalog {
    /// Every embedded profile, decoded once. A bad embedded file is a build defect, caught by
    /// EmberGovernorTests; at run time it is skipped and reported by `problems`.
    public static let profiles: [BoardProfile] = decoded.profiles
    /// Errors from embedded files that failed to decode (empty in a correct build).
    public static let problems: [ConfigError] = decoded.problems

    private static let decoded: (profiles: [BoardProfile], problems: [ConfigError]) = {
        var profiles: [BoardProfile] = []
        var problems: [ConfigError] = []
        for file in EmbeddedBoardFiles.all {
            do throws(ConfigError) {
                profiles.append(try BoardProfileDecoder.decode(text: file.text, file: "boards/" + file.name))
            } catch {
                problems.append(error)
            }
        }
        return (profiles, problems)
    }()

    public static func profile(id: String) -> BoardProfile? { profiles.first { $0.id == id } }

    /// The fallback for a machine of this architecture ("aarch64" or "x86_64").
    public static func fallback(architecture: String) -> BoardProfile? {
        profiles.first { $0.architecture == architecture && $0.modelPrefixes.isEmpty }
    }

    static var embeddedFiles: [(name: String, text: String)] { EmbeddedBoardFiles.all }
}
