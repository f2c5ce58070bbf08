"""The command line (Typer): ``visionyard ...``."""
