"""Demo and synthetic data for the catalogue, reached only from the CLI (`seed-demo`, `load-synthetic`) and
tests: nothing on the serving path imports this package."""
