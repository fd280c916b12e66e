"""Hooks (core/hooks.py): how a lower app lets a higher one act on its events. Each hook has
exactly the handlers its docstring promises, connected once at start-up; a handler runs in the
caller's transaction, and its error reaches the caller."""

import pytest

from core.errors import DomainError
from core.hooks import Hook
from donations import hooks as donation_hooks
from donations import services as donation_services
from payments.money import check_card_amount
from projects import hooks as project_hooks
from publishing import expenses, timeline
from receipts.services import receipt_issue_for_pledge


def test_each_event_reaches_the_apps_that_act_on_it():
    assert donation_hooks.pledge_received_changed.handlers == (receipt_issue_for_pledge,)
    assert donation_hooks.threshold_reached.handlers == (timeline.threshold_entry_record,)
    assert donation_hooks.card_pledge_checked.handlers == (check_card_amount,)
    assert project_hooks.project_moving.handlers == (donation_services.refuse_review_without_needs,)
    assert project_hooks.project_cancelled.handlers == (donation_services.pledges_cancel_for_project,)
    assert project_hooks.currency_changing.handlers == (
        donation_services.refuse_currency_change_once_pledged,
        expenses.refuse_currency_change_once_spent,
    )


def test_handlers_run_in_order_with_the_events_arguments():
    calls = []
    hook = Hook("something_arrived", "pledge", "reason")
    hook.connect(lambda **arguments: calls.append(("first", arguments)))
    hook.connect(lambda **arguments: calls.append(("second", arguments)))
    hook(pledge=7, reason="")
    assert calls == [("first", {"pledge": 7, "reason": ""}), ("second", {"pledge": 7, "reason": ""})]


def test_a_handler_connected_twice_runs_once():
    calls = []

    def handler(**arguments):
        calls.append(arguments)

    hook = Hook("something_arrived", "pledge")
    hook.connect(handler)
    hook.connect(handler)
    hook(pledge=1)
    assert calls == [{"pledge": 1}]


def test_a_call_with_other_arguments_than_the_events_is_refused():
    hook = Hook("something_arrived", "pledge", "reason")
    hook.connect(lambda **arguments: None)
    with pytest.raises(TypeError, match="something_arrived"):
        hook(pledge=1)
    with pytest.raises(TypeError):
        hook(pledge=1, reason="", extra=True)


def test_a_handlers_refusal_reaches_the_caller_and_stops_the_others():
    calls = []

    def refuse(**arguments):
        raise DomainError("no")

    hook = Hook("currency_changing", "project")
    hook.connect(refuse)
    hook.connect(lambda **arguments: calls.append(arguments))
    with pytest.raises(DomainError):
        hook(project=1)
    assert calls == []
