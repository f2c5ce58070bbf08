"""Hyperparameter sweeps on Optuna: search spaces read from the config schema (``space``), studies in the
project's database with their samplers and pruners (``study``), and a trial's reports from its worker
(``trial_hooks``). See docs/sweeps.md."""
