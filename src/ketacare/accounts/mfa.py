"""TOTP second factor (PyOTP): secrets encrypted at rest, codes usable once (ASVS 6.5.1)."""

from __future__ import annotations

import pyotp
import segno
from pyotp.exceptions import OTPVerificationError

from ketacare.config import Settings
from ketacare.kit.security.crypto import decrypt_field, encrypt_field

ISSUER = "ketacare"
_PURPOSE = "totp-secret"


def new_secret() -> str:
    return pyotp.random_base32()


def encrypt_secret(settings: Settings, secret: str) -> str:
    return encrypt_field(settings.secret_key.get_secret_value(), _PURPOSE, secret)


def decrypt_secret(settings: Settings, ciphertext: str) -> str:
    return decrypt_field(settings.secret_key.get_secret_value(), _PURPOSE, ciphertext)


def accepted_timecode(secret: str, code: str, last_timecode: int | None) -> int | None:
    """The time-step a code belongs to if it is valid now (±1 step) and newer than the last used."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    try:
        timecode = totp.verify_and_get_timecode(code, valid_window=1)
    except OTPVerificationError:  # a wrong code: PyOTP raises rather than returning a value
        return None
    if last_timecode is not None and timecode <= last_timecode:
        return None  # replayed
    return int(timecode)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code: no image library and no request to anyone else's server."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, dark="#111", light="#fff"))
