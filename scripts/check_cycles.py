#!/usr/bin/env python
"""scripts/check_cycles.py [--verbose] [ROOT]

检查导入循环 / Fails when the project's own modules import each other in a circle at import
time.

Every ``.py`` file of the repository (apps, config, tests, bench; not .venv, .tools, var) is
parsed with ``ast``, not imported. The imports that count are those Python runs when the
module is imported: at module level, including inside ``if``/``try``/``with`` blocks and class
bodies. Imports inside a function or method do not count (they run later, once everything is
loaded: the HackSoft way for a task to reach its service), nor do ``if TYPE_CHECKING:`` blocks.
``from package import name`` counts as importing ``package.name`` when that is a module of
ours, else as importing ``package`` (its ``__init__``).

Exit status 0 when there is no cycle, 1 when there is one (each printed as a chain
``a -> b -> a`` with the line of each import), 2 on a file that does not parse.
"""

import argparse
import ast
import sys
from collections import deque
from pathlib import Path

SKIP_DIRS = {".git", ".venv", ".tools", "var", "node_modules", "__pycache__", "static", "templates"}


def module_files(root):
    """{dotted module name: path} for every .py file under ``root`` (packages by __init__.py or
    by folder: namespace packages count too)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts and all(part.isidentifier() for part in parts):
            modules[".".join(parts)] = path
    return modules


def is_type_checking(test):
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_time_imports(tree):
    """The Import/ImportFrom nodes that run when the module is imported."""
    found = []

    def visit(nodes):
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # runs when called, not when imported
            elif isinstance(node, ast.If) and is_type_checking(node.test):
                visit(node.orelse)
            else:
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        visit(children)

    visit(tree.body)
    return found


def resolve(node, module, is_package, modules):
    """The modules of ours that ``node`` (in ``module``) imports -> [(name, line)]."""
    targets = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            targets.append(alias.name)
    else:
        if node.level:
            package = module if is_package else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{node.module}" if node.module else package
        else:
            base = node.module or ""
        for alias in node.names:
            candidate = f"{base}.{alias.name}" if base else alias.name
            targets.append(candidate if candidate in modules else base)
    return [(target, node.lineno) for target in targets if target in modules and target != module]


def import_graph(root):
    modules = module_files(root)
    graph = {}
    for module, path in modules.items():
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            print(f"{path}: cannot parse: {exc}", file=sys.stderr)
            sys.exit(2)
        is_package = path.name == "__init__.py"
        edges = {}
        for node in import_time_imports(tree):
            for target, line in resolve(node, module, is_package, modules):
                edges.setdefault(target, line)
        graph[module] = edges
    return modules, graph


def strongly_connected(graph):
    """Tarjan's algorithm, iterative -> components with more than one module."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return components


def shortest_cycle(graph, component):
    """A shortest chain from the component's first module back to itself, inside it."""
    start, members = component[0], set(component)
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(graph[node]):
            if child == start:
                chain = [node]
                while previous[chain[-1]] is not None:
                    chain.append(previous[chain[-1]])
                return [*reversed(chain), start]
            if child in members and child not in previous:
                previous[child] = node
                queue.append(child)
    return component


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("root", nargs="?", default=Path(__file__).resolve().parent.parent, type=Path)
    parser.add_argument("--verbose", action="store_true", help="also list every module and what it imports")
    args = parser.parse_args()
    modules, graph = import_graph(args.root.resolve())
    if args.verbose:
        for module in sorted(graph):
            print(f"{module}: {', '.join(sorted(graph[module])) or '-'}")
    cycles = strongly_connected(graph)
    if not cycles:
        print(f"[cycles] 无导入循环 / no import cycles ({len(modules)} modules)")
        return 0
    print(f"[cycles] 发现 {len(cycles)} 处导入循环 / {len(cycles)} import cycle(s):", file=sys.stderr)
    for component in cycles:
        chain = shortest_cycle(graph, component)
        steps = [
            f"{modules[a].relative_to(args.root.resolve())}:{graph[a][b]} imports {b}" for a, b in zip(chain, chain[1:])
        ]
        print(f"  {' -> '.join(chain)}", file=sys.stderr)
        for step in steps:
            print(f"      {step}", file=sys.stderr)
        if len(component) > len(chain) - 1:
            print(f"      (modules in this circle: {', '.join(component)})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
