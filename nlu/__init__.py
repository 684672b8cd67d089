"""Custom Rasa NLU components for Vietnamese (loaded by the Rasa server, Python 3.10)."""
