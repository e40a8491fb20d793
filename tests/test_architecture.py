"""The layering, checked from the source: imports point one way and modules form no cycles.

Every import statement counts, at module level or inside a function: a deferred import is still a
dependency (imports under `if TYPE_CHECKING:` don't run and don't count). The one cycle allowed is between a service module and its own app's tasks module (the
service schedules the task, the task calls the service).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. An app may import its own modules and the apps of a lower layer, never a higher
# one nor a sibling of its own layer. A new app must be placed here.
LAYERS: list[set[str]] = [
    {"common"},
    {"brokers"},
    {"records"},
    {"notifications"},
    {"deals"},
    {"intake"},
    {"contracts"},
    {"payments"},
    {"followup"},
    {"rewards"},
    {"challenges"},
    {"stats"},
    {"demo"},
    {"config"},
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
NOT_APPS = {"tests", "bench", "scripts", "docs", "templates", "static", "locale", "node_modules"}


def project_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        top = rel.parts[0]
        if len(rel.parts) == 1 or top.startswith(".") or top in NOT_APPS:
            continue
        if "migrations" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (type-only imports never run)."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                pending.extend(child.orelse)
                continue
            pending.append(child)
    return nodes


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports (the longest known module prefix of each import)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def resolve(dotted: str) -> None:
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in modules:
                if candidate != name:
                    found.add(candidate)
                return

    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join([*base, node.module] if node.module else base)
            else:
                stem = node.module or ""
            for alias in node.names:  # `from deals import services` imports deals.services
                resolve(f"{stem}.{alias.name}")
            resolve(stem)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def app_of(module: str) -> str:
    return module.split(".")[0]


def test_every_app_has_a_place_in_the_layers():
    apps = {app_of(m) for m in project_modules()}
    unplaced = sorted(apps - set(RANK))
    assert not unplaced, f"place these apps in LAYERS of {Path(__file__).name}: {unplaced}"


def test_no_app_imports_a_higher_app_or_a_sibling():
    wrong = []
    for module, targets in import_graph().items():
        source_app = app_of(module)
        for target in targets:
            target_app = app_of(target)
            if target_app == source_app:
                continue
            if RANK.get(target_app, -1) >= RANK.get(source_app, -1):
                wrong.append(f"{module} → {target}")
    assert not wrong, "imports against the layering:\n" + "\n".join(sorted(wrong))


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
    return components


def is_service_and_its_tasks(component: set[str]) -> bool:
    """{x.services[.*], x.tasks} of one package x: the one cycle the layering allows."""
    packages = set()
    for module in component:
        package, _, leaf = module.rpartition(".")
        if leaf == "tasks":
            packages.add(package)
        elif ".services" in f".{module}":
            packages.add(module.split(".services")[0])
        else:
            return False
    return len(packages) == 1


def test_no_import_cycles_but_a_service_and_its_tasks():
    cycles = [c for c in strongly_connected(import_graph()) if not is_service_and_its_tasks(c)]
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(sorted(c)) for c in cycles)


def test_the_checker_sees_a_deferred_import_and_a_cycle():
    # The checks above pass on this tree; prove they would notice what they look for.
    graph = {"deals.a": {"rewards.b"}, "rewards.b": {"deals.a"}}
    assert strongly_connected(graph) == [{"deals.a", "rewards.b"}]
    assert not is_service_and_its_tasks({"deals.a", "rewards.b"})
    assert is_service_and_its_tasks({"contracts.services", "contracts.tasks"})
    assert "rewards.tasks" in import_graph()["rewards.apps"]  # imported inside a function
