import ArgumentParser
import EmberTransport

/// Options shared by the commands that talk to a running emberd.
struct DaemonOptions: ParsableArguments {
    @Option(help: "emberd's request endpoint.")
    var endpoint = "ipc:///run/ember/emberd.sock"

    @Option(help: "Seconds to wait for a reply.")
    var timeout: Double = 10

    @Option(name: .customLong("deadline-ms"), help: "Ask emberd not to run a request it cannot finish within this many ms.")
    var deadlineMilliseconds: Int64?

    /// Connects, or exits with status 1 and a message naming the endpoint.
    func connect(_ command: String) throws -> DaemonClient {
        do {
            return try DaemonClient(endpoint: endpoint, timeoutMilliseconds: Int32(max(0.001, min(timeout, 3600)) * 1000))
        } catch {
            printError("ember \(command): cannot connect to \(endpoint): \(error)")
            throw ExitCode(1)
        }
    }

    /// Runs one request; failures print one line on stderr and exit 1.
    func call(_ client: DaemonClient, _ operation: RequestOperation, _ command: String) throws -> Reply {
        do {
            return try client.call(operation)
        } catch {
            printError("ember \(command): \(error)")
            throw ExitCode(1)
        }
    }
}
