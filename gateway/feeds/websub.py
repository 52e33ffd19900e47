"""WebSub publishing: tell the configured hub that the feeds changed.

Speaks the WebSub publish ping that hubs accept (a form POST of
``hub.mode=publish`` and ``hub.url``); setting ``KENTONGAN_WEBSUB_HUB_URL``.
A failed ping is logged and not retried: subscribers still poll.
"""

from __future__ import annotations

import logging

import requests

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5


def ping_hub(hub_url: str, feed_urls: list[str]) -> bool:
    """Ping the hub once per feed URL; True when the hub took every ping."""
    all_taken = True
    for feed_url in feed_urls:
        try:
            response = requests.post(
                hub_url,
                data={"hub.mode": "publish", "hub.url": feed_url},
                timeout=TIMEOUT_SECONDS,
            )
            taken = response.status_code < 300
        except requests.RequestException as exc:
            logger.warning("websub ping failed feed=%s error=%s", feed_url, exc)
            taken = False
        else:
            if not taken:
                logger.warning(
                    "websub ping refused feed=%s status=%s",
                    feed_url,
                    response.status_code,
                )
        all_taken = all_taken and taken
    return all_taken
