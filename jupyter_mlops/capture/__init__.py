"""Pure functions that observe a notebook's world: datasets, files, figures, the environment
and secrets to redact. No IPython, no store, no I/O beyond reading what they describe."""
