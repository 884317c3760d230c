"""Learn: awareness topics of short cards, the tip of the day, a quiz per topic, progress.

Steps: "topics" (the list, with each topic's progress), "card" (one card of a topic), "tip"
(the tip of the day), "quiz" (a question, or its answer) and "quiz_done" (the score). Choice
ids name their target ("learn:card:<topic>:<n>", "quiz:a:<topic>:<q>:<option>"), so a tap
goes where its button said even when sent twice. The state keeps what `prompt` needs to
show a step again without the database.
"""

from __future__ import annotations

from content import awareness, keywords
from content.awareness import Card, Question, Text, Topic
from content.screen import card_buttons
from handlers import subscriptions
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.deadlines import local_date
from handlers.model import Choice, Kind, Label, Localized, Msg, Reply
from handlers.ports import TopicProgress

FLOW = "learn"
NOT_DONE = -1  # no quiz yet, in the progress kept in the state


def _l(text: Text) -> Localized:
    return Localized(text.vi, text.en)


# --- The topic list -------------------------------------------------------------------------


TOPICS_PER_PAGE = 8  # a phone screen of topic buttons; more topics go on the next page


async def begin(ctx: Ctx, page: int | None = None) -> list[Reply]:
    """The list of topics, at `page`, or at the page of the topic the chat was in."""
    if page is None:
        page = _page_of(_topic_in_state(ctx))
    progress = await ctx.uow.awareness.progress(ctx.profile.resident_id)
    ctx.state.go(FLOW, "topics", progress=_summary(progress), page=page)
    return [_topics(ctx)]


