"""The demo's own SMTP server: reminder e-mails are delivered into a local Maildir, not the world.

``ketacare demo`` starts it when no SMTP server is configured, so the worker really sends and the
front desk sees reminders go out; each e-mail can be read under ``<data_dir>/demo-mail/new/``.
"""

from __future__ import annotations

import mailbox
import socket
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


@dataclass
class MailCatcher:
    controller: Controller
    port: int
    folder: Path

    def stop(self) -> None:
        self.controller.stop()


def start(folder: Path) -> MailCatcher:
    folder.parent.mkdir(parents=True, exist_ok=True)
    for part in ("", "tmp", "new", "cur"):  # a Maildir, also if an earlier run left the folder
        (folder / part).mkdir(exist_ok=True)
    mailbox.Maildir(folder)  # checks the layout
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(Mailbox(folder), hostname="127.0.0.1", port=port)
    controller.start()
    return MailCatcher(controller, port, folder)


def smtp_configured(host: str, port: int) -> bool:
    """Anything but the defaults (localhost:25) is an operator's choice the demo leaves alone."""
    return (host, port) != ("localhost", 25)
