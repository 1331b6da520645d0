// emberd: serves int8 models over ZeroMQ. See docs/configuration.md and docs/protocol.md.
import EmberDaemon

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// The engine's `.ember` loader joins `loaders` when EmberEngine provides a ServableModel.
exit(Daemon.main(arguments: Array(CommandLine.arguments.dropFirst()), loaders: { _ in [] }))
