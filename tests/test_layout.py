"""The tree tells the story: uploader by its flow, small modules, no import cycles."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("csvtools", "uploader")
MAX_LINES = 500


def _modules():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """The project modules ``path`` imports at module level (imports inside functions are deferred)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If):  # if TYPE_CHECKING: types only, never run
            continue
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        found.update(t for t in targets if t.split(".")[0] in PACKAGES)
    return found


def test_uploader_has_few_top_level_modules():
    top = sorted(p.name for p in (ROOT / "uploader").glob("*.py"))
    assert len(top) <= 6, top
    for folder in ("api", "campaign", "safety", "cli", "standin"):
        assert (ROOT / "uploader" / folder / "__init__.py").is_file(), folder


def test_no_module_over_500_lines():
    long = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long


def test_no_import_cycles():
    names = {_module_name(p): p for p in _modules()}
    graph = {
        name: {target for target in _imports(path) if target in names and target != name}
        for name, path in names.items()
    }
    # A package's __init__ importing its own submodules is how a package exposes them, not a cycle.
    for name in graph:
        graph[name] = {
            t for t in graph[name] if not (t.startswith(name + ".") and names[name].name == "__init__.py")
        }
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles[:5]


def test_uploader_folders_follow_the_flow():
    # The API client knows nothing of campaigns or call safety; call safety knows nothing of campaigns.
    def imports_of(folder: str) -> set[str]:
        return {t for p in (ROOT / "uploader" / folder).rglob("*.py") for t in _imports(p)}

    assert not {
        t for t in imports_of("api") if t.startswith(("uploader.campaign", "uploader.safety", "uploader.cli"))
    }
    assert not {t for t in imports_of("safety") if t.startswith(("uploader.campaign", "uploader.cli"))}
    assert not {t for t in imports_of("campaign") if t.startswith("uploader.cli")}
