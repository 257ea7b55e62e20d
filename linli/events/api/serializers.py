"""API shapes for events. Phones are masked; the reporter is shown only to staff (residents see their own)."""

import threading

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

from linli.core.models import Notification
from linli.events.models import Category, Event, EventPhoto, EventTask, EventTransition


class CategorySerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent_code", "handler_kind", "deadline_value", "deadline_unit", "urgency",
                  "emergency", "emergency_hint", "synonyms", "active"]  # fmt: skip


_bound = threading.local()


class BuiltFieldsOnce:
    """A read serializer whose fields are built once per thread and class, then re-attached to each instance.

    DRF builds (deep-copies) every field of a ModelSerializer for every serializer instance; for the event
    shapes that was most of the cost of a create's response and of a list page. The fields depend only on
    the class, and a serializer renders one object at a time, so one set per thread is reused: each new
    instance re-attaches them (``parent``), so ``context`` and method fields resolve against it. Also for a flat
    input serializer (the create's): DRF keeps what it validated and its errors on the serializer instance, never on
    its fields, so two requests one after the other in a thread share nothing but the field definitions.
    """

    @property
    def fields(self):
        mine = self.__dict__.get("_fields")
        if mine is not None:
            return mine
        built = _bound.__dict__.setdefault("fields", {})
        fields = built.get(type(self))
        if fields is None:
            fields = BindingDict(self)
            for name, field in self.get_fields().items():
                fields[name] = field
            built[type(self)] = fields
        else:
            fields.serializer = self
            for field in fields.values():
                field.parent = self
        self.__dict__["_fields"] = fields
        return fields


class EventSerializer(BuiltFieldsOnce, serializers.ModelSerializer):
    category_code = serializers.CharField(source="category.code", read_only=True, allow_null=True, default=None)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True, default=None)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    handler = serializers.CharField(source="handler_label", read_only=True)
    contact_phone = serializers.CharField(source="contact_phone_masked", read_only=True)
    reporter = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "number", "channel", "channel_label", "category_code", "category_name", "title",
                  "description", "status", "status_label", "reporter", "anonymous", "contact_phone", "house",
                  "building", "lat", "lng", "address", "region", "region_name", "needs_triage", "handler_kind",
                  "handler", "urgency", "emergency", "created_at", "accepted_at", "due_at", "warn_at",
                  "deadline_estimated", "resolved_at", "closed_at", "overdue", "supervision", "flagged", "result",
                  "rating", "rating_comment", "parent", "external_source", "external_id", "version"]  # fmt: skip

    def get_reporter(self, obj) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and (user.is_staff_role or obj.reporter_user_id == user.pk):
            return obj.reporter_name or (obj.reporter_user.display_name if obj.reporter_user_id else "")
        return obj.public_reporter

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue()


class TransitionSerializer(BuiltFieldsOnce, serializers.ModelSerializer):
    class Meta:
        model = EventTransition
        fields = ["action", "action_label", "from_status", "to_status", "actor_name", "note", "created_at"]


class PhotoSerializer(BuiltFieldsOnce, serializers.ModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = EventPhoto
        fields = ["id", "kind", "url", "content_type", "size", "created_at"]


class TaskSerializer(BuiltFieldsOnce, serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = EventTask
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "role",
            "status",
            "due_at",
            "result",
            "signed_at",
            "done_at",
        ]


class EventDetailSerializer(EventSerializer):
    """An event with its timeline (public steps only for residents), photos and 吹哨 tasks."""

    timeline = serializers.SerializerMethodField()
    photos = PhotoSerializer(many=True, read_only=True)
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta(EventSerializer.Meta):
        fields = EventSerializer.Meta.fields + ["timeline", "photos", "tasks"]

    @extend_schema_field(TransitionSerializer(many=True))
    def get_timeline(self, obj):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        public_only = user is None or not user.is_staff_role
        prefetched = getattr(obj, "_prefetched_objects_cache", {}).get("transitions")
        if prefetched is not None:  # e.g. a just-created event: no query
            rows = sorted((t for t in prefetched if t.public or not public_only), key=lambda t: (t.created_at, t.pk))
            return TransitionSerializer(rows, many=True).data
        qs = obj.transitions.all()
        if public_only:
            qs = qs.filter(public=True)
        return TransitionSerializer(qs.order_by("created_at", "pk"), many=True).data


class EventCreateSerializer(BuiltFieldsOnce, serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=8, required=False, allow_blank=True, allow_null=True, default=None,
                                     help_text="小类代码，如 0201；可留空由受理人确定")  # fmt: skip
    channel = serializers.CharField(
        required=False, default="", help_text="工作人员代登记时填写：phone/12345/12319/walk_in"
    )
    house = serializers.IntegerField(required=False, allow_null=True, default=None)
    building = serializers.IntegerField(required=False, allow_null=True, default=None)
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reporter_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text="读取时的 version；已被他人处理则返回 409")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="说明/理由")
    category = serializers.CharField(required=False, allow_blank=True, default="")
    handler = serializers.CharField(required=False, allow_blank=True, default="",
                                    help_text="user:ID / org:ID / kind:grid|care|service_centre；留空按派遣规则")  # fmt: skip
    parent = serializers.CharField(required=False, allow_blank=True, default="", help_text="合并到的事件编号")
    result = serializers.CharField(required=False, allow_blank=True, default="")
    passed = serializers.BooleanField(required=False, default=True)
    days = serializers.IntegerField(required=False, default=0)
    approve = serializers.BooleanField(required=False, default=True)
    outcome = serializers.ChoiceField(choices=["rework", "close"], required=False)
    lead = serializers.IntegerField(required=False)
    assists = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    rating = serializers.CharField(required=False, allow_blank=True, default="")
    flagged = serializers.BooleanField(required=False, default=True)


class ClassifyRequestSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


K_MESSAGE = "k：请填写 1–10 之间的整数（返回的建议条数）"


class ClassifyQuerySerializer(serializers.Serializer):
    k = serializers.IntegerField(
        min_value=1, max_value=10, default=3, help_text="返回的建议条数（1–10，默认 3）",
        error_messages={"invalid": K_MESSAGE, "min_value": K_MESSAGE, "max_value": K_MESSAGE,
                        "max_string_length": K_MESSAGE},
    )  # fmt: skip


class SuggestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    confidence = serializers.FloatField()


class ClassifyResponseSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)


class NotificationSerializer(serializers.ModelSerializer):
    event = serializers.SerializerMethodField(help_text="所涉事件的编号（id）；消息不涉及事件时为空")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "event", "read_at", "created_at"]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_event(self, obj) -> int | None:
        """The event's id when the message is about an event (messages may point at any record)."""
        if obj.target_type_id is None or obj.target_type_id != _event_type_id():
            return None
        return obj.target_id


def _event_type_id() -> int:
    from linli.events.selectors import event_content_type_id

    return event_content_type_id()


_PLANS: dict[type, dict] = {}  # serializer class → {name: (attname, formatter, is_fk)} of its model columns
_PLANS_LOCK = threading.Lock()


def _model_plan(cls) -> dict:
    """What ``cls`` renders of its model's own columns: per field name, the attribute and DRF's own formatter.

    Built once per process from fields DRF builds for ``cls`` (so datetimes, decimals and choices come out as
    the serializer's would); a formatter depends on settings only, never on the serializer it was built for.
    """
    plan = _PLANS.get(cls)
    if plan is None:
        with _PLANS_LOCK:
            fields = cls().get_fields()
            model = cls.Meta.model
            declared = set(cls._declared_fields)
            plan = {}
            for name, field in fields.items():
                if name in declared:
                    continue
                column = model._meta.get_field(name)
                plan[name] = (column.attname, field.to_representation, column.is_relation)
            _PLANS[cls] = plan
    return plan


def _plain(obj, plan: dict, name: str):
    attname, formatter, is_fk = plan[name]
    value = getattr(obj, attname)
    if value is None or is_fk:  # a foreign key renders as its primary key, which the _id column holds
        return value
    return formatter(value)


def created_event_data(event: Event, request) -> dict:
    """``EventDetailSerializer(event, context={"request": request}).data`` of a just-opened event, built directly.

    A create's response is one event with its first rows (``selectors.as_created``); the serializer's generic
    pass over 50 fields (field lookups, attribute walks, skip checks) cost a millisecond per create. Same keys in
    the same order, same values: ``test_api.test_a_created_events_response_is_the_detail_serializers``.
    """
    rows = getattr(event, "_prefetched_objects_cache", None)
    if rows is None or not {"transitions", "photos", "tasks"} <= rows.keys():
        return EventDetailSerializer(event, context={"request": request}).data
    plan = _model_plan(EventSerializer)
    category = event.category
    declared = {
        "category_code": None if category is None else str(category.code),
        "category_name": None if category is None else str(category.name),
        "status_label": str(event.get_status_display()),
        "channel_label": str(event.get_channel_display()),
        "region_name": str(event.region.name),
        "handler": str(event.handler_label),
        "contact_phone": str(event.contact_phone_masked),
        "reporter": EventSerializer.get_reporter(_Context(request), event),
        "overdue": event.is_overdue(),
    }
    data = {
        name: declared[name] if name in declared else _plain(event, plan, name) for name in EventSerializer.Meta.fields
    }
    user = getattr(request, "user", None)
    public_only = user is None or not user.is_staff_role
    steps = sorted((t for t in rows["transitions"] if t.public or not public_only), key=lambda t: (t.created_at, t.pk))
    step_plan = _model_plan(TransitionSerializer)
    data["timeline"] = [{name: _plain(step, step_plan, name) for name in TransitionSerializer.Meta.fields}
                        for step in steps]  # fmt: skip
    photo_plan = _model_plan(PhotoSerializer)
    data["photos"] = [
        {name: str(photo.get_absolute_url()) if name == "url" else _plain(photo, photo_plan, name)
         for name in PhotoSerializer.Meta.fields}
        for photo in rows["photos"]
    ]  # fmt: skip
    tasks = list(rows["tasks"])
    data["tasks"] = TaskSerializer(tasks, many=True).data if tasks else []
    return data


class _Context:
    """Stands in for a serializer where a method field's code reads only ``self.context``."""

    def __init__(self, request):
        self.context = {"request": request}
