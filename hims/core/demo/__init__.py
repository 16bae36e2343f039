"""Demo data for `make run`: a believable Delhi network (see `network.demo_network_seed`)."""
