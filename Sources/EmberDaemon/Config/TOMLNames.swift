// The configuration parser lives in EmberTOML (shared with the board profiles); these names keep
// it usable in every file of the daemon without importing it each time.
import EmberTOML

public typealias TOMLValue = EmberTOML.TOMLValue
public typealias TOMLEntry = EmberTOML.TOMLEntry
public typealias TOMLTable = EmberTOML.TOMLTable
public typealias TOMLDocument = EmberTOML.TOMLDocument
public typealias TOMLParser = EmberTOML.TOMLParser
public typealias ConfigError = EmberTOML.ConfigError
