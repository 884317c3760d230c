"""The police side of a tip: the rules of casework, kept apart from how tips are stored."""
