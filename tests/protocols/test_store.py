"""The office's own templates: defaults until an admin saves one, then the
stored set, every save checked like a template file."""

from __future__ import annotations

import pytest
from flask import Flask

from gateway.db import transaction
from gateway.protocols.store import (
    office_template,
    office_templates,
    remove_template,
    save_template,
    template_document,
)
from gateway.protocols.templates import (
    ProtocolTemplate,
    TemplateError,
    default_templates,
)
from gateway.runtime import runtime
from tests.protocols.test_templates import minimal


def test_the_defaults_serve_until_a_template_is_saved(app: Flask) -> None:
    with transaction(runtime(app).sessions) as session:
        assert office_templates(session) == default_templates()


def test_a_saved_template_joins_the_defaults_and_keeps_their_order(
    app: Flask,
) -> None:
    with transaction(runtime(app).sessions) as session:
        save_template(session, minimal(), "user:1")

    with transaction(runtime(app).sessions) as session:
        keys = [template.key for template in office_templates(session)]
        storm = office_template(session, "storm")
    assert keys == [template.key for template in default_templates()] + ["storm"]
    assert storm is not None
    assert storm.names == {"id": "Badai", "en": "Storm"}


def test_saving_a_template_of_the_same_key_replaces_it(app: Flask) -> None:
    flood = office_template_default("flood")
    document = template_document(flood)
    document["texts"]["id-ID"]["instruction"] = "Ikuti arahan RT/RW setempat."

    with transaction(runtime(app).sessions) as session:
        save_template(session, document, "user:1")
    with transaction(runtime(app).sessions) as session:
        saved = office_template(session, "flood")
        count = len(office_templates(session))

    assert saved is not None
    assert saved.texts["id-ID"]["instruction"] == "Ikuti arahan RT/RW setempat."
    assert count == len(default_templates())


def test_a_malformed_template_is_refused_and_nothing_is_stored(app: Flask) -> None:
    with (
        pytest.raises(TemplateError, match="expiresHours"),
        transaction(runtime(app).sessions) as session,
    ):
        save_template(session, minimal(expiresHours=-1), "user:1")

    with transaction(runtime(app).sessions) as session:
        assert office_templates(session) == default_templates()


def test_a_removed_template_is_gone(app: Flask) -> None:
    with transaction(runtime(app).sessions) as session:
        save_template(session, minimal(), "user:1")
    with transaction(runtime(app).sessions) as session:
        assert remove_template(session, "storm")
        assert not remove_template(session, "storm")
    with transaction(runtime(app).sessions) as session:
        assert office_template(session, "storm") is None


def office_template_default(key: str) -> ProtocolTemplate:
    return next(template for template in default_templates() if template.key == key)
