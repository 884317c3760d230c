"""The tip's words in one place (`words`): status, transitions and resolution."""
