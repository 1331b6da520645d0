// EmberFormat: see docs/architecture.md
