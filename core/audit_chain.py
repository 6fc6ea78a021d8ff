"""The audit log's hash chain, checked from outside the database.

Every `audit_log` row holds a position in one chain, the previous row's hash and its own:
`row_hash = sha256(utf8(canonical text) || prev_hash)`, computed by the database's trigger
(core/migrations/0002_audit_chain.py). The canonical text is `chaverim-audit-v1` followed by each field as
`|<length in characters>:<text>`, or `|-` when NULL, in this order: chain_position, id, occurred_at (UTC,
`YYYY-MM-DDTHH:MM:SS.ffffffZ`), actor_id, action, object_type, object_id, details (jsonb's text form).
Position 1 links to 32 zero bytes; after a month is retired, the chain continues from its anchor. Rows retired
above a live row (out of chain order) leave their hashes in `audit_chain_retired`: the walk checks the links
into and out of each, and steps over it.

The walk below rebuilds that text from the stored fields and hashes it here, so that neither the trigger nor
any function in the database is trusted; it checks that positions are contiguous, that each row links to the
one before, and that the last row is the head the database holds.
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from core import sql

CANONICAL_VERSION = "chaverim-audit-v1"
GENESIS_HASH = bytes(32)
BATCH_SIZE = 2000

# What went wrong, for the record and the --json output.
MISSING, DUPLICATE, LINK, CONTENT, BEYOND_HEAD, HEAD = (
    "missing",
    "duplicate",
    "link",
    "content",
    "beyond_head",
    "head",
)
# A head kept elsewhere (--expect) that the chain no longer holds, or does not reach.
REWRITTEN, NOT_REACHED = "rewritten", "not_reached"


def canonical_text(pieces: Iterable[str | None]) -> str:
    """Return the canonical text of a row from its fields as text, in chain order."""
    return CANONICAL_VERSION + "".join(
        "|-" if piece is None else f"|{len(piece)}:{piece}" for piece in pieces
    )


def chain_hash(pieces: Iterable[str | None], prev_hash: bytes) -> bytes:
    """Return the hash a row with these fields must hold after `prev_hash`."""
    return hashlib.sha256(canonical_text(pieces).encode("utf-8") + bytes(prev_hash)).digest()


@dataclass(frozen=True)
class ChainProblem:
    """The first thing found wrong: at which position, what kind, and a sentence saying so."""

    position: int
    kind: str
    message: str


@dataclass(frozen=True)
class ChainAnchor:
    """The last position and hash of a retired month, where verification starts."""

    position: int
    hash: bytes
    partition: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of one walk of the chain."""

    rows: int
    start_position: int
    head_position: int | None
    head_hash: bytes | None
    anchor: ChainAnchor | None
    since: int | None
    problem: ChainProblem | None
    stepped_over: int = 0  # rows retired out of order: only their links were checked

    @property
    def ok(self) -> bool:
        return self.problem is None

    def as_dict(self) -> dict:
        """Return the report as `audit verify --json` prints it."""
        return {
            "ok": self.ok,
            "rows": self.rows,
            "start_position": self.start_position,
            "since": self.since,
            "stepped_over": self.stepped_over,
            "head": None
            if self.head_position is None
            else {"position": self.head_position, "hash": self.head_hash.hex() if self.head_hash else None},
            "anchor": None
            if self.anchor is None
            else {
                "position": self.anchor.position,
                "hash": self.anchor.hash.hex(),
                "partition": self.anchor.partition,
            },
            "problem": None
            if self.problem is None
            else {
                "position": self.problem.position,
                "kind": self.problem.kind,
                "message": self.problem.message,
            },
        }


class _Walk:
    """Follow the chain row by row from a known (position, hash), stopping at the first problem."""

    def __init__(self, *, start_position: int, start_hash: bytes, kept: tuple[int, bytes] | None = None):
        self.start_position = start_position
        self.expected = start_position + 1
        self.prev_hash = start_hash
        self.rows = 0
        self.stepped_over = 0
        self.problem: ChainProblem | None = None
        self.kept = kept
        self.kept_checked = False
        if kept is not None and kept[0] == start_position:
            self._check_kept(start_position, start_hash)

    def _check_kept(self, position: int, row_hash: bytes) -> None:
        self.kept_checked = True
        if row_hash != self.kept[1]:
            self._fail(
                position,
                REWRITTEN,
                f"holds {row_hash.hex()[:16]}…, not the hash kept for it ({self.kept[1].hex()[:16]}…): "
                "the chain was rewritten",
            )

    def _fail(self, position: int, kind: str, message: str) -> None:
        self.problem = ChainProblem(position=position, kind=kind, message=f"position {position}: {message}")

    def step(self, row: Sequence, head_position: int) -> bool:
        """Check one row; return False once a problem is found."""
        if self.problem is not None:
            return False
        position, row_id, prev_hash, row_hash, *pieces = row[:12]
        prev_hash, row_hash, retired = bytes(prev_hash), bytes(row_hash), row[14]
        what = "the row retired" if retired else f"row id {row_id}"
        if position > head_position:
            self._fail(position, BEYOND_HEAD, f"{what} is beyond the head at {head_position}")
        elif position < self.expected:
            self._fail(position, DUPLICATE, f"appears more than once ({what})")
        elif position > self.expected:
            self._fail(self.expected, MISSING, f"is missing (the next row present is {position})")
        elif prev_hash != self.prev_hash:
            self._fail(
                position,
                LINK,
                f"{what} does not link to the hash of position {position - 1} "
                f"(it holds {prev_hash.hex()[:16]}…, expected {self.prev_hash.hex()[:16]}…)",
            )
        elif not retired and chain_hash(pieces, prev_hash) != row_hash:
            self._fail(position, CONTENT, f"the content of row id {row_id} does not match its hash")
        else:
            if self.kept is not None and position == self.kept[0]:
                self._check_kept(position, row_hash)
                if self.problem is not None:
                    return False
            # A row retired out of order is gone: its link was checked, and the next row must link to it.
            self.prev_hash = row_hash
            self.expected += 1
            if retired:
                self.stepped_over += 1
            else:
                self.rows += 1
            return True
        return False

    def finish(self, *, head_position: int, head_hash: bytes) -> None:
        """Check that the walk ended at the head the database holds."""
        if self.problem is not None:
            return
        last = self.expected - 1
        if last < head_position:
            self._fail(self.expected, MISSING, f"is missing (the head is at {head_position})")
        elif last == head_position and self.prev_hash != head_hash:
            self._fail(head_position, HEAD, "its hash is not the one the chain head holds")
        elif self.kept is not None and not self.kept_checked:
            self._fail(
                self.kept[0],
                NOT_REACHED,
                f"the kept head is outside the chain checked (after {self.start_position} up to {last})",
            )


