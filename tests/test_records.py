"""searchidx.records makes classes that behave as dataclasses make them (issue 26)."""

import dataclasses

import pytest

from searchidx.records import field, record, replace


def pair(frozen):
    """The same class made by dataclasses and by record."""

    def body():
        return {"__annotations__": {"text": "str", "field": "str | None", "tags": "list[str]"},
                "field": None, "__doc__": "A test class."}

    theirs = type("Leaf", (), {**body(), "tags": dataclasses.field(default_factory=list)})
    ours = type("Leaf", (), {**body(), "tags": field(default_factory=list)})
    return dataclasses.dataclass(frozen=frozen)(theirs), record(frozen=frozen)(ours)


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_is_made_called_and_shown_as_a_dataclass(frozen):
    theirs, ours = pair(frozen)
    for args, kwargs in [(("a",), {}), (("a", "title"), {}), (("a",), {"tags": ["x"]}),
                         ((), {"text": "a", "field": "body"}), (("a", None, ["y"]), {})]:
        a, b = theirs(*args, **kwargs), ours(*args, **kwargs)
        assert repr(a) == repr(b)
        assert (a.text, a.field, a.tags) == (b.text, b.field, b.tags)
        assert b == ours(*args, **kwargs) and b != theirs(*args, **kwargs)
    assert ours("a").tags is not ours("a").tags  # a fresh default each time
    assert not hasattr(ours, "tags") and ours.field is None  # class attributes as dataclasses'
    assert ours.__match_args__ == theirs.__match_args__


@pytest.mark.parametrize("frozen", [False, True])
def test_wrong_arguments_fail_as_with_a_dataclass(frozen):
    theirs, ours = pair(frozen)
    for args, kwargs in [((), {}), (("a", None, [], 4), {}), (("a",), {"text": "b"}),
                         (("a",), {"colour": "red"})]:
        with pytest.raises(TypeError):
            theirs(*args, **kwargs)
        with pytest.raises(TypeError):
            ours(*args, **kwargs)


def test_frozen_refuses_changes_and_hashes_mutable_does_not_hash():
    _, frozen = pair(True)
    leaf = frozen("a")
    with pytest.raises(AttributeError):
        leaf.text = "b"
    with pytest.raises(AttributeError):
        del leaf.text
    theirs, _ = pair(True)
    assert hash(frozen("a", "title", ())) == hash(theirs("a", "title", ()))
    assert {frozen("a", "title", ()), frozen("a", "title", ())} == {frozen("a", "title", ())}
    _, mutable = pair(False)
    changed = mutable("a")
    changed.text = "b"
    assert changed == mutable("b")
    with pytest.raises(TypeError):
        hash(changed)


def test_a_field_without_default_after_one_with_is_refused():
    with pytest.raises(TypeError):
        record(type("Bad", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))


@pytest.mark.parametrize("frozen", [False, True])
def test_replace_copies_with_changes_as_dataclasses_does(frozen):
    theirs, ours = pair(frozen)
    a, b = theirs("a", "title", ["x"]), ours("a", "title", ["x"])
    assert repr(dataclasses.replace(a, field=None)) == repr(replace(b, field=None))
    assert replace(b) == b and replace(b) is not b
    with pytest.raises(TypeError):
        replace(b, colour="red")
