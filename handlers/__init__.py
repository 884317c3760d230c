"""Conversation flows and use cases, free of channels, web frameworks and SQL."""
