"""manage.py train_classifier [--report] [--cv]: retrain the event classifier and save it under VAR_DIR."""

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from linli.events import classifier


class Command(BaseCommand):
    help = (
        "重新训练事件分类模型（已提交的标注数据 + 受理员的更正），保存到 VAR_DIR/classifier/。"
        " --report 打印留出集上的准确率和薄弱类别。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--report", action="store_true", help="also print held-out and blind-set figures")
        parser.add_argument("--cv", action="store_true", help="with --report: add 4-fold cross-validation (slower)")
        parser.add_argument("--no-feedback", action="store_true", help="train from the committed data only")

    def handle(self, *args, report=False, cv=False, no_feedback=False, **options):
        extra = [] if no_feedback else self._feedback()
        metrics = classifier.train(extra)
        self.stdout.write(
            f"模型已保存：{metrics['path']}\n"
            f"  样本 {metrics['n_samples']}（标注 {metrics['n_committed']}，更正 {metrics['n_extra']}，"
            f"丢弃 {metrics['n_extra_dropped']}），类别 {metrics['n_classes']}，用时 {metrics['train_seconds']} 秒"
        )
        if report:
            self._report(classifier.evaluate(cv=cv))

    def _feedback(self) -> list:
        """Staff corrections from the events app; training goes on without them if they are unavailable."""
        try:
            from linli.events.selectors import training_feedback
        except ImportError:
            self.stderr.write("未找到 linli.events.selectors.training_feedback：只用已提交的标注数据训练。")
            return []
        try:
            return list(training_feedback())
        except DatabaseError as exc:
            self.stderr.write(f"读取更正数据失败（{exc}）：只用已提交的标注数据训练。")
            return []

    def _report(self, report: dict) -> None:
        w = self.stdout.write
        w(f"\n评估模型训练样本 {report['train_samples']}，训练用时 {report['fit_seconds']} 秒")
        labels = {"heldout": "留出集（手写 bucket 0）", "blind": "盲测集（调参后新写）", "cv": "4 折交叉验证（手写）"}
        for name, figures in report["sets"].items():
            w(
                f"\n{labels.get(name, name)}：n={figures['n']}  大类 top-1 {figures['top1_category']:.1%}  "
                f"小类 top-1 {figures['top1_sub']:.1%}  小类 top-3 {figures['top3_sub']:.1%}"
            )
            if "mean_confidence" in figures:
                w(f"  平均置信度 {figures['mean_confidence']:.2f}  ECE {figures['ece']:.3f}")
            if figures.get("weak_classes"):
                weak = "；".join(
                    f"{c['code']} {c['name']} {c['recall']:.0%}（n={c['n']}）" for c in figures["weak_classes"]
                )
                w(f"  薄弱类别（top-1 召回）：{weak}")
            for c in figures.get("confusions", []):
                w(f"  混淆 {c['gold']}→{c['predicted']} ×{c['n']}：{c['example']}")
        if "offtopic" in report:
            o = report["offtopic"]
            w(
                f"\n无关文本（留出 n={o['n']}）：最高置信度 平均 {o['mean_top_confidence']:.2f}，"
                f"最大 {o['max_top_confidence']:.2f}"
            )
