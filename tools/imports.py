"""Count the import graph's cycles and upward imports between the parts of ``linli``; tests are left out.

    python tools/imports.py            # the summary: package edges, cycles, upward imports
    python tools/imports.py --lines    # also every import line behind each cycle and upward edge

A part is a child of ``linli``: an app (``linli.core``) or a top-level module (``linli.urls``). The intended layers,
lowest first, are those of the import-linter contract in ``pyproject.toml``; this command reads them from there so
the two never disagree. Exits 1 when it finds a cycle or an upward import (what CI's ``lint-imports`` also refuses),
0 otherwise. Uses grimp, which import-linter brings; imports inside functions count as imports, as they do for
import-linter.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "linli"


def is_test(module: str) -> bool:
    """A test module: ``linli.<app>.tests`` and everything under it (``linli.testing`` is a helper, not a test)."""
    return ".tests." in module + "." or module.endswith(".tests")


def part_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def intended_layers(pyproject: Path) -> list[tuple[list[str], bool]]:
    """The layers contract in pyproject.toml, lowest first: (parts, independent) per layer.

    Siblings split on ``|`` are independent (may not import each other), on ``:`` they may; a name in
    parentheses is optional (the app may not exist yet)."""
    config = tomllib.loads(pyproject.read_text())
    for contract in config.get("tool", {}).get("importlinter", {}).get("contracts", []):
        if contract.get("type") != "layers":
            continue
        container = (contract.get("containers") or [""])[0]
        layers = []
        for layer in reversed(contract["layers"]):  # import-linter lists the highest layer first
            independent = ":" not in layer
            names = [n.strip().strip("()") for n in layer.replace(":", "|").split("|")]
            layers.append(([f"{container}.{n}" if container else n for n in names], independent))
        return layers
    raise SystemExit(f"{pyproject} has no [tool.importlinter] layers contract")


def build(root: Path) -> tuple[dict[tuple[str, str], list[tuple[str, str, int]]], list[str]]:
    """Edges between parts → the import lines behind them (importer, imported, line), and the parts."""
    sys.path.insert(0, str(root))
    graph = grimp.build_graph(PACKAGE)
    modules = [m for m in graph.modules if not is_test(m)]
    parts = sorted({part_of(m) for m in modules if m != PACKAGE})
    edges: dict[tuple[str, str], list[tuple[str, str, int]]] = defaultdict(list)
    for importer in modules:
        if importer == PACKAGE:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            if imported == PACKAGE or is_test(imported) or not imported.startswith(PACKAGE + "."):
                continue
            a, b = part_of(importer), part_of(imported)
            if a == b:
                continue
            details = graph.get_import_details(importer=importer, imported=imported)
            for d in details or [{"line_number": 0}]:
                edges[(a, b)].append((importer, imported, d["line_number"]))
    return edges, parts


def strongly_connected(parts: list[str], edges) -> list[list[str]]:
    """Tarjan's algorithm over the part graph: the components with more than one part are the cycles."""
    succ = defaultdict(list)
    for a, b in edges:
        succ[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in parts:
        if v not in index:
            visit(v)
    return sorted(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", action="store_true", help="print the import lines behind each finding")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to read (default: this one)")
    parser.add_argument("--pyproject", type=Path, help="the contract to read (default: ROOT/pyproject.toml)")
    args = parser.parse_args()

    edges, parts = build(args.root.resolve())
    layers = intended_layers(args.pyproject or args.root / "pyproject.toml")
    rank = {name: i for i, (layer, _) in enumerate(layers) for name in layer}
    independent = {name: ind for layer, ind in layers for name in layer}
    unplaced = [p for p in parts if p not in rank]

    def show(a: str, b: str) -> None:
        if args.lines:
            for importer, imported, line in sorted(edges[(a, b)]):
                print(f"        {importer}:{line} → {imported}")

    print(f"Parts of {PACKAGE} (tests left out): {len(parts)}")
    print("Intended layers, lowest first:")
    for i, (layer, ind) in enumerate(layers):
        print(f"  {i}. {(' | ' if ind else ' : ').join(layer)}")
    if unplaced:
        print(f"  not in any layer: {', '.join(unplaced)}")

    print(f"\nPackage-level edges ({len(edges)}), importer → imported (import lines):")
    for (a, b), lines in sorted(edges.items()):
        print(f"  {a} → {b} ({len(lines)})")

    pairs = sorted((a, b) for (a, b) in edges if a < b and (b, a) in edges)
    sccs = strongly_connected(parts, edges)
    print(f"\nCycles: {len(sccs)} strongly connected component(s), {len(pairs)} pair(s) importing each other")
    for comp in sccs:
        print(f"  component: {' ⇄ '.join(comp)}")
    for a, b in pairs:
        weaker = min((a, b), (b, a), key=lambda e: len(edges[e]))  # the direction a fix would remove
        print(f"  pair: {a} ⇄ {b} ({len(edges[(a, b)])} / {len(edges[(b, a)])} line(s))")
        show(*weaker)

    upward = sorted((a, b) for (a, b) in edges if a in rank and b in rank and rank[a] < rank[b])
    sideways = sorted((a, b) for (a, b) in edges if a in rank and b in rank and rank[a] == rank[b] and independent[a])
    print(f"\nUpward imports: {len(upward)} edge(s), {sum(len(edges[e]) for e in upward)} import line(s)")
    for a, b in upward:
        print(f"  {a} (layer {rank[a]}) → {b} (layer {rank[b]}): {len(edges[(a, b)])} line(s)")
        show(a, b)
    print(f"Imports between independent siblings: {len(sideways)} edge(s)")
    for a, b in sideways:
        print(f"  {a} → {b}: {len(edges[(a, b)])} line(s)")
        show(a, b)

    print(
        f"\nSummary: {len(sccs)} cycle(s), {len(pairs)} mutual pair(s), {len(upward)} upward edge(s), "
        f"{len(sideways)} sibling edge(s), {len(unplaced)} unplaced part(s)"
    )
    return 1 if (sccs or upward or sideways) else 0


if __name__ == "__main__":
    sys.exit(main())
