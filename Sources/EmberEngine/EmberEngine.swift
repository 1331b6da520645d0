// EmberEngine: see docs/architecture.md
