// emberd: serves int8 models over ZeroMQ. See docs/configuration.md and docs/protocol.md.
import EmberDaemon

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// .ember models are served by EmberEngine, one engine per inference worker.
exit(Daemon.main(arguments: Array(CommandLine.arguments.dropFirst()), loaders: { config, logger in
    [EngineModelLoader(instances: config.workers, threadsPerInstance: config.threadsPerInference,
                       report: { logger.warning("pin_threads: \($0)") })]
}))