def _pages() -> int:
    return max(1, -(-len(awareness.topics()) // TOPICS_PER_PAGE))


def _page_of(topic: Topic | None) -> int:
    if topic is None or topic not in awareness.topics():
        return 0
    return awareness.topics().index(topic) // TOPICS_PER_PAGE


def _summary(progress: dict[str, TopicProgress]) -> dict[str, list[int]]:
    """Cards seen and best score per topic, as small as the state can hold them."""
    summary: dict[str, list[int]] = {}
    for topic in awareness.topics():
        found = progress.get(topic.id)
        if found is None:
            continue
        seen = len(found.cards_seen & {c.id for c in topic.cards})
        best = NOT_DONE if found.best_score is None else min(found.best_score, len(topic.quiz))
        summary[topic.id] = [seen, best]
    return summary


def _topic_label(topic: Topic, seen: int, best: int) -> Label:
    title = _l(topic.title)
    if best != NOT_DONE:
        return Msg(
            "learn.topic_quiz",
            {
                "title": title,
                "seen": seen,
                "cards": len(topic.cards),
                "best": best,
                "questions": len(topic.quiz),
            },
        )
    if seen:
        return Msg("learn.topic_cards", {"title": title, "seen": seen, "cards": len(topic.cards)})
    return title


def _topics(ctx: Ctx) -> Reply:
    raw = ctx.state.data.get("progress")
    progress = raw if isinstance(raw, dict) else {}
    page = _index(ctx.state.data.get("page"), _pages()) or 0
    shown = awareness.topics()[page * TOPICS_PER_PAGE : (page + 1) * TOPICS_PER_PAGE]
    items: list[Choice] = []
    for topic in shown:
        seen, best = progress.get(topic.id) or [0, NOT_DONE]
        items.append(Choice(f"learn:topic:{topic.id}", _topic_label(topic, seen, best)))
    if page + 1 < _pages():
        items.append(choice(f"learn:topics:{page + 1}", "learn.more_topics"))
    if page > 0:
        items.append(choice(f"learn:topics:{page - 1}", "learn.earlier_topics"))
    items += [choice("learn:tip", "learn.tip_of_day"), choice("learn:subs", "subs.open")]
    return with_nav(ask(Msg("learn.topics"), items))


# --- Cards ------------------------------------------------------------------------------------


def _card_text(topic: Topic, index: int) -> Msg:
    card = topic.cards[index]
    return Msg(
        "learn.card",
        {
            "n": index + 1,
            "total": len(topic.cards),
            **_card_parts(card),
        },
    )


def _card_parts(card: Card) -> dict[str, Localized]:
    return {
        "title": _l(card.title),
        "body": _l(card.body),
        "action": _l(card.action),
        "source": _l(card.source),
    }


def _card_reply(topic: Topic, index: int) -> Reply:
    # The buttons the screen measure counts (content/screen.py), in its order.
    target = {
        "learn.next": f"learn:card:{topic.id}:{index + 1}",
        "learn.previous": f"learn:card:{topic.id}:{index - 1}",
        "learn.take_quiz": f"learn:quiz:{topic.id}",
        "learn.back_to_topics": "learn:topics",
    }
    buttons = card_buttons(index, len(topic.cards), bool(topic.quiz))
    items: list[Choice] = [choice(target[msgid], msgid) for msgid in buttons]
    return with_nav(ask(_card_text(topic, index), items))


async def _show_card(ctx: Ctx, topic: Topic, index: int, *, intro: bool = False) -> list[Reply]:
    ctx.state.go(FLOW, "card", topic=topic.id, card=index)
    await ctx.uow.awareness.mark_seen(
        ctx.profile.resident_id, topic.id, topic.cards[index].id, ctx.config.clock()
    )
    replies = [_card_reply(topic, index)]
    if intro:
        head = Msg("learn.topic_intro", {"title": _l(topic.title), "summary": _l(topic.summary)})
        replies.insert(0, Reply(head))
    return replies


async def open_topic(ctx: Ctx, topic_id: str) -> list[Reply]:
    """A topic named in free text ("lừa đảo qua mạng"): its first card, or the topics when the
    pack no longer has it."""
    topic = awareness.topic(topic_id)
    if topic is None or not topic.cards:
        return await begin(ctx)
    return await _show_card(ctx, topic, 0, intro=True)


# --- The tip of the day -------------------------------------------------------------------


async def tip_of_the_day(ctx: Ctx) -> list[Reply]:
    """The same card for everyone on a day (Vietnam's date), cycling through every card."""
    day = local_date(ctx.config.clock())
    topic, card = awareness.tip_of_the_day(day)
    shown = day.strftime("%d/%m/%Y")
    ctx.state.go(FLOW, "tip", card=card.id, day=shown)
    await ctx.uow.awareness.mark_seen(
        ctx.profile.resident_id, topic.id, card.id, ctx.config.clock()
    )
    return [_tip_reply(topic, card, shown)]


def _tip_reply(topic: Topic, card: Card, day: str) -> Reply:
    head = Msg("learn.tip_card", {"day": day, "topic": _l(topic.title), **_card_parts(card)})
    items = [  # the topic, opened at this card
        choice(f"learn:topic:{topic.id}:{topic.cards.index(card)}", "learn.open_topic"),
        choice("learn:topics", "learn.back_to_topics"),
    ]
    return with_nav(ask(head, items))


# --- The quiz -----------------------------------------------------------------------------


async def _start_quiz(ctx: Ctx, topic: Topic) -> list[Reply]:
    ctx.state.go(FLOW, "quiz", topic=topic.id, q=0, score=0, answered=NOT_DONE)
    return [_question(topic, 0)]


def _question(topic: Topic, index: int) -> Reply:
    question = topic.quiz[index]
    text = Msg(
        "quiz.question",
        {"n": index + 1, "total": len(topic.quiz), "prompt": _l(question.prompt)},
    )
    items = [
        Choice(f"quiz:a:{topic.id}:{index}:{n}", _l(option))
        for n, option in enumerate(question.options)
    ]
    items.append(choice(f"learn:topic:{topic.id}", "quiz.leave"))
    return with_nav(ask(text, items))


def _feedback(question: Question, picked: int) -> tuple[Label, ...]:
    right = question.options[question.answer]
    verdict = (
        Msg("quiz.right") if picked == question.answer else Msg("quiz.wrong", {"answer": _l(right)})
    )
    return verdict, Msg("quiz.explanation", {"text": _l(question.explanation)})


def _after_answer(topic: Topic, index: int, picked: int) -> Reply:
    """An answered question that is not the last: its verdict and the way on."""
    items = [
        choice(f"quiz:q:{topic.id}:{index + 1}", "quiz.next"),
        choice(f"learn:topic:{topic.id}", "quiz.leave"),
    ]
    return with_nav(ask(_feedback(topic.quiz[index], picked), items))


def _score(topic: Topic, score: int, best: int) -> Reply:
    total = len(topic.quiz)
    verdict = (
        Msg("quiz.all_right")
        if score == total
        else Msg("quiz.keep_learning")
        if score * 2 < total
        else Msg("quiz.well_done")
    )
    text = (
        Msg("quiz.score", {"title": _l(topic.title), "score": score, "total": total}),
        verdict,
        Msg("quiz.best", {"best": best, "total": total}),
    )
    items = [
        choice(f"learn:quiz:{topic.id}", "quiz.again"),
        choice(f"learn:topic:{topic.id}", "quiz.review_cards"),
        choice("learn:topics", "learn.back_to_topics"),
    ]
    return with_nav(ask(text, items))


async def _answer(ctx: Ctx, topic: Topic, index: int, picked: int) -> list[Reply]:
    data = ctx.state.data
    question = topic.quiz[index]
    score = int(data.get("score", 0)) + (picked == question.answer)
    if index + 1 < len(topic.quiz):
        ctx.state.go(FLOW, "quiz", topic=topic.id, q=index, score=score, answered=picked)
        return [_after_answer(topic, index, picked)]
    saved = await ctx.uow.awareness.record_quiz(
        ctx.profile.resident_id, topic.id, score, len(topic.quiz), ctx.config.clock()
    )
    best = max(score, min(saved.best_score or 0, len(topic.quiz)))
    ctx.state.go(
        FLOW, "quiz_done", topic=topic.id, q=index, answered=picked, score=score, best=best
    )
    return [Reply(_feedback(question, picked)), _score(topic, score, best)]


# --- Showing a step again, and events ------------------------------------------------------


async def _typed(ctx: Ctx) -> list[Reply] | None:
    """The quiz or the list of topics asked for in words, from any step inside a topic."""
    meaning = keywords.learn_word(ctx.event.text)
    topic = _topic_in_state(ctx)
    if meaning == "topics":
        return await begin(ctx)
    if meaning == "quiz" and topic is not None and topic.quiz and ctx.state.step != "quiz":
        return await _start_quiz(ctx, topic)
    return None


def _topic_in_state(ctx: Ctx) -> Topic | None:
    return awareness.topic(str(ctx.state.data.get("topic", "")))


def _index(raw: object, size: int) -> int | None:
    value = int(raw) if isinstance(raw, int) or (isinstance(raw, str) and raw.isdecimal()) else -1
    return value if 0 <= value < size else None


def prompt(ctx: Ctx) -> list[Reply]:
    step, data = ctx.state.step, ctx.state.data
    topic = _topic_in_state(ctx)
    found = awareness.find_card(str(data.get("card", ""))) if step == "tip" else None
    if found is not None:
        return [_tip_reply(*found, str(data.get("day", "")))]
    if topic is not None and step == "card":
        index = _index(data.get("card"), len(topic.cards))
        if index is not None:
            return [_card_reply(topic, index)]
    if topic is not None and step in ("quiz", "quiz_done"):
        index = _index(data.get("q"), len(topic.quiz))
        answered = _index(data.get("answered"), 99)
        if index is not None and step == "quiz_done":
            score = int(data.get("score", 0))
            return [_score(topic, score, int(data.get("best", score)))]
        if index is not None and answered is None:
            return [_question(topic, index)]
        if index is not None and answered is not None:
            return [_after_answer(topic, index, answered)]
    ctx.state.go(FLOW, "topics", progress=data.get("progress") or {}, page=data.get("page", 0))
    return [_topics(ctx)]


async def on_event(ctx: Ctx) -> list[Reply]:
    if ctx.event.kind is Kind.TEXT:  # "trắc nghiệm", "các chủ đề": no button on every page
        said = await _typed(ctx)
        if said is not None:
            return said
    picked = ctx.event.choice if ctx.event.kind is Kind.CHOICE else ""
    if picked == "learn:topics":
        return await begin(ctx)
    if picked == "learn:tip":
        return await tip_of_the_day(ctx)
    if picked == "learn:subs":
        return await subscriptions.begin(ctx, back="menu:learn")
    parts = picked.split(":")
    if parts[:2] == ["learn", "topics"] and len(parts) == 3:
        page = _index(parts[2], _pages())
        if page is not None:
            return await begin(ctx, page)
    topic = awareness.topic(parts[2]) if len(parts) >= 3 else None
    if topic is None:
        return [not_understood(ctx.event.kind), *prompt(ctx)]
    head, args = ":".join(parts[:2]), parts[3:]
    if head == "learn:topic" and len(args) <= 1:
        index = _index(args[0], len(topic.cards)) if args else 0
        if index is not None:
            return await _show_card(ctx, topic, index, intro=True)
    if head == "learn:card" and len(args) == 1:
        index = _index(args[0], len(topic.cards))
        if index is not None:
            return await _show_card(ctx, topic, index)
    if head == "learn:quiz" and not args and topic.quiz:
        return await _start_quiz(ctx, topic)
    data = ctx.state.data
    in_quiz = ctx.state.step == "quiz" and data.get("topic") == topic.id
    if head == "quiz:q" and len(args) == 1 and in_quiz:
        index = _index(args[0], len(topic.quiz))
        if index is not None:
            score = int(data.get("score", 0))
            ctx.state.go(FLOW, "quiz", topic=topic.id, q=index, score=score, answered=NOT_DONE)
            return [_question(topic, index)]
    if head == "quiz:a" and len(args) == 2 and in_quiz and data.get("answered") == NOT_DONE:
        index = _index(args[0], len(topic.quiz))
        if index is not None and index == data.get("q"):
            picked_option = _index(args[1], len(topic.quiz[index].options))
            if picked_option is not None:
                return await _answer(ctx, topic, index, picked_option)
    # A choice that no longer fits (a pack changed, or the quiz moved on).
    return [say("input.stale_choice"), *prompt(ctx)]
