"""The plain-Python core: languages, text, content and answers, with no Discord or network import."""

__all__ = ["answers", "audit", "content", "language", "layout", "text"]
