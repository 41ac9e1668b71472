"""Postings filed by term as they come: the sort pool and the document adder a
worker writes its segment with (see :mod:`.storage`, "Postings by term").

A term's postings arrive in document order, so only the terms need sorting
when the segment is written, instead of every posting, and none goes through a
run file unless the pool outgrows its memory. A document's postings enter the
pool a field at a time (:class:`DocumentAdder`, which does what
``add_document`` does with its checks worked out once per writer), and each
postings block is filled from slices of its term's arrays
(:meth:`TermPool.write_by_term`): the segment's bytes are Whoosh's own.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.writing import PostingPool

from .storage import DECODED_LENGTHS, length_row


class TermPool(PostingPool):
    """Whoosh's sort pool, with each posting filed under its (field, term) as it comes.

    Documents are numbered as they are added, so a term's postings arrive in
    document order: giving them back in (field, term, document) order takes a
    sort of the terms alone, not of every posting, and an in-memory pool never
    goes through a run file. Postings are kept in typed arrays, a few dozen
    bytes each. Past ``limitmb`` (estimated), the pool is saved as a sorted run,
    as Whoosh's is, and the runs are merged when the segment is written.
    """

    def __init__(self, tempstore: Any, segment: Any, limitmb: int = 128) -> None:
        super().__init__(tempstore, segment, limitmb=limitmb)
        # field -> term -> (document numbers, weights, encoded values)
        self.terms: dict[str, dict[bytes, tuple[array, array, list[Any]]]] = {}

    def add(self, item: Any) -> None:
        fieldname, text, docnum, weight, value = item
        self.add_field(fieldname, docnum, [(text, 0, weight, value)])

    def add_field(self, fieldname: str, docnum: int, items: Any) -> int:
        """Add one document's postings of one field, ``(term, frequency, weight,
        value)`` as ``field.index`` gives them; their total frequency (the field's
        length). :meth:`add`, without a call and a tuple per posting."""
        if not isinstance(items, list):
            items = list(items)  # Whoosh's own fields give a generator
        if not items:
            return 0  # a field without terms is not started in the segment
        terms = self.terms.get(fieldname)
        if terms is None:
            terms = self.terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        get = terms.get
        length = 0
        size = _POSTING_BYTES * len(items)
        for text, freq, weight, value in items:
            entry = get(text)
            if entry is None:
                entry = terms[text] = (array("I"), array("d"), [])
                size += _TERM_BYTES + len(text)
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(value)
            length += freq
            if value:
                size += len(value)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()
        return length

    def writes_by_term(self, fieldwriter: Any, schema: Any) -> bool:
        """Whether :meth:`write_by_term` can write this pool: all of it in memory,
        a whoosh3 field writer, and no spelling words among the postings."""
        from whoosh.codec import whoosh3

        return (not self.runs and type(fieldwriter) is whoosh3.W3FieldWriter
                and not any(field.separate_spelling() for _, field in schema.items()))

    def write_by_term(self, fieldwriter: Any, schema: Any, lengths: Any) -> None:
        """Write the postings into the segment as ``fieldwriter.add_postings`` does,
        a term's postings at a time rather than one by one: each block is filled
        by slices of the term's arrays, and its statistics (top weight, shortest
        and longest field) are taken over the slice."""
        for fieldname in sorted(self.terms):
            terms = self.terms[fieldname]
            fieldwriter.start_field(fieldname, schema[fieldname])
            row = length_row(lengths, fieldname) if lengths is not None else None
            for text in sorted(terms):
                fieldwriter.start_term(text)
                _fill_blocks(fieldwriter._postwriter, *terms[text], row)
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def _in_order(self) -> Iterator[Any]:
        for fieldname in sorted(self.terms):
            terms = self.terms[fieldname]
            for text in sorted(terms):
                docs, weights, values = terms[text]
                for docnum, weight, value in zip(docs, weights, values, strict=True):
                    yield fieldname, text, docnum, weight, value

    def save(self) -> None:
        if self.terms:
            path, f = self._new_run()
            self._write_run(f, self._in_order())
            self._add_run(path)
            self.terms = {}
        self.currentsize = 0

    def items(self, maxfiles: int = 128) -> Any:
        if not self.runs:
            return self._in_order()
        return super().items(maxfiles)  # saves the rest, merges the runs


# TermPool's estimates of its memory: a term's entry (its arrays, list and key) and
# a posting (4 + 8 bytes in the arrays and a pointer to its value, with slack)
_TERM_BYTES = 400
_POSTING_BYTES = 24


def _fill_blocks(postwriter: Any, docs: array, weights: array, values: list[Any],
                 lengths: bytes | None) -> None:
    """``W3PostingsWriter.add_posting`` for each posting of one term, a block's worth
    of postings at a time (``lengths``: the field's length bytes by document)."""
    limit = postwriter._blocklimit
    for start in range(0, len(docs), limit):
        if start:
            postwriter._write_block()  # full: add_posting writes it before the next
        end = start + limit
        block_docs = docs[start:end]
        block_weights = weights[start:end]
        postwriter._ids.extend(block_docs)
        postwriter._weights.fromlist(block_weights.tolist())
        top = max(block_weights)
        if top > postwriter._maxweight:
            postwriter._maxweight = top
        postwriter._values.extend(filter(None, values[start:end]))
        if lengths is not None:
            present = bytes(map(lengths.__getitem__, block_docs)).replace(b"\0", b"")
            if present:
                shortest = DECODED_LENGTHS[min(present)]
                longest = DECODED_LENGTHS[max(present)]
                if postwriter._minlength is None or shortest < postwriter._minlength:
                    postwriter._minlength = shortest
                if longest > postwriter._maxlength:
                    postwriter._maxlength = longest


class DocumentAdder:
    """``SegmentWriter.add_document``, for the documents searchidx writes: its
    fields' order and checks worked out once per writer rather than per document,
    and each field's postings handed to the :class:`TermPool` in one call.

    It writes the same segment as Whoosh does (a test compares them byte for
    byte); a document with what it does not handle (a boost, an unknown field)
    goes through Whoosh's own method, as would every document of a schema with
    term vectors or spelling fields.
    """

    def __init__(self, writer: Any) -> None:
        if not isinstance(writer.pool, TermPool):
            raise TypeError("DocumentAdder needs a writer whose pool is a TermPool")
        self.writer = writer
        schema = writer.schema
        self.names = frozenset(schema.names())
        self.plain = not any(field.vector or field.separate_spelling()
                             for _, field in schema.items())
        # (name, field, stored, scorable, column), in the order Whoosh adds fields
        self.plan = [(name, field, field.stored, field.scorable, field.column_type)
                     for name, field in sorted(schema.items())]

    def add(self, fields: dict[str, Any]) -> None:
        """``writer.add_document(**fields)``."""
        writer = self.writer
        if not self.plain or not self.names.issuperset(fields):
            writer.add_document(**fields)  # underscore keys, unknown names: Whoosh's way
            return
        writer._check_state()
        perdoc = writer.perdocwriter
        pool = writer.pool
        docnum = writer.docnum
        perdoc.start_doc(docnum)
        try:
            for name, field, stored, scorable, column in self.plan:
                value = fields.get(name)
                if value is None:
                    continue
                length = 0
                if field.indexed:
                    length = pool.add_field(name, docnum, field.index(value))
                    if not scorable:
                        length = 0
                perdoc.add_field(name, field, value if stored else None, length)
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except ValueError:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        writer._added = True
        writer.docnum += 1
