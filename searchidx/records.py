"""Classes of named fields, made as :func:`dataclasses.dataclass` makes them, but
cheaply at start-up: for the classes a cold command defines (issue 26).

``dataclasses`` writes each class's ``__init__``, ``__repr__``, ``__eq__`` (and, for a
frozen class, ``__hash__``, ``__setattr__``, ``__delattr__``) as source text and
compiles it as the class is made: about 3 million instructions a class, as many as
the bare SQLite query process spends on its whole search, and importing it loads
``inspect`` (with ``ast``, ``dis`` and ``tokenize``), which nothing else on a query's
path needs. A cold ``searchidx query`` defines two dozen such classes. :func:`record`
gives a class the same methods as shared functions that read its list of fields,
so making the class costs a few dictionary entries; making an instance costs a loop
instead of straight-line code, a microsecond, and a query makes a few dozen.

It does what searchidx's classes use: fields with a default or a default factory
(:func:`field`), ``frozen``, positional or keyword arguments, ``__match_args__``,
:func:`replace`.
Not inherited fields, ``ClassVar``/``InitVar``, ordering or ``__post_init__``:
a class that needs them is a dataclass. ``tests/test_records.py`` holds the two to
the same behaviour.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING to type checkers; typing is not imported
if TYPE_CHECKING:  # typing itself costs a cold command as much as its search (issue 26)
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform, overload

    _C = TypeVar("_C", bound=type)
    _R = TypeVar("_R")
else:
    def dataclass_transform(**kwargs: object) -> Callable[[Any], Any]:
        """What type checkers read as :func:`typing.dataclass_transform`: nothing at run time."""
        return lambda function: function

_NO_DEFAULT = object()


class FrozenRecordError(AttributeError):
    """An assignment to a field of a frozen record (``dataclasses.FrozenInstanceError``)."""


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A field whose default is made afresh for each instance (a list, a dict)."""
    return _Factory(default_factory)


if TYPE_CHECKING:
    @overload
    def record(cls: _C, /) -> _C: ...
    @overload
    def record(*, frozen: bool = False) -> Callable[[_C], _C]: ...


@dataclass_transform(field_specifiers=(field,))
def record(cls: Any = None, /, *, frozen: bool = False) -> Any:
    """``@record`` or ``@record(frozen=True)`` over a class of annotated fields, as
    ``@dataclass`` or ``@dataclass(frozen=True)``."""

    def make(cls: Any) -> Any:
        names = tuple(cls.__dict__.get("__annotations__", {}))
        defaults = {}
        for name in names:
            if name in cls.__dict__:
                defaults[name] = cls.__dict__[name]
                if isinstance(defaults[name], _Factory):
                    delattr(cls, name)  # as dataclasses: no class attribute for a factory
            elif defaults:
                raise TypeError(f"{cls.__name__}: field {name!r} without a default "
                                "follows one with a default")
        cls._record_fields = names
        cls._record_defaults = defaults
        cls.__match_args__ = names
        cls.__init__ = _init
        cls.__repr__ = _repr
        cls.__eq__ = _eq
        if frozen:
            cls.__hash__ = _hash
            cls.__setattr__ = _refuse_setattr
            cls.__delattr__ = _refuse_delattr
        else:
            cls.__hash__ = None  # as dataclasses: equal by value, so not hashable
        return cls

    return make if cls is None else make(cls)


def replace(obj: _R, /, **changes: Any) -> _R:
    """A copy of the record ``obj`` with ``changes``, as :func:`dataclasses.replace`."""
    kind = type(obj)
    return kind(**{**{name: getattr(obj, name) for name in kind._record_fields},  # type: ignore[attr-defined]
                   **changes})


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    kind = type(self)
    names = kind._record_fields
    if len(args) > len(names):
        raise TypeError(f"{kind.__name__}() takes {len(names)} arguments but {len(args)} "
                        "were given")
    values = dict(zip(names, args, strict=False))
    for name, value in kwargs.items():
        if name not in names:
            raise TypeError(f"{kind.__name__}() got an unexpected keyword argument {name!r}")
        if name in values:
            raise TypeError(f"{kind.__name__}() got multiple values for argument {name!r}")
        values[name] = value
    defaults = kind._record_defaults
    for name in names:
        if name in values:
            value = values[name]
        else:
            value = defaults.get(name, _NO_DEFAULT)
            if value is _NO_DEFAULT:
                raise TypeError(f"{kind.__name__}() missing required argument: {name!r}")
            if isinstance(value, _Factory):
                value = value.make()
        object.__setattr__(self, name, value)


def _values(self: Any) -> tuple[Any, ...]:
    return tuple(getattr(self, name) for name in type(self)._record_fields)


def _repr(self: Any) -> str:
    fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._record_fields)
    return f"{type(self).__qualname__}({fields})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _refuse_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r}")


def _refuse_delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r}")
