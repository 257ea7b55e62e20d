"""Test factories for participation's notices part; @places for every scoped model of the part."""

import factory

from linli.core.factories import RegionFactory, places
from linli.participation.notices import services
from linli.participation.notices.models import LearningMaterial, Notice

__all__ = ["LearningMaterialFactory", "NoticeFactory"]


class NoticeFactory(factory.Factory):
    """A notice published now in ``region`` (through the service, so the receipts are written)."""

    class Meta:
        model = Notice

    region = factory.SubFactory(RegionFactory, level="grid")
    title = factory.Sequence(lambda n: f"测试通知{n}")
    body = "请各位居民知悉。"
    kind = Notice.Kind.NORMAL
    audience = None

    @classmethod
    def _create(cls, model_class, **kwargs) -> Notice:
        return services.publish_notice(author=kwargs.pop("author", None), **kwargs)


class LearningMaterialFactory(factory.Factory):
    """An article in ``region`` assigned to everyone there."""

    class Meta:
        model = LearningMaterial

    region = factory.SubFactory(RegionFactory, level="grid")
    title = factory.Sequence(lambda n: f"学习资料{n}")
    kind = LearningMaterial.Kind.ARTICLE
    body = "学习内容。"
    minutes_required = 1

    @classmethod
    def _create(cls, model_class, **kwargs) -> LearningMaterial:
        return services.material_create(author=kwargs.pop("author", None), **kwargs)


@places("participation.Notice")
def _notice_in(grid) -> Notice:
    return NoticeFactory(region=grid)


@places("participation.LearningMaterial")
def _material_in(grid) -> LearningMaterial:
    return LearningMaterialFactory(region=grid)
