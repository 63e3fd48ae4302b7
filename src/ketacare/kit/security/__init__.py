"""Security primitives: password hashing, opaque tokens, field encryption, CSRF, headers."""
