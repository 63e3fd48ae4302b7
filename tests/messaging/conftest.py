"""Messaging tests: a real SMTP server on localhost that can be told to refuse the next sends."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from ketacare.accounts.models import User
from ketacare.config import Settings
from tests.conftest import Mailbox, make_settings
from tests.messaging.support import World


class Postbox(Mailbox):
    """Like the suite's Mailbox, plus ``refuse(n)``: the next n recipients get "451 try later"."""

    def __init__(self) -> None:
        super().__init__()
        self.to_refuse = 0
        self.refused: list[str] = []

    def refuse(self, times: int) -> None:
        self.to_refuse = times

    async def handle_RCPT(
        self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any
    ) -> str:
        if self.to_refuse > 0:
            self.to_refuse -= 1
            self.refused.append(address)
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture(scope="session")
def postbox_server() -> Iterator[tuple[Postbox, int]]:
    postbox = Postbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(postbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield postbox, port
    controller.stop()


@pytest.fixture
def postbox(postbox_server: tuple[Postbox, int]) -> Postbox:
    box = postbox_server[0]
    box.messages.clear()
    box.refused.clear()
    box.to_refuse = 0
    return box


@pytest.fixture
def settings(database_url: str, postbox_server: tuple[Postbox, int], tmp_path: Any) -> Settings:
    """The clinic runs in Europe/Berlin, reminders 48 h and 24 h ahead, three tries 10 min apart."""
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=postbox_server[1],
        clinic_timezone="Europe/Berlin",
        reminder_hours_before=[48, 24],
        message_max_attempts=3,
        message_retry_minutes=10,
        data_dir=tmp_path / "var",
    )


@pytest.fixture
def world(
    session_factory: sessionmaker[Session], settings: Settings, make_user: Callable[..., User]
) -> World:
    return World(session_factory, settings, make_user("front_desk"))
