"""The benchmark harness: data sets, the raw floor, a load driver and the report (`make bench`)."""
