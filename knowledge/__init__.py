"""The knowledge base. Kept import-light: the Rasa environment imports knowledge.text alone."""
