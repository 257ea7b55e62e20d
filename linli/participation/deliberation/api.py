"""API of participation's deliberation part: /api/v1/matters/ and /api/v1/polls/ (+ ballots)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from linli.core.api.base import ScopedReadOnlyViewSet
from linli.core.masking import mask_name
from linli.core.scoping import has_action
from linli.participation.deliberation import selectors, services
from linli.participation.deliberation.filtersets import MatterFilterSet, PollFilterSet
from linli.participation.deliberation.models import Matter, Poll


class MatterSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Matter.Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    proposer_name = serializers.SerializerMethodField()

    class Meta:
        model = Matter
        fields = [
            "id", "title", "description", "region", "region_name", "proposer_kind", "proposer_name", "status",
            "status_label", "discussion_ends", "method", "owner_vote_id", "results_title", "results_body",
            "results_published_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_proposer_name(self, matter) -> str:
        """A resident proposer's name is masked (张*) for everyone but staff and the proposer."""
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if matter.proposer_kind != Matter.ProposerKind.RESIDENT or user is None or matter.proposer_id == user.pk:
            return matter.proposer_name
        return matter.proposer_name if has_action(user, "matter.moderate") else mask_name(matter.proposer_name)


class MatterCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000)
    region = serializers.IntegerField(required=False, help_text="工作人员：议题所属区域；居民：自动取居住社区")
    proposer_kind = serializers.ChoiceField(
        choices=Matter.ProposerKind.choices, required=False, help_text="resident / staff / committee"
    )


class PollOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    count = serializers.IntegerField(required=False, allow_null=True)


class PollSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Poll.Status.choices, read_only=True)
    per = serializers.ChoiceField(choices=Poll.Per.choices, read_only=True)
    options = serializers.SerializerMethodField()
    ballots = serializers.SerializerMethodField()

    class Meta:
        model = Poll
        fields = [
            "id", "title", "description", "region", "matter", "per", "multiple", "max_choices", "anonymous",
            "show_tally", "status", "closes_at", "closed_at", "options", "ballots",
        ]  # fmt: skip
        read_only_fields = fields

    def _visible(self, poll) -> bool:
        return poll.status == Poll.Status.CLOSED or poll.show_tally

    def get_options(self, poll) -> list[dict]:
        rows = selectors.result_rows(poll) if self._visible(poll) else None
        if rows is None:
            return [{"id": o.pk, "label": o.label, "count": None} for o in poll.options.all()]
        return [{"id": r["option"].pk, "label": r["option"].label, "count": r["count"]} for r in rows]

    def get_ballots(self, poll) -> int | None:
        return getattr(poll, "ballot_count", None) if self._visible(poll) else None


class BallotSerializer(serializers.Serializer):
    options = serializers.ListField(child=serializers.IntegerField(), help_text="所选选项的 id")


class MatterViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """议事协商的议题：列表、详情；居民为所在社区提出议题，工作人员为辖区提出（进入待审核）。"""

    kind = "matter"
    serializer_class = MatterSerializer
    filterset_class = MatterFilterSet

    def base_queryset(self):
        return selectors.matter_rows().order_by("-pk")

    def required_action(self, request) -> str:
        if self.action == "create":
            return "matter.add" if has_action(request.user, "matter.add") else "matter.propose"
        return super().required_action(request)

    def get_serializer_class(self):
        return MatterCreateSerializer if self.action == "create" else MatterSerializer

    def create(self, request, *args, **kwargs):
        form = MatterCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = request.user
        if has_action(user, "matter.add"):
            region = selectors.region_for(user=user, pk=data.get("region"))
            if region is None:
                return Response({"region": ["所属区域：请选择您辖区内的区域"]}, status=400)
            kind = data.get("proposer_kind") or Matter.ProposerKind.STAFF
        else:
            region, kind = services.home_region_of(user), Matter.ProposerKind.RESIDENT
        matter = services.matter_create(actor=user, region=region, title=data["title"],
                                        description=data["description"], proposer_kind=kind)  # fmt: skip
        return Response(MatterSerializer(matter, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PollViewSet(ScopedReadOnlyViewSet):
    """社区投票：列表、详情（结束前不公开票数，除非设置为公开）；投票见 ballots。"""

    kind = "poll"
    serializer_class = PollSerializer
    filterset_class = PollFilterSet

    def base_queryset(self):
        return selectors.poll_rows().prefetch_related("options").order_by("-pk")

    def required_action(self, request) -> str:
        return "poll.vote" if self.action == "ballots" else super().required_action(request)

    def get_queryset(self):
        if self.action == "ballots":
            from linli.core.scoping import restrict

            return restrict(self.request.user, "poll.view", self.base_queryset())
        return super().get_queryset()

    @extend_schema(request=BallotSerializer, responses={201: None})
    @action(detail=True, methods=["post"], url_path="ballots")
    def ballots(self, request, pk=None):
        """投一票：201；同一人（或同一户）第二次投票 409；不符合投票条件 403。"""
        poll = self.get_object()
        form = BallotSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            voter = services.ballot_cast(poll=poll, actor=request.user, option_ids=form.validated_data["options"])
        except services.NotEligible as exc:
            raise PermissionDenied(exc.message) from None
        return Response({"poll": poll.pk, "voted_at": voter.created_at}, status=status.HTTP_201_CREATED)


def register(router) -> None:
    """Register this part's viewsets on the /api/v1/ router."""
    router.register("matters", MatterViewSet, basename="matter")
    router.register("polls", PollViewSet, basename="poll")


api_urlpatterns = []
