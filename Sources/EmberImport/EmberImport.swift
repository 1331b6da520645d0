// EmberImport: see docs/architecture.md
