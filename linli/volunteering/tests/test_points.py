"""爱心积分: a double-entry ledger in Decimal; balances derived; reversals are new entries; redemption checks."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from linli.core.errors import ConflictError, DomainError
from linli.core.factories import UserFactory
from linli.volunteering import services
from linli.volunteering.models import PointPosting, Reward

pytestmark = pytest.mark.django_db


@pytest.fixture
def reward(world):
    return services.reward_create(region=world.community, name="理发一次", kind=Reward.Kind.SERVICE, cost="30", stock=1)


def test_every_entry_balances_and_the_balance_is_derived(world):
    user = UserFactory()
    services.points_award(user=user, amount=Decimal("12.50"), memo="活动", actor=None)
    services.points_award(user=user, amount=Decimal("7.50"), memo="活动", actor=None)
    assert services.balance(services.person_account(user)) == Decimal("20.00")
    assert PointPosting.objects.aggregate(s=Sum("amount"))["s"] == 0
    with pytest.raises(TypeError):
        services.points_award(user=user, amount=1.5, memo="浮点数", actor=None)


def test_redeeming_spends_points_and_stock_and_refuses_when_short(world, reward):
    user = UserFactory()
    with pytest.raises(DomainError, match="积分不足"):
        services.redeem(user=user, reward=reward)
    services.points_award(user=user, amount=Decimal("70"), memo="活动", actor=None)
    services.redeem(user=user, reward=reward)
    assert services.balance(services.person_account(user)) == Decimal("40")
    with pytest.raises(DomainError, match="已兑完"):
        services.redeem(user=user, reward=Reward.objects.get(pk=reward.pk))


def test_a_reversal_is_a_new_entry_and_restores_balance_and_stock(world, reward):
    user = UserFactory()
    services.points_award(user=user, amount=Decimal("30"), memo="活动", actor=None)
    redemption = services.redeem(user=user, reward=reward)
    n = PointPosting.objects.count()
    reversal = services.points_reverse(entry=redemption.entry, actor=user, memo="商家无法提供，退回")
    assert reversal.reverses == redemption.entry and PointPosting.objects.count() == n + 2
    assert services.balance(services.person_account(user)) == Decimal("30")
    assert Reward.objects.get(pk=reward.pk).stock == 1
    with pytest.raises(ConflictError):
        services.points_reverse(entry=redemption.entry, actor=user)
