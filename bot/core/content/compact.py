"""Frozen pydantic models that pickle compactly: one shared set of field names per shape, not one per object.

A newsroom's content is some fifty thousand small models; pydantic keeps a set of the fields each was
given, about 300 bytes apiece. Read back from the content cache, models of one shape share one set, and
equal strings written while `sharing()` is on are read back as one string ("synthetic newsroom" as the
source of ten thousand entries costs its bytes once).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel

# One set of field names per shape, handed to pickle for every model of that shape: pickle's memo then
# writes it once, and every model read back shares the one set read back.
_NAMES: dict[frozenset[str], set[str]] = {}
_new = object.__new__
_set = object.__setattr__  # a frozen model refuses its own __setattr__
_strings: dict[str, str] | None = None  # while sharing: each string value seen, by value


@contextmanager
def sharing() -> Iterator[None]:
    """While pickling in this block, equal string fields are written as one object (pickle's memo)."""
    global _strings  # noqa: PLW0603 - one pickling at a time, by the cache writer
    _strings = {}
    try:
        yield
    finally:
        _strings = None


def _restore(cls: type[BaseModel], state: dict[str, Any], fields: set[str]) -> BaseModel:
    # Called once for each of some fifty thousand models on a start from the cache: kept to four stores.
    model = _new(cls)
    _set(model, "__dict__", state)
    # Never changed in place: the models are frozen, and model_copy copies the set before it updates it.
    _set(model, "__pydantic_fields_set__", fields)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


class Compact(BaseModel):
    """A frozen model with neither extra fields nor private attributes, pickled by its fields alone."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Rebuild from the field values; one object per set of field names, so pickle writes it once."""
        fields = frozenset(self.__pydantic_fields_set__)
        state = self.__dict__
        if (strings := _strings) is not None:
            state = {k: strings.setdefault(v, v) if type(v) is str else v for k, v in state.items()}
        if (shared := _NAMES.get(fields)) is None:
            shared = _NAMES[fields] = set(fields)
        return (_restore, (type(self), state, shared))
