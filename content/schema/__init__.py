"""The schema of every content pack in content/packs/, as pydantic models.

`base` holds what all packs share (the error that names file, item and field; bilingual text;
the reading of a file), `awareness` the topic files, `scam` banks.yaml, link_lists.yaml and
scam_rules.yaml, `words` keywords.yaml, emergency_words.yaml and tip_categories.yaml,
`holidays` holidays.yaml. The modules that use a pack (content/awareness.py,
content/scamcheck/, content/tips.py, content/keywords.py, content/holidays.py) read it
through these models and nothing else.
"""
