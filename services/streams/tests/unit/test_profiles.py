"""Profiles: a username is one user's alone, decided at the username's own registry entry."""

from __future__ import annotations

from typing import Any

import pytest

from streampay_contracts import User, UserProfile
from streampay_contracts.events import ProfileChanged
from streampay_streams.domain.account import Account
from streampay_streams.domain.decide import decide
from streampay_streams.domain.effects import Decision, Origin
from streampay_streams.domain.inputs import RoutedInput
from streampay_streams.domain.messages import ClaimUsername, ReleaseUsername, UsernameGranted
from streampay_streams.domain.profiles import registry

pytestmark = pytest.mark.unit

ALICE, BOB, DAVE = "local|alice", "local|bob", "local|dave"


def deliver(kit: Any, account: Account, decision: Decision, at: int) -> Decision:
    """Apply the message ``decision`` routed, in the account it is for."""
    route = kit.routed(decision)
    assert route.owner == account.user_id
    here = Origin("requests", 0, at, route.owner)
    return decide(account, RoutedInput(route.owner, route.message, route.origin, here), kit.ctx)


def claimed(
    kit: Any, user: str, name: str, username: str, **entry: Any
) -> tuple[Decision, Decision]:
    """A profile command at its owner's account, and its claim at the username's entry."""
    given = kit.command(UserProfile(name=name, username=username), user)
    at_owner = decide(Account.new(user), given, kit.ctx)
    at_entry = deliver(kit, Account.new(registry(username)).change(**entry), at_owner, 1)
    return at_owner, at_entry


def test_a_free_username_is_granted_and_the_owner_saves_the_profile(kit: Any) -> None:
    at_owner, at_entry = claimed(kit, DAVE, "Dave", "dave")
    assert kit.routed(at_owner).owner == "system|username:dave" and at_owner.reply is None
    assert isinstance(kit.routed(at_owner).message, ClaimUsername)
    assert at_entry.account is not None and at_entry.account.holder == DAVE
    assert isinstance(kit.routed(at_entry).message, UsernameGranted) and at_entry.reply is None

    saved = deliver(kit, at_owner.account, at_entry, 2)

    assert saved.profile == User(id=DAVE, name="Dave", username="dave")
    (event,) = kit.events(saved, ProfileChanged)
    assert (event.name, event.username, event.previous_username) == ("Dave", "dave", None)
    assert kit.status(saved) == 200 and kit.body(saved, User) == saved.profile
    assert saved.account is not None and saved.account.username == "dave"


def test_a_username_another_user_holds_is_refused_with_409(kit: Any) -> None:
    _, at_entry = claimed(kit, DAVE, "Dave", "bob", holder=BOB)
    assert kit.status(at_entry) == 409
    assert "The username bob is taken" in kit.problem(at_entry).detail
    assert kit.nothing_recorded(at_entry) and at_entry.profile is None


def test_a_username_held_on_the_directory_alone_is_taken_too(kit: Any) -> None:
    # Bob's profile was written to users before usernames had registry entries.
    _, at_entry = claimed(kit, DAVE, "Bob", "bob")
    assert kit.status(at_entry) == 409


def test_changing_username_frees_the_old_one(kit: Any) -> None:
    owner = Account.new(DAVE).change(username="dave", name="Dave")
    given = kit.command(UserProfile(name="Dave", username="dj"), DAVE)
    at_owner = decide(owner, given, kit.ctx)
    at_entry = deliver(kit, Account.new(registry("dj")), at_owner, 1)
    saved = deliver(kit, at_owner.account, at_entry, 2)

    release = kit.routed(saved)
    assert release.owner == registry("dave")
    assert release.message == ReleaseUsername(username="dave", owner=DAVE)
    (event,) = kit.events(saved, ProfileChanged)
    assert event.previous_username == "dave"
    entry = Account.new(registry("dave")).change(holder=DAVE)
    freed = deliver(kit, entry, saved, 3)
    assert freed.account is not None and freed.account.holder is None


def test_keeping_ones_username_saves_at_once(kit: Any) -> None:
    owner = Account.new(DAVE).change(username="dave", name="Dave")
    decision = decide(owner, kit.command(UserProfile(name="David", username="dave"), DAVE), kit.ctx)
    assert decision.routed == () and kit.status(decision) == 200
    assert decision.profile == User(id=DAVE, name="David", username="dave")


@pytest.mark.parametrize(
    "name",
    ["StreamPay Bank", "streampay  bank", "\uff33tream\uff30ay Bank"],  # full-width S and P
)
def test_a_name_that_passes_for_the_bank_is_refused(kit: Any, name: str) -> None:
    decision = decide(
        Account.new(DAVE), kit.command(UserProfile(name=name, username="d"), DAVE), kit.ctx
    )
    assert kit.status(decision) == 400 and "reserved for StreamPay" in kit.problem(decision).detail
    assert kit.nothing_recorded(decision)


def test_a_copy_of_a_profile_command_is_claimed_again_and_answered_alike(kit: Any) -> None:
    given = kit.command(UserProfile(name="Dave", username="bob"), DAVE)
    first = decide(Account.new(DAVE), given, kit.ctx)
    again = decide(
        first.account,
        kit.command(UserProfile(name="Dave", username="bob"), DAVE, cid=given.correlation_id),
        kit.ctx,
    )
    assert isinstance(kit.routed(again).message, ClaimUsername)
    entry = Account.new(registry("bob")).change(holder=BOB)
    assert kit.status(deliver(kit, entry, again, 1)) == 409
