// EmberTransport: see docs/architecture.md
