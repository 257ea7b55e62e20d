"""API of participation's votes part: /api/v1/owner-votes/ (the contract of issue 11, names and shapes kept).

- ``POST /owner-votes/`` → 201 ``{"id", "electorate": {"units", "area", "owners"}}``
- ``GET /owner-votes/{id}/electorate/`` → ``[{"house", "area", "owner_key"}]``
- ``POST /owner-votes/{id}/ballots/`` → 201 ``{"receipt"}``; a second ballot for the unit → 409
- ``POST /owner-votes/{id}/close/``, ``GET /owner-votes/{id}/result/`` (fractions "p/q" in lowest terms)
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from linli.core.api.base import ScopedReadOnlyViewSet
from linli.core.errors import ConflictError, DomainError
from linli.participation.votes import selectors, services
from linli.participation.votes.models import OwnerVote


class OwnerVoteSerializer(serializers.ModelSerializer):
    compound = serializers.IntegerField(source="compound_id")
    status = serializers.CharField()
    electorate = serializers.SerializerMethodField()

    class Meta:
        model = OwnerVote
        fields = ["id", "compound", "title", "notice_date", "deadline", "status", "secret", "electorate"]

    def get_electorate(self, vote) -> dict:
        return {"units": vote.units, "area": str(vote.area), "owners": vote.owners}


class OwnerVoteItemInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    matter = serializers.IntegerField(min_value=1, max_value=9)


class OwnerVoteCreateSerializer(serializers.Serializer):
    compound = serializers.IntegerField()
    title = serializers.CharField(max_length=200)
    items = OwnerVoteItemInSerializer(many=True)
    notice_date = serializers.DateField(required=False)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    secret = serializers.BooleanField(required=False, default=True)


class BallotChoiceSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=0)
    choice = serializers.CharField()  # "yes" | "no" | "abstain"; checked by the service (no enum in the schema)


class BallotInSerializer(serializers.Serializer):
    house = serializers.IntegerField()
    choices = BallotChoiceSerializer(many=True)
    channel = serializers.CharField()  # "paper" | "app" | "assisted"
    assisted_by = serializers.IntegerField(required=False, allow_null=True)


def _forbidden(exc: DomainError):
    if exc.code == "forbidden":
        raise PermissionDenied(exc.message) from None
    raise exc


class OwnerVoteViewSet(ScopedReadOnlyViewSet):
    """业主表决. Staff of the compound's community open, enter paper ballots and close; others get 403/404."""

    kind = "ownervote"
    serializer_class = OwnerVoteSerializer

    def base_queryset(self):
        return selectors.vote_rows().order_by("-pk")

    def required_action(self, request) -> str:
        return {
            "create": "ownervote.add",
            "ballots": "ownervote.view",
            "close": "ownervote.change",
        }.get(self.action or "", "ownervote.view")

    @extend_schema(request=OwnerVoteCreateSerializer, responses={201: OwnerVoteSerializer})
    def create(self, request, *args, **kwargs):
        form = OwnerVoteCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        compound = selectors.compound_for(request.user, d["compound"])
        if compound is None:
            raise DomainError("小区：不存在或不在您的范围内", field="compound")
        try:
            vote = services.vote_create(
                actor=request.user,
                compound=compound,
                title=d["title"],
                items=[dict(i) for i in d["items"]],
                notice_date=d.get("notice_date"),
                deadline=d.get("deadline"),
                secret=d.get("secret", True),
            )
        except DomainError as exc:
            _forbidden(exc)
        return Response(OwnerVoteSerializer(vote).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses=inline_serializer(
            "OwnerVoteElector",
            {
                "house": serializers.IntegerField(),
                "area": serializers.CharField(),
                "owner_key": serializers.CharField(),
            },
            many=True,
        )
    )
    @action(detail=True, methods=["get"])
    def electorate(self, request, pk=None):
        vote = self.get_object()
        rows = selectors.electorate(vote).values_list("house_id", "area", "owner_key")
        return Response([{"house": h, "area": str(a), "owner_key": k} for h, a, k in rows])

    @extend_schema(
        request=BallotInSerializer,
        responses={201: inline_serializer("OwnerVoteReceipt", {"receipt": serializers.CharField()})},
    )
    @action(detail=True, methods=["post"])
    def ballots(self, request, pk=None):
        vote = self.get_object()
        form = BallotInSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        d = form.validated_data
        assisted_by = None
        if d.get("assisted_by"):
            assisted_by = selectors.staff_user(request.user, d["assisted_by"], vote)
            if assisted_by is None:
                raise DomainError("协助人：应为本社区的网格员", field="assisted_by")
        try:
            receipt = services.ballot_cast(
                actor=request.user,
                vote=vote,
                house_id=d["house"],
                choices=[dict(c) for c in d["choices"]],
                channel=d["channel"],
                assisted_by=assisted_by,
            )
        except ConflictError:
            raise
        except DomainError as exc:
            _forbidden(exc)
        return Response({"receipt": receipt}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: OwnerVoteSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        vote = self.get_object()
        try:
            vote = services.vote_close(actor=request.user, vote=vote)
        except ConflictError:
            raise
        except DomainError as exc:
            _forbidden(exc)
        return Response(OwnerVoteSerializer(vote).data)

    @extend_schema(responses=inline_serializer("OwnerVoteResult", {"quorum_met": serializers.BooleanField()}))
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        vote = self.get_object()
        if vote.status != OwnerVote.Status.CLOSED or vote.result is None:
            raise ConflictError("该表决尚未结束，结束后才能查看结果。")
        return Response(vote.result)

    def get_object(self):
        obj = super().get_object()
        if obj is None:
            raise NotFound("该表决不存在或不在您的范围内。")
        return obj


def register(router) -> None:
    router.register("owner-votes", OwnerVoteViewSet, basename="ownervote")


api_urlpatterns = []
