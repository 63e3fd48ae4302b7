"""Field encryption for secrets kept in the database (TOTP seeds), keyed from the app secret."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def _fernet(secret_key: str, purpose: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"ketacare:{purpose}".encode()
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_field(secret_key: str, purpose: str, plaintext: str) -> str:
    return _fernet(secret_key, purpose).encrypt(plaintext.encode()).decode()


def decrypt_field(secret_key: str, purpose: str, ciphertext: str) -> str:
    return _fernet(secret_key, purpose).decrypt(ciphertext.encode()).decode()
