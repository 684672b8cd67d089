"""Channel adapters around one neutral message model (no Rasa imports)."""
