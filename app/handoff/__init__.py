"""Handoff to a person: a member of staff takes over a conversation the assistant cannot help with."""
