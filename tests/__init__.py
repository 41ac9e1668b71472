"""searchidx test suite."""
