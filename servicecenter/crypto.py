"""Encryption at rest for personal identifiers (AES-GCM) and keyed hashes for exact lookups."""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


def _derived(purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.SECRET_KEY}".encode()).digest()


@cache
def _encryption_key() -> bytes:
    if settings.FIELD_ENCRYPTION_KEY:
        key = base64.urlsafe_b64decode(settings.FIELD_ENCRYPTION_KEY.encode())
        if len(key) != 32:
            raise ValueError("FIELD_ENCRYPTION_KEY must be 32 bytes, urlsafe-base64 encoded")
        return key
    return _derived("field-encryption")


@cache
def _hash_key() -> bytes:
    return settings.ID_HASH_KEY.encode() if settings.ID_HASH_KEY else _derived("id-hash")


def encrypt_text(plain: str) -> str:
    if not plain:
        return ""
    nonce = os.urandom(12)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, plain.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_text(token: str) -> str:
    if not token:
        return ""
    raw = base64.urlsafe_b64decode(token.removeprefix(_PREFIX).encode())
    return AESGCM(_encryption_key()).decrypt(raw[:12], raw[12:], None).decode()


def keyed_hash(value: str) -> str:
    return hmac.new(_hash_key(), value.encode(), hashlib.sha256).hexdigest()


def uses_development_keys() -> bool:
    return not (settings.FIELD_ENCRYPTION_KEY and settings.ID_HASH_KEY)
