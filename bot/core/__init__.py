"""The plain-Python core: languages, text, content and answers, with no Discord or network import."""
