"""Lifecycles: how a record moves from one status to the next, the same way for every record that has one.

Each lifecycle (a checkout, a cart, a reservation, a return, a fulfilment, a
refund, an order's money, a shop) declares its allowed moves as one table
next to its business module: `CHECKOUT = Lifecycle("checkout", {...})`. This
module is the mechanism, so a status is never written any other way:

- `require` is the 409 for a move the table does not list;
- `move` is one write conditional on the stored status still allowing the
  move; when another write got there first the record is read again and the
  move decided again on what it holds now (False once the table says no);
- `move_in` is the same move inside a TransactWrite (the transaction's
  cancellation is the caller's to judge, with the other items' conditions).

A status kept inside another item (a fulfilment or refund in its order) moves
with that item's own conditional write (orders.change); its table still says
what may move, through `require`.

`once` is the other shape retried workflow steps share: claim a side effect
(an email, an event), do it, and give the claim back if doing it failed.
"""

from collections.abc import Callable
from typing import Any

from . import clock, db
from .errors import Conflict

ATTEMPTS = 5  # a record that moves this often while we decide is contended beyond reason


def _words(status: str) -> str:
    return status.replace("_", " ")


class Lifecycle:
    """The allowed moves of one lifecycle: `transitions` maps each status to the statuses it may become.
    `stamp(record, new)` gives the attribute actions every move of this lifecycle also writes (its
    `updated_at`, its history, the index partition its new status puts it in); `record` is as read before
    the move (only its keys when moved with `read=False`)."""

    def __init__(
        self,
        noun: str,
        transitions: dict[str, set[str]],
        *,
        attribute: str = "status",
        stamp: Callable[[Any, str], list] | None = None,
    ):
        self.noun = noun
        self.transitions = transitions
        self.attribute = attribute
        self.stamp = stamp

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.transitions)

    def allows(self, current: str | None, new: str) -> bool:
        return current is not None and new in self.transitions.get(current, ())

    def is_final(self, status: str) -> bool:
        return not self.transitions[status]

    def sources(self, new: str) -> list[str]:
        """The statuses from which `new` may be reached."""
        return [s for s, targets in self.transitions.items() if new in targets]

    def require(self, current: str, new: str) -> None:
        """A move the table does not list is a 409 (repeating the current status is the caller's to judge)."""
        if not self.allows(current, new):
            raise Conflict(
                f"A {self.noun} that is {_words(current)} cannot become {_words(new)}",
                {self.attribute: f"not allowed from {current}"},
            )

    def _write(self, record, new: str, actions: tuple, condition) -> tuple[list, object]:
        status = getattr(type(record), self.attribute)
        allowed = status.is_in(*self.sources(new))
        return (
            [status.set(new), *(self.stamp(record, new) if self.stamp else []), *actions],
            allowed if condition is None else allowed & condition,
        )

    def move(self, record, new: str, *actions, condition=None, read: bool = True) -> bool:
        """Moves `record` to `new` (with `actions`) if the table allows it from the status the record holds,
        as one write conditional on the stored status allowing it and on `condition`. A lost race re-reads
        the record and decides again; False once the move is not allowed, or `condition` does not hold.
        `read=False`: the record was built from its key, so only the stored status decides."""
        for _ in range(ATTEMPTS):
            current = getattr(record, self.attribute) if read else None
            if read and not self.allows(current, new):
                return False
            write, written_if = self._write(record, new, actions, condition)
            if db.conditionally(record.update, actions=write, condition=written_if):
                return True
            if not read:
                return False
            record.refresh(consistent_read=True)
            if getattr(record, self.attribute) == current:
                return False  # the status still allows the move: `condition` said no
        return False

    def move_in(self, tx, record, new: str, *actions, condition=None, read: bool = True) -> None:
        """The same move as part of a TransactWrite; a move the record's status does not allow is a 409
        before anything is written."""
        if read:
            self.require(getattr(record, self.attribute), new)
        write, written_if = self._write(record, new, actions, condition)
        tx.update(record, actions=write, condition=written_if)


def once(send: Callable[[], object], *, claim: Callable[[], bool], release: Callable[[], object]) -> bool:
    """Does a side effect at most once however often a step is retried: `claim()` takes it (False when it
    was taken already: someone else has it), then `send()`; if sending fails the claim is released and
    the error propagates, so the step's retry sends it. True if this call sent."""
    if not claim():
        return False
    try:
        send()
    except Exception:
        release()
        raise
    return True


def once_marked(record, marker, send: Callable[[], object]) -> bool:
    """`once`, claimed by setting `marker` (an attribute of `record`, e.g. OrderRecord.confirmation_sent_at)
    to now only where it is not set yet."""
    return once(
        send,
        claim=lambda: db.conditionally(
            record.update, actions=[marker.set(clock.now_iso())], condition=marker.does_not_exist()
        ),
        release=lambda: record.update(actions=[marker.remove()]),
    )
