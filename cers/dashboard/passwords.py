"""Staff passwords (argon2id hashes, one-time passwords) and the signed tokens of staff sessions and forms."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 3 passes, 64 MiB):
# about 0.1 s a check here, which makes guessing slow and is fine for a sign-in. Tests of the
# account rules swap in a cheaper PasswordHasher here; one test checks these real parameters.
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
# One-time passwords: 4 groups of 4 letters and digits without look-alikes (0/O, 1/l/I): ~80 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_dummy_hashes: dict = {}  # one per hasher


def _dummy() -> str:
    """A hash checked when the account does not exist, so an unknown name takes as long as a wrong password."""
    if id(HASHER) not in _dummy_hashes:
        _dummy_hashes[id(HASHER)] = HASHER.hash(secrets.token_hex(16))
    return _dummy_hashes[id(HASHER)]


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: Optional[str], password: str) -> bool:
    """Whether password matches stored_hash (None: an unknown account; it still takes as long)."""
    try:
        return HASHER.verify(stored_hash or _dummy(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's (re-hash at the next sign-in)."""
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def one_time_password() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


def password_problem(password: str, name: str, old_password: str = "") -> Optional[str]:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if password.strip().lower() == name.strip().lower():
        return "Don't use your user name as your password."
    if old_password and hmac.compare_digest(password.encode(), old_password.encode()):
        return "Choose a password different from the one-time password."
    return None


# ---------------------------------------------------------------- tokens


def new_token() -> str:
    """A random session token (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of a session token: its SHA-256 (a stolen table opens no session)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _mac(secret: str, purpose: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def sign(secret: str, value: str, purpose: str = "session") -> str:
    """value.signature: what goes into a cookie."""
    return f"{value}.{_mac(secret, purpose, value)}"


def unsign(secret: str, signed: Optional[str], purpose: str = "session") -> Optional[str]:
    """The value of a signed cookie, or None when it was not signed with this secret."""
    value, _, signature = (signed or "").rpartition(".")
    if not value or not signature:
        return None
    return value if hmac.compare_digest(signature, _mac(secret, purpose, value)) else None


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of the forms of one session (or of one sign-in form): derived, never stored."""
    return _mac(secret, "csrf", session_token)


def csrf_ok(secret: str, session_token: Optional[str], given: Optional[str]) -> bool:
    if not session_token or not given:
        return False
    return hmac.compare_digest(csrf_token(secret, session_token), given)
