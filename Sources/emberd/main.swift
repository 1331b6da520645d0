// emberd: serves int8 models over ZeroMQ. See docs/configuration.md and docs/protocol.md.
import EmberDaemon

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

exit(Daemon.main(arguments: Array(CommandLine.arguments.dropFirst()), loaders: { configuration in
    [EngineModelLoader(threadsPerInference: configuration.threadsPerInference)]
}))
