"""What an alert will send, before it is sent: per language the SMS with its
encoding and segments, the push notification and the email, and how many
subscribers of each channel its areas reach today.

The SMS and the email end in a sample of the way out each recipient gets, the
SMS footer as long as any may be, so staff see the real length and segments;
the sample link is of no subscriber.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.cap import Alert
from gateway.channels.sms_text import SmsText
from gateway.channels.webpush import fit_payload
from gateway.dispatch.messages import render_message, sms_text
from gateway.dispatch.way_out import WayOut
from gateway.residents.models import Subscriber
from gateway.residents.targeting import target_alert

LOOKUP_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class LanguagePreview:
    language: str
    sms: SmsText
    push: dict[str, Any]
    email_subject: str
    email_text: str


@dataclass(frozen=True, slots=True)
class Preview:
    languages: tuple[LanguagePreview, ...]
    reach: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.reach.values())


def preview_alert(
    session: Session,
    alert: Alert,
    cap_bytes: bytes,
    default_language: str,
    way_out: WayOut,
) -> Preview:
    """The messages of every info block, ending in a sample of ``way_out``,
    and the subscribers reached."""
    links = way_out
    languages = []
    for index, info in enumerate(alert.infos):
        email = render_message("email", alert, index, cap_bytes)
        closing = links.sample_email_line(info.effective_language)
        footer = links.longest_sms_footer(info.effective_language)
        languages.append(
            LanguagePreview(
                language=info.effective_language,
                sms=sms_text(alert, index, footer),
                push=fit_payload(render_message("webpush", alert, index, cap_bytes)),
                email_subject=email["subject"],
                email_text=f"{email['text']}\n\n{closing}",
            )
        )
    return Preview(tuple(languages), reach_by_channel(session, alert, default_language))


def reach_by_channel(
    session: Session, alert: Alert, default_language: str
) -> dict[str, int]:
    """How many subscribers, not opted out, the alert reaches per channel."""
    ids = target_alert(session, alert, default_language=default_language)
    found: Counter[str] = Counter()
    subscriber_ids = ids.subscriber_ids.tolist()
    for start in range(0, len(subscriber_ids), LOOKUP_CHUNK):
        rows = session.execute(
            select(Subscriber.channel, func.count())
            .where(Subscriber.id.in_(subscriber_ids[start : start + LOOKUP_CHUNK]))
            .where(Subscriber.opted_out_at.is_(None))
            .group_by(Subscriber.channel)
        )
        found.update({str(channel): int(count) for channel, count in rows})
    return dict(found)
