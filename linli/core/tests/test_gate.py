"""The gate: views and API code do not query models themselves.

A page or an endpoint reads through its app's ``selectors.py`` (which passes user-facing querysets through
``restrict()``) and writes through ``services.py``. This test reads the source of every view and API module and
fails on a model manager reached there (``Model.objects…``, ``_default_manager``, ``_base_manager``) or on a
model class handed to ``get_object_or_404`` — outside the short allow-list below, where each entry says why.
"""

import ast
from pathlib import Path

import linli

ROOT = Path(linli.__file__).resolve().parent
REPO = ROOT.parent

# "path" (the whole file) or "path::function" (one function or method, ``Class.method``) → why it may query.
ALLOWED: dict[str, str] = {
    # Empty: every view and API reads through selectors. An entry needs a reason a reviewer accepts.
}

MANAGERS = {"objects", "_default_manager", "_base_manager"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}


def gated_files() -> list[Path]:
    """Views and API code of every app: ``views/``, ``api/``, ``open311/`` packages and any ``views.py``."""
    files = set()
    for pattern in ("*/views/**/*.py", "*/api/**/*.py", "*/open311/**/*.py", "**/views.py"):
        files.update(p for p in ROOT.glob(pattern) if "tests" not in p.parts and "migrations" not in p.parts)
    return sorted(files)


class _Finder(ast.NodeVisitor):
    def __init__(self):
        self.scope: list[str] = []
        self.found: list[tuple[str, int, str]] = []

    def _enter(self, node):
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _enter

    def _add(self, node, what: str):
        self.found.append((".".join(self.scope) or "<module>", node.lineno, what))

    def visit_Attribute(self, node):
        if node.attr in MANAGERS:
            self._add(node, f"{ast.unparse(node)}")
        self.generic_visit(node)

    def visit_Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name in SHORTCUTS and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id[:1].isupper():
            self._add(node, f"{name}({node.args[0].id}, …)")
        self.generic_visit(node)


def offences(path: Path) -> list[tuple[str, int, str]]:
    finder = _Finder()
    finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return finder.found


def _allowed(rel: str, where: str) -> str | None:
    top = where.split(".")[0]
    for key in (rel, f"{rel}::{where}", f"{rel}::{top}"):
        if key in ALLOWED:
            return key
    return None


def test_views_and_api_do_not_query_models():
    bad = []
    for path in gated_files():
        rel = path.relative_to(REPO).as_posix()
        for where, line, what in offences(path):
            if _allowed(rel, where) is None:
                bad.append(f"{rel}:{line} in {where}: {what}")
    assert not bad, (
        "视图与接口代码不得直接查询模型：读取请写在本应用的 selectors.py（面向用户的经 restrict()），写入请写在 "
        "services.py。/ Views and API code must not query models: put reads in the app's selectors.py (through "
        "restrict() where user-facing) and writes in services.py.\n" + "\n".join(bad)
    )


def test_every_allow_list_entry_is_still_needed():
    used = set()
    for path in gated_files():
        rel = path.relative_to(REPO).as_posix()
        for where, _line, _what in offences(path):
            if key := _allowed(rel, where):
                used.add(key)
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"允许清单中的条目已不再需要，请删除 / allow-list entries no longer needed: {stale}"


def test_the_gate_sees_a_query_in_a_view(tmp_path):
    """The finder itself: a manager call, a bare model handed to the shortcut, and clean code."""
    source = tmp_path / "views.py"
    source.write_text(
        "def page(request):\n"
        "    rows = House.objects.filter(pk=1)\n"
        "    one = get_object_or_404(House, pk=2)\n"
        "    other = House._default_manager.all()\n"
        "class V:\n"
        "    def base_queryset(self):\n"
        "        return selectors.house_rows()\n",
        encoding="utf-8",
    )
    found = offences(source)
    assert [(where, line) for where, line, _ in found] == [("page", 2), ("page", 3), ("page", 4)]
    assert all(p.suffix == ".py" for p in gated_files()) and any(p.name == "views.py" for p in gated_files())
