// The `ember` tool built next to emberd, and the bundled MobileNetV2 converted by it.
import EmberDaemon
import EmberTransport

#if canImport(Glibc)
import Glibc
#endif

/// The repository, found from this file's path.
let testRepositoryRoot = String(#filePath.split(separator: "/Tests/").first!)

/// Runs the `ember` tool built next to emberd; returns its exit status and what it printed.
func runEmber(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
    let ember = try DaemonProcess.executablePath().replacing("/emberd", with: "/ember")
    let outputPath = directory + "/ember-output.txt"
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var pid: pid_t = 0
    let cArgs = ([ember] + arguments).map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    guard posix_spawn(&pid, ember, &actions, nil, cArgs, environ) == 0 else { throw TestFailure("cannot run \(ember)") }
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return ((status >> 8) & 0xFF, (try? readTextFile(outputPath)) ?? "")
}

/// Runs `ember convert` on the bundled model into `directory`.
func convertBundledModel(into directory: String) throws -> String {
    let output = directory + "/mobilenetv2.ember"
    let (status, printed) = try runEmber(["convert", testRepositoryRoot + "/models/mobilenetv2/mobilenetv2_imagenet_int8.tflite",
                                          "-o", output, "--labels", testRepositoryRoot + "/models/mobilenetv2/labels.json",
                                          "--preprocess", "imagenet"], in: directory)
    guard status == 0, fileExists(output) else { throw TestFailure("ember convert failed (\(status)): \(printed)") }
    return output
}
