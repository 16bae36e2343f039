"""English as written in India: Indian digit grouping (1,23,456)."""

NUMBER_GROUPING = (3, 2, 0)
