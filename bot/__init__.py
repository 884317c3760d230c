"""The runtime: settings, app factory, CLI, dispatcher and channel adapters."""
