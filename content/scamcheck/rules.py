"""The known scam types whose wording a message matches."""

from __future__ import annotations

from content.scamcheck.kinds import RuleMatch
from content.scamcheck.loading import packs
from content.text import fold


def match_rules(text: str) -> tuple[RuleMatch, ...]:
    """The rules a text's wording meets, the best-matched first."""
    p = packs()
    folded = fold(text)
    matches: list[tuple[int, int, RuleMatch]] = []
    for order, rule in enumerate(p.rules):
        hits = {m.group(0) for m in rule.pattern.finditer(folded)}
        if not hits:
            continue
        weights, written = dict(rule.weights), dict(rule.written)
        score = sum(weights[h] for h in hits)
        if score < p.threshold:
            continue
        ordered = sorted(hits, key=lambda h: (-weights[h], folded.find(h)))
        match = RuleMatch(
            rule.id,
            rule.card,
            rule.category,
            rule.advice,
            score,
            tuple(written[h] for h in ordered),
        )
        matches.append((-score, order, match))
    return tuple(m for _s, _o, m in sorted(matches, key=lambda t: (t[0], t[1])))
