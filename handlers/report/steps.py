"""The tip's steps, by the name the conversation state keeps: each one's prompt and handler."""

from __future__ import annotations

from handlers.report.base import STEPS, StepDef
from handlers.report.contact import (
    anon_prompt,
    contact_name_prompt,
    contact_phone_prompt,
    identity_prompt,
    on_anon_detail,
    on_contact_name,
    on_contact_phone,
    on_identity,
)
from handlers.report.describe import description_prompt, on_description
from handlers.report.details import detail_prompt, details_offer_prompt, on_detail, on_details_offer
from handlers.report.entry import category_prompt, consent_prompt, on_category, on_consent
from handlers.report.media import media_prompt, on_media
from handlers.report.review import edit_prompt, on_edit, on_review, review_prompt
from handlers.report.when_where import (
    on_when,
    on_when_date,
    on_where,
    when_date_prompt,
    when_prompt,
    where_prompt,
)

STEPS.update(
    {
        "consent": StepDef(consent_prompt, on_consent),
        "category": StepDef(category_prompt, on_category),
        "description": StepDef(description_prompt, on_description),
        "when": StepDef(when_prompt, on_when),
        "when_date": StepDef(when_date_prompt, on_when_date),
        "where": StepDef(where_prompt, on_where),
        "media": StepDef(media_prompt, on_media),
        "details_offer": StepDef(details_offer_prompt, on_details_offer),
        "detail": StepDef(detail_prompt, on_detail),
        "identity": StepDef(identity_prompt, on_identity),
        "anon_detail": StepDef(anon_prompt, on_anon_detail),
        "contact_name": StepDef(contact_name_prompt, on_contact_name),
        "contact_phone": StepDef(contact_phone_prompt, on_contact_phone),
        "review": StepDef(review_prompt, on_review),
        "edit": StepDef(edit_prompt, on_edit),
    }
)
