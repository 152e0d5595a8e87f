"""The write path is claims/services.py: no other code creates, changes or deletes a domain row.

An architecture test: it reads the source of the project's packages with `ast` and names every call that writes
a domain row (a model of the claims app, its history included) anywhere but in the services, the migrations and
the dataset restore (a raw, lossless copy of rows and history). A new `Claim.objects.create(...)` in a view, a
`claim.save()` in a form or a `claim.topics.set(...)` in a command fails it, with the file and line.
"""

import ast
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
# bench/ is not among them: the benchmark bulk-loads synthetic rows into a database of its own, and is not
# installed in the site.
PACKAGES = [
    "claims",
    "public",
    "exchange",
    "demo",
    "factcheck",
    "archive",
    "background",
    "apikeys",
    "twofactor",
    "following",
    "webhooks",
]

# Whole files or folders left out, with the reason.
EXCLUDED = {
    "*/services.py": "the write path: claims/services.py for the record, each other app's for its own rows "
    "(keys, devices, captures, followed sites, webhook deliveries), which change the record only through claims'",
    "exchange/dataset.py": "the dataset restore: a raw, lossless restore of rows and their history",
    "background/": "infrastructure writing its own rows (task failures, recurring schedules), never the record",
}

# Calls on something that is not a domain row, by file ("*": any) and the receiver as written, with the reason.
ALLOWED = {
    ("*", "user"): "a staff account (auth.User), not a domain row",
    ("*", "super()"): "a model's or queryset's own save()/update() calling Django's (slug, cache generation)",
    ("claims/api/views.py", "serializer"): "ApiModelSerializer.create/update hand the write to the services",
    ("claims/api/views.py", "self.get_serializer()"): "ApiModelSerializer.delete hands the delete to the services",
    ("public/share_image.py", "image"): "a Pillow image saved as PNG bytes, not a domain row",
}

INSTANCE_WRITES = {"save", "delete"}
QUERY_WRITES = {"update", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
RELATED_WRITES = QUERY_WRITES | {"set", "add", "remove", "clear"}
MANAGERS = {"objects", "_default_manager", "_base_manager", "history"}


OTHER_MODELS = {m.__name__ for m in apps.get_models() if m._meta.app_label != "claims"}


def _accessors() -> set[str]:
    """The names of the domain's related managers (claim.topics, claim.evidence, statement.evidence, ...)."""
    models = list(apps.get_app_config("claims").get_models())
    accessors = set()
    for model in models:
        for field in model._meta.get_fields():
            if field.is_relation and (field.many_to_many or field.one_to_many):
                accessor = field.get_accessor_name() if field.auto_created else field.name
                if accessor and not accessor.endswith("+") and field.related_model in models:
                    accessors.add(accessor)
    return accessors


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    call: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.call}"


def _root_and_attributes(node) -> tuple[ast.AST, list[str]]:
    """`Claim.objects.filter(x=1).update` -> (Name Claim, ["objects", "filter"]): the chain under a call."""
    attributes = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node, attributes[::-1]


def writes_in(source: str, path: str) -> list[Write]:
    """The domain writes in one module's source."""
    accessors = _accessors()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        root, chain = _root_and_attributes(receiver)
        written = ast.unparse(receiver)
        if any(m in chain for m in MANAGERS) and isinstance(root, ast.Name):
            # A manager or queryset: of a domain model, or of a model held in a variable (`model.objects`).
            is_write = root.id not in OTHER_MODELS and method in QUERY_WRITES
        elif any(a in chain for a in accessors):
            is_write = method in RELATED_WRITES  # a related manager: claim.topics.set(...)
        else:
            is_write = method in INSTANCE_WRITES and written not in {"self", "cls"}  # obj.save(), obj.delete()
        if is_write and not any((where, written) in ALLOWED for where in (path, "*")):
            found.append(Write(path, node.lineno, f"{written}.{method}(…)"))
    return found


def _modules():
    for package in PACKAGES:
        folder = ROOT / package
        if not folder.is_dir():
            continue
        for file in sorted(folder.rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            if "/migrations/" in path or any(fnmatch(path, e) or path.startswith(e) for e in EXCLUDED):
                continue
            yield path, file.read_text()


def test_no_domain_row_is_written_outside_the_services():
    found = [write for path, source in _modules() for write in writes_in(source, path)]
    assert not found, "Domain rows written outside claims/services.py (call a service instead):\n" + "\n".join(
        map(str, found)
    )


def test_every_package_is_read():
    paths = [path for path, _ in _modules()]
    assert "claims/admin.py" in paths and "claims/api/views.py" in paths
    assert "exchange/claimreview_import.py" in paths and "demo/loader.py" in paths and "public/views.py" in paths
    assert not any(path.startswith("claims/migrations/") for path in paths)


@pytest.mark.parametrize(
    "line",
    [
        'Claim.objects.create(text="Added in a view.")',
        "Claim.objects.filter(pk=1).update(version=2)",
        "Claim.history.filter(id=1).update(published_at=None)",
        "Evidence.objects.bulk_create([])",
        "Topic.objects.get_or_create(name='x')",
        "Source._default_manager.all().delete()",
        "model.objects.bulk_create(rows)",
        "claim.save()",
        "claim.delete()",
        "Claim(text='x').save()",
        "claim.topics.set([])",
        "claim.evidence.all().delete()",
        "statement.evidence.create(claim=claim, stance='supports')",
    ],
)
def test_a_write_outside_the_services_is_found(line):
    assert writes_in(f"def view(request, claim, statement):\n    {line}\n", "claims/views.py")


@pytest.mark.parametrize(
    "line",
    [
        "data.update(extra)",
        "cache.set('key', 1)",
        "seen.add(1)",
        "Token.objects.filter(user=user).delete()",
        "Token.objects.get_or_create(user=user)",
        "user.save()",
        "Claim.objects.filter(pk=1).exists()",
        "claim.topics.all()",
        "services.claim_update(claim=claim, by=user, text='x')",
    ],
)
def test_reads_and_other_writes_are_not_flagged(line):
    assert not writes_in(f"def view(request, claim, user, data, extra, seen):\n    {line}\n", "claims/views.py")


def test_the_allow_list_is_short_and_explained():
    assert len(ALLOWED) <= 6 and len(EXCLUDED) <= 6
    assert all(reason.strip() for reason in [*ALLOWED.values(), *EXCLUDED.values()])
