"""The outbox: where messages go when no provider is configured for a channel.

Each message is one JSON file named after its delivery, written atomically
into the outbox folder. Nothing reaches a phone or an inbox; the gateway says
so loudly at start-up.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from gateway.channels.base import Sent, TemporaryFailure

logger = logging.getLogger(__name__)


class OutboxChannel:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def send(self, delivery_id: int, message: dict[str, Any]) -> Sent:
        """Write the message as ``<delivery_id>.json``; rewriting it is harmless."""
        target = self.folder / f"{delivery_id}.json"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".out.")
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(message, stream, ensure_ascii=False)
            os.replace(temporary, target)
        except OSError as exc:
            raise TemporaryFailure(
                f"the outbox {self.folder} cannot be written: {exc.strerror}",
                code="outbox-unwritable",
            ) from exc
        return Sent(provider_reference=f"outbox:{target.name}")
