"""Files of record: atomic writes and the layout of a run's folder. Never imports torch."""