def _latest_anchor(cursor) -> ChainAnchor | None:
    cursor.execute(sql.AUDIT_CHAIN_LATEST_ANCHOR)
    row = cursor.fetchone()
    return None if row is None else ChainAnchor(position=row[0], hash=bytes(row[1]), partition=row[2])


def _start(
    cursor, *, anchor: ChainAnchor | None, since: int | None
) -> tuple[int, bytes, ChainProblem | None]:
    """Return the position and hash the walk starts after, or a problem when --since cannot start there."""
    floor_position, floor_hash = (anchor.position, anchor.hash) if anchor else (0, GENESIS_HASH)
    if since is None or since - 1 <= floor_position:
        return floor_position, floor_hash, None
    # The row before --since is trusted as it stands: the walk checks the link to it, not its content.
    cursor.execute(sql.AUDIT_CHAIN_ROW_HASH, {"position": since - 1})
    rows = cursor.fetchall()
    if len(rows) != 1:
        kind, what = (MISSING, "is missing") if not rows else (DUPLICATE, "appears more than once")
        return since - 1, b"", ChainProblem(since - 1, kind, f"position {since - 1}: {what}")
    return since - 1, bytes(rows[0][0]), None


def audit_chain_walk(
    *, since: int | None = None, kept: tuple[int, bytes] | None = None, batch_size: int = BATCH_SIZE
) -> ChainReport:
    """Walk the chain from the latest anchor (or from `since`) to the head; stop at the first problem.

    `kept` is a (position, hash) printed by an earlier verification and kept elsewhere: the chain must still
    hold that hash at that position, else it was rewritten.

    Rows are read in position order through a server-side cursor, `batch_size` at a time. Outside a
    transaction, the walk gets one of its own with a single snapshot (REPEATABLE READ), so that rows written
    or retired meanwhile never look like a gap.
    """
    own_snapshot = not connection.in_atomic_block
    for _attempt in range(3):
        with transaction.atomic(), connection.cursor() as cursor:
            if own_snapshot:
                cursor.execute(sql.SNAPSHOT_READ_ONLY)
            report = _walk_once(cursor, since=since, kept=kept, batch_size=batch_size)
        if report is not None:
            return report
    raise RuntimeError("audit_log kept changing under the walk; try again")


def _walk_once(
    cursor, *, since: int | None, kept: tuple[int, bytes] | None, batch_size: int
) -> ChainReport | None:
    """Walk once; None when rows appeared after the walk's snapshot (READ COMMITTED only)."""
    anchor = _latest_anchor(cursor)
    start_position, start_hash, problem = _start(cursor, anchor=anchor, since=since)
    context = {"start_position": start_position, "anchor": anchor, "since": since}
    if problem is not None:
        return ChainReport(rows=0, head_position=None, head_hash=None, problem=problem, **context)
    walk = _Walk(start_position=start_position, start_hash=start_hash, kept=kept)
    head_position = head_hash = None
    with connection.chunked_cursor() as rows:
        rows.execute(sql.AUDIT_CHAIN_ROWS, {"start": start_position})
        while batch := rows.fetchmany(batch_size):
            if head_position is None:
                head_position, head_hash = batch[0][12], bytes(batch[0][13])
            if not all(walk.step(row, head_position) for row in batch):
                break
    if head_position is None:
        cursor.execute(sql.AUDIT_CHAIN_HEAD_AND_TAIL, [start_position])
        head_position, head_hash, rows_appeared = cursor.fetchone()
        head_hash = bytes(head_hash)
        if rows_appeared:
            return None
    walk.finish(head_position=head_position, head_hash=head_hash)
    return ChainReport(
        rows=walk.rows,
        stepped_over=walk.stepped_over,
        head_position=head_position,
        head_hash=head_hash,
        problem=walk.problem,
        **context,
    )
