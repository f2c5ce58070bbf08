"""Built-in plugins. They are ordinary plugins: found through the ``visionyard.models`` entry points."""
