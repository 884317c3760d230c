"""Fakes of the outside world (chat platforms) for the test suite."""
