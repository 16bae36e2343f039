"""Domain-free helpers. Nothing here imports a HIMS app."""
