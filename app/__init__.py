"""The FastAPI application that wires the assistant together (imported by nothing)."""
