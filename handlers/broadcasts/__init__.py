"""Broadcasts: a neighbourhood leader's notice or the police's alert to the residents of an
area. The words (words.py), who may address which area (area.py), the port to storage
(ports.py) and the use cases: composing (compose.py), the police's decision on a leader's
notice and cancelling (decide.py), and reading one or a list (read.py)."""
