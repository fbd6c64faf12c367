"""The layers ARCHITECTURE.md draws: `make lint` checks the contracts in .importlinter; this
test checks that no module imports itself back through others (no import cycle, lazy imports
inside functions included) and that the contracts still run against this tree."""

from __future__ import annotations

import grimp

from procure import PACKAGE_DIR


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_module_imports_itself_back() -> None:
    assert _cycles(grimp.build_graph("procure")) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="c")
    graph.add_import(importer="c", imported="a")
    assert _cycles(graph) == [["a", "b", "c"]]


def test_the_contracts_name_every_domain_area() -> None:
    contracts = (PACKAGE_DIR.parent.parent / ".importlinter").read_text()
    areas = [
        path.parent.name
        for path in PACKAGE_DIR.glob("*/services.py")
        if path.parent.name not in {"audit", "security", "jobs", "risk", "ocds", "backup"}
    ]
    missing = [
        area for area in areas if f"[importlinter:contract:services-{area}]" not in contracts
    ]
    assert missing == [], f"add these areas to .importlinter: {missing}"
