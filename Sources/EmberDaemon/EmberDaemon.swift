// EmberDaemon: see docs/architecture.md
