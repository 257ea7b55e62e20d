"""Two ballots for the same unit at the same moment (two clerks entering the same paper ballot, or the owner in
the app while a clerk enters paper): PostgreSQL keeps exactly one."""

import threading

import pytest
from django.db import connection

from linli.core.errors import ConflictError


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_voting_yields_one_ballot():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: real concurrent writers (SQLite serialises all writers)")
    from linli.participation.votes import services
    from linli.participation.votes.factories import OwnerVoteFactory, compound_with_houses
    from linli.participation.votes.models import Ballot, OwnerVote, Turnout

    compound, houses = compound_with_houses()
    vote = OwnerVoteFactory(compound=compound)
    barrier = threading.Barrier(4)
    results: list[str] = []

    def cast():
        from django.db import connections

        try:
            stale = OwnerVote.objects.get(pk=vote.pk)
            barrier.wait(timeout=10)
            services.ballot_cast(actor=None, vote=stale, house_id=houses[0].pk,
                                 choices=[{"item": 0, "choice": "yes"}], channel="paper")  # fmt: skip
            results.append("counted")
        except ConflictError:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["counted", "refused", "refused", "refused"]
    assert Turnout.objects.filter(vote=vote).count() == 1
    assert Ballot.objects.filter(vote=vote).count() == 1


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_turnout_row_for_a_unit():
    """The rule does not rest on the service's check: the unique constraint holds on any database."""
    from django.db import IntegrityError, transaction

    from linli.participation.votes.factories import OwnerVoteFactory, compound_with_houses
    from linli.participation.votes.models import Turnout

    compound, houses = compound_with_houses()
    vote = OwnerVoteFactory(compound=compound)
    Turnout.objects.create(vote=vote, house=houses[0], channel="paper")
    with pytest.raises(IntegrityError), transaction.atomic():
        Turnout.objects.create(vote=vote, house=houses[0], channel="app")
