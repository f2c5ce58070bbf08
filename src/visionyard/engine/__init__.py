"""Training engine: Lightning modules per task, trainer factory, callbacks. Knows no HTTP, no database."""
