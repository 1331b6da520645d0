import ArgumentParser

/// `ember`: the command-line tool. Each subcommand lives in its own file in this folder
/// (`InfoCommand.swift`, ...); add new ones to `subcommands` below.
@main
struct EmberCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ember",
        abstract: "Ember: on-device int8 inference. Convert, inspect and run .ember models.",
        subcommands: [
            InfoCommand.self,
            ConvertCommand.self,
            InferCommand.self,
            EmbedCommand.self,
            RunCommand.self,
            BenchCommand.self,
            TriggerBenchCommand.self,
            CPUCommand.self,
            BoardCommand.self,
        ]
    )
}
