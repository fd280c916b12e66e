"""manage.py generate_load_data: a consistent synthetic data set, made once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from donations.models import Need, Pledge, PledgeEvent, Reception
from projects.models import Project

pytestmark = pytest.mark.django_db


def generate(**options):
    out = StringIO()
    call_command("generate_load_data", projects=12, pledges=300, communities=2, stdout=out, **options)
    return out.getvalue()


def test_load_data_is_consistent_and_made_once():
    generate()
    assert Project.objects.filter(slug__startswith="load-").count() == 12
    assert Need.objects.filter(project__slug__startswith="load-").count() == 36
    pledges = Pledge.objects.filter(need__project__slug__startswith="load-")
    assert pledges.count() == 300
    # Every pledge has its creation event; what arrived matches each pledge's status.
    assert PledgeEvent.objects.filter(pledge__in=pledges, from_status="").count() == 300
    received = dict(Reception.objects.values("pledge").annotate(total=Sum("quantity")).values_list("pledge", "total"))
    for pledge in pledges:
        if pledge.status == Pledge.Status.FULFILLED:
            assert received[pledge.pk] == pledge.quantity
        elif pledge.status == Pledge.Status.PARTIALLY_FULFILLED:
            assert 0 < received[pledge.pk] < pledge.quantity
        else:
            assert pledge.pk not in received
    assert not pledges.filter(need__project__status=Project.Status.DRAFT).exists()

    assert "nothing to do" in generate()
    assert Pledge.objects.count() == 300


def test_dry_run_writes_nothing():
    assert "Would create" in generate(dry_run=True)
    assert not Project.objects.exists()
