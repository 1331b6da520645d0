// emberd's life cycle: configuration → models loaded and warmed → sockets bound → workers started
// → READY=1 → serve → (SIGTERM/SIGINT) drain → STOPPING=1 → exit 0.
import EmberTransport

public enum Daemon {
    public static let version = "0.1.0"

    /// Runs emberd with the arguments after the program name; returns the exit status.
    /// `loaders` makes the model loaders beyond the builtin ones (the engine's `.ember` loader)
    /// once the configuration is known (it says how many workers share each model), with the
    /// logger they report to.
    public static func main(arguments: [String], loaders: (DaemonConfiguration, Logger) -> [any ModelLoader]) -> Int32 {
        let (commandLine, argumentErrors) = DaemonCommandLine.parse(arguments)
        if commandLine.help { print(ConfigurationLoader.helpText()); return 0 }
        if commandLine.version { let zmq = ZMQContext.version
            print("emberd \(version) (wire protocol v\(WireProtocol.version), libzmq \(zmq.major).\(zmq.minor).\(zmq.patch))"); return 0 }

        // 1. Configuration.
        var fileText: String?
        var source = commandLine.configPath ?? DaemonCommandLine.defaultConfigPath
        var errors = argumentErrors
        if let path = commandLine.configPath ?? (fileExists(DaemonCommandLine.defaultConfigPath) ? DaemonCommandLine.defaultConfigPath : nil) {
            do { fileText = try readTextFile(path) } catch {
                errors.append(ConfigError(source: path, line: 0, "cannot read the configuration: \(error)"))
            }
        } else {
            source = "defaults"
        }
        let (config, configErrors) = ConfigurationLoader.build(fileText: fileText, source: source, commandLine: commandLine)
        errors += configErrors
        let logger = Logger(level: config.logLevel)
        let catalog = ModelCatalog(loaders: loaders(config, logger))

        if commandLine.checkConfig {
            return checkConfiguration(config, errors: errors, source: source, catalog: catalog)
        }
        guard errors.isEmpty else {
            for error in errors { logger.error("\(error)") }
            logger.error("configuration has \(errors.count) error(s); emberd --check-config explains them")
            return 1
        }
        guard !config.models.isEmpty else {
            logger.error("no models configured: add [[model]] tables to \(source) or use --model NAME=PATH")
            return 1
        }

        // Before any thread starts, so that only the signal thread ever receives these.
        SignalHandling.blockHandledSignals()
        let notifier = SystemdNotifier()
        logger.info("emberd \(version) starting: \(config.models.count) model(s), \(config.workers) worker(s)")

        // 2. Models.
        var loadedModels: [(ModelConfiguration, LoadedModel)] = []
        for model in config.models {
            notifier.notify("STATUS=loading \(model.name)")
            do {
                let loaded = try catalog.load(model, warmUpRuns: model.warmupRuns ?? config.warmupRuns)
                logger.info("model \"\(model.name)\" loaded from \(model.path): \(loaded.model.kind.rawValue), \(formatTenths(loaded.loadMilliseconds)) ms with warm-up")
                loadedModels.append((model, loaded))
            } catch {
                logger.error("\(error.message)")
                return 1
            }
        }

        // 3. Governor, then sockets.
        let scheduler = Scheduler(models: loadedModels, defaultQueueDepth: config.queueDepth, workers: config.workers)
        if config.governor.enabled {
            do { scheduler.governor = try GovernorService(config: config, loaded: loadedModels, logger: logger) } catch {
                logger.error("\(error.message)")
                return 1
            }
        }
        let context: ZMQContext
        let mailbox: Mailbox
        do {
            context = try ZMQContext()
            mailbox = try Mailbox()
        } catch {
            logger.error("\(error)")
            return 1
        }
        let reloader = Reloader(scheduler: scheduler, catalog: catalog, mailbox: mailbox, logger: logger, defaultWarmUpRuns: config.warmupRuns)
        let server = Server(config: config, logger: logger, scheduler: scheduler, mailbox: mailbox, notifier: notifier, reloader: reloader)
        do {
            try server.bind(context: context)
        } catch {
            logger.error("cannot bind: \(error.message)")
            return 1
        }

        // 4. Workers and signals.
        do {
            for index in 0..<config.workers {
                let worker = InferenceWorker(scheduler: scheduler, mailbox: mailbox, logger: logger, batchTokens: config.batchTokens)
                try OSThread(name: "ember-worker-\(index)") { worker.run() }.detach()
            }
            try SignalHandling.startWaiting { signal in mailbox.post(.signal(signal)) }.detach()
            if let governor = scheduler.governor {
                try governor.start { event in mailbox.post(.publish(event)) }
                server.components.append(governor)
            }
        } catch {
            logger.error("\(error)")
            return 1
        }

        // 5. GPIO triggers, once models are warm; one that cannot open its line is reported, not fatal.
        if !config.gpio.triggers.isEmpty {
            let triggers = TriggerSupervisor(config: config.gpio, scheduler: scheduler, mailbox: mailbox, logger: logger,
                                             publishing: !config.pubEndpoint.isEmpty)
            triggers.start()
            server.components.append(triggers)
        }

        // 6. Ready.
        notifier.notify("READY=1\nSTATUS=serving \(scheduler.names.joined(separator: ", "))\nMAINPID=\(processID())")
        server.publish(Event(topic: "ember.ready", fields: [("models", .array(scheduler.names.map { .string($0) }))]))
        logger.notice("ready: serving \(scheduler.names.joined(separator: ", "))")

        server.run()

        // Workers finish the job they hold (already bounded by the drain) and exit.
        let workersDone = scheduler.waitForWorkers(config.workers, until: monotonicNanoseconds() + 1_000_000_000)
        if workersDone {
            // Flushes replies still in the sockets' queues (ROUTER linger is 1 s).
            context.terminate()
        }
        logger.notice("stopped")
        return 0
    }

    /// `--check-config`: every configuration error, then each model opened and validated.
    static func checkConfiguration(_ config: DaemonConfiguration, errors: [ConfigError], source: String, catalog: ModelCatalog) -> Int32 {
        var problems = errors.map(\.description)
        if config.models.isEmpty {
            problems.append("\(source): no models configured: add [[model]] tables or use --model NAME=PATH")
        }
        // Models whose own keys were fine are opened even when other keys were not.
        var loadedModels: [String: LoadedModel] = [:]
        for model in config.models where !model.name.isEmpty && !model.path.isEmpty {
            do {
                let loaded = try catalog.load(model, warmUpRuns: 0)
                loadedModels[model.name] = loaded
                print("model \"\(model.name)\": ok (\(loaded.model.kind.rawValue), \(model.path))")
            } catch {
                problems.append(model.line > 0 ? "\(source):\(model.line): \(error.message)" : error.message)
            }
        }
        problems += TriggerModelCheck.problems(config, models: loadedModels, source: source)
        if !config.tcpEndpoint.isEmpty && !config.curveSecretKeyFile.isEmpty {
            do { _ = try Server.readSecretKey(config.curveSecretKeyFile) } catch { problems.append("\(error)") }
        }
        if problems.isEmpty {
            print("\(source): ok (\(config.models.count) model(s))")
            return 0
        }
        for problem in problems { print(problem) }
        print("\(problems.count) error(s)")
        return 1
    }
}
