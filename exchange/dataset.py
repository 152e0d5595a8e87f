"""A lossless dump of everything the newsroom holds, and its restore into an empty database.

The format is described in docs/DATASET.md: JSON Lines, a header line, then one object per
row in a fixed order (by type, then id), keys sorted, so the same data always gives the same bytes.

The restore is the one writer of domain rows outside claims/services.py, on purpose: it is a raw,
lossless restore of rows and their history (ids, dates, versions, who changed what) into an empty
database, not a sequence of editorial changes, so it bulk-inserts rows as they were dumped.
"""

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TextIO

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from claims.models import (
    Claim,
    Evidence,
    ExternalReview,
    PublicNote,
    PublicProfile,
    Source,
    Speaker,
    Statement,
    Topic,
    VerdictChange,
)

FORMAT = "factcheck-dataset"
VERSION = 1
RESTORE_REASON = "Restored from dataset"
BATCH = 500
MAX_ERRORS = 50

# Types in the order they are written and restored: everything a row refers to comes first.
TYPES: dict[str, type[models.Model]] = {
    "topic": Topic,
    "speaker": Speaker,
    "source": Source,
    "statement": Statement,
    "claim": Claim,
    "evidence": Evidence,
    "verdict_change": VerdictChange,
    "external_review": ExternalReview,
    "public_note": PublicNote,
    "public_profile": PublicProfile,
}
TYPE_OF_MODEL = {model: name for name, model in TYPES.items()}
# Users are not part of the dataset: a verdict change, a public note and a public name name their user by username.
USER_FIELD = {VerdictChange: "changed_by", PublicNote: "written_by", PublicProfile: "user"}
USER_FIELDS = set(USER_FIELD.items())


class DatasetError(Exception):
    """The dataset cannot be restored; messages says why, line by line."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("\n".join(messages))


def _fields(model) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _encode(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _dumps(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def export_dataset(out: TextIO) -> Counter:
    """Write the whole dataset to out; returns the number of rows of each type."""
    counts = Counter({name: model.objects.count() for name, model in TYPES.items()})
    header = {"format": FORMAT, "version": VERSION, "counts": {name: counts[name] for name in TYPES}}
    out.write(_dumps(header) + "\n")
    user_ids = set()
    for model, field in USER_FIELD.items():
        user_ids.update(model.objects.exclude(**{field: None}).values_list(field, flat=True).distinct())
    usernames = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    topics_of = defaultdict(list)
    for claim_id, topic_id in Claim.topics.through.objects.order_by("claim_id", "topic_id").values_list(
        "claim_id", "topic_id"
    ):
        topics_of[claim_id].append(topic_id)
    for name, model in TYPES.items():
        fields = _fields(model)
        for obj in model.objects.order_by("pk").iterator(chunk_size=2000):
            row = {"type": name}
            for field in fields:
                value = field.value_from_object(obj)
                if (model, field.name) in USER_FIELDS:
                    value = usernames.get(value)
                row[field.name] = _encode(value)
            if model is Claim:
                row["topics"] = topics_of.get(obj.pk, [])
            out.write(_dumps(row) + "\n")
    return counts


# Restore --------------------------------------------------------------------------------------


def existing_rows() -> dict[str, int]:
    """Rows already in the tables a restore writes; a restore needs them all empty."""
    found = {name: model.objects.count() for name, model in TYPES.items()}
    found["claim topics"] = Claim.topics.through.objects.count()
    return {name: n for name, n in found.items() if n}


def _json_type_ok(field: models.Field, value, is_user: bool) -> str | None:
    """What is wrong with the JSON type of value for field, or None."""
    if value is None:
        return None if field.null else "must not be null"
    if is_user:
        return None if isinstance(value, str) and value else "must be a username"
    if isinstance(field, models.JSONField):
        return None if isinstance(value, list | dict) else "must be a JSON list or object"
    if field.is_relation or isinstance(field, models.IntegerField | models.AutoField):
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be an integer"
    if isinstance(field, models.BooleanField):
        return None if isinstance(value, bool) else "must be true or false"
    return None if isinstance(value, str) else "must be a string"


def _convert(field: models.Field, value):
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        parsed = datetime.fromisoformat(value)
        if timezone.is_naive(parsed):
            raise ValueError("needs a time zone offset")
        return parsed
    if isinstance(field, models.DateField):
        return date.fromisoformat(value)
    if isinstance(field, models.DecimalField):
        return Decimal(value)
    return value


class _Reader:
    def __init__(self, unit: str = "line"):
        self.unit = unit  # how a message names the row's place: a line of a .jsonl file, an entry of a list
        self.errors: list[str] = []
        self.rows: dict[str, dict[int, tuple[int, dict]]] = {name: {} for name in TYPES}
        self.header: dict | None = None

    def error(self, line: int, message: str) -> None:
        self.errors.append(f"{self.unit} {line}: {message}")
        if len(self.errors) >= MAX_ERRORS:
            raise DatasetError([*self.errors, f"… stopped after {MAX_ERRORS} errors."])

    def read(self, lines) -> None:
        n = 0
        for n, raw in enumerate(lines, start=1):
            if not raw.strip():
                self.error(n, "empty line")
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as error:
                self.error(n, f"not valid JSON: {error.msg} at column {error.colno}")
                continue
            if not isinstance(obj, dict):
                self.error(n, "not a JSON object")
            elif n == 1:
                self.read_header(obj)
            elif self.header is not None:
                self.read_row(n, obj)
        if n == 0:
            raise DatasetError(["The file is empty: expected a factcheck-dataset header line."])

    def read_header(self, obj: dict) -> None:
        if obj.get("format") != FORMAT:
            raise DatasetError([f"{self.unit} 1: not a {FORMAT} file (the header's format is {obj.get('format')!r})."])
        if obj.get("version") != VERSION:
            raise DatasetError(
                [f"{self.unit} 1: {FORMAT} version {obj.get('version')!r} is not supported; this site reads {VERSION}."]
            )
        self.header = obj

    def read_row(self, n: int, obj: dict) -> None:
        name = obj.get("type")
        model = TYPES.get(name) if isinstance(name, str) else None
        if model is None:
            self.error(n, f"unknown type {name!r}; expected one of: {', '.join(TYPES)}")
            return
        pk = obj.get("id")
        if not isinstance(pk, int) or isinstance(pk, bool) or pk < 1:
            self.error(n, f"{name}: 'id' must be a positive integer")
            return
        if pk in self.rows[name]:
            self.error(n, f"{name} {pk} appears twice (first on line {self.rows[name][pk][0]})")
            return
        expected = {"type"} | {f.name for f in _fields(model)} | ({"topics"} if model is Claim else set())
        missing, unknown = expected - obj.keys(), obj.keys() - expected
        if missing:
            self.error(n, f"{name} {pk}: missing {', '.join(sorted(missing))}")
        if unknown:
            self.error(n, f"{name} {pk}: unknown field(s) {', '.join(sorted(unknown))}")
        if missing or unknown:
            return
        self.rows[name][pk] = (n, obj)

    def check_counts(self) -> None:
        declared = (self.header or {}).get("counts")
        if not isinstance(declared, dict):
            return
        for name in TYPES:
            if declared.get(name, 0) != len(self.rows[name]):
                self.errors.append(
                    f"the header announces {declared.get(name, 0)} {name} rows but the file holds "
                    f"{len(self.rows[name])}: is it truncated?"
                )


def _build(reader: _Reader) -> dict[str, list[tuple[int, models.Model, dict]]]:
    """Model instances for every row, with field, reference and uniqueness checks."""
    built = {name: [] for name in TYPES}
    for name, model in TYPES.items():
        fields = _fields(model)
        uniques = [(f.name,) for f in fields if f.unique and not f.primary_key]
        uniques += [tuple(c.fields) for c in model._meta.total_unique_constraints]
        seen = {fields_: {} for fields_ in uniques}
        for pk in sorted(reader.rows[name]):
            n, obj = reader.rows[name][pk]
            values, refs_ok = {}, True
            for field in fields:
                is_user = (model, field.name) in USER_FIELDS
                value = obj[field.name]
                problem = _json_type_ok(field, value, is_user)
                if problem:
                    reader.error(n, f"{name} {pk}: {field.name} {problem}")
                    refs_ok = False
                    continue
                if field.is_relation and not is_user and value is not None:
                    target = TYPE_OF_MODEL[field.related_model]
                    if value not in reader.rows[target]:
                        reader.error(n, f"{name} {pk}: {field.name} refers to {target} {value}, not in the file")
                        refs_ok = False
                try:
                    values[field.attname if not is_user else field.name] = _convert(field, value)
                except (ValueError, InvalidOperation) as error:
                    reader.error(n, f"{name} {pk}: {field.name} {value!r} is not valid ({error})")
                    refs_ok = False
            if model is Claim:
                topics = obj["topics"]
                if not isinstance(topics, list) or not all(
                    isinstance(t, int) and not isinstance(t, bool) for t in topics
                ):
                    reader.error(n, f"claim {pk}: topics must be a list of topic ids")
                    refs_ok = False
                else:
                    for topic in topics:
                        if topic not in reader.rows["topic"]:
                            reader.error(n, f"claim {pk}: topics refers to topic {topic}, not in the file")
                            refs_ok = False
            if not refs_ok:
                continue
            username = values.pop(USER_FIELD[model], None) if model in USER_FIELD else None
            instance = model(**values)
            try:
                instance.clean_fields(exclude=[f.name for f in fields if f.is_relation])
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    reader.error(n, f"{name} {pk}: {field_name}: {' '.join(messages)}")
                continue
            for fields_ in uniques:
                key = tuple(getattr(instance, model._meta.get_field(f).attname) for f in fields_)
                if key in seen[fields_]:
                    reader.error(n, f"{name} {pk}: same {' and '.join(fields_)} as {name} {seen[fields_][key]} ({key})")
                seen[fields_][key] = pk
            built[name].append((n, instance, {"username": username, "topics": obj.get("topics", [])}))
    return built


def _restore_users(usernames: set[str]) -> dict[str, int]:
    """The users the rows name (verdict changes, public notes, public names), created inactive and without a
    password when missing."""
    User = get_user_model()
    found = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    for username in sorted(usernames - found.keys()):
        user = User(username=username, is_active=False)
        user.set_unusable_password()
        user.save()
        found[username] = user.pk
    return found


def _write(built: dict, *, user=None) -> Counter:
    users = _restore_users(
        {extra["username"] for name in TYPES for _, _, extra in built[name] if extra.get("username")}
    )
    counts = Counter()
    now = timezone.now()
    HistoricalClaimTopics = apps.get_model("claims", "HistoricalClaim_topics")
    for name, model in TYPES.items():
        rows = built[name]
        objs = [instance for _, instance, _ in rows]
        if model in USER_FIELD:
            for _, instance, extra in rows:
                setattr(instance, f"{USER_FIELD[model]}_id", users[extra["username"]] if extra["username"] else None)
        saved_updated_at = [getattr(o, "updated_at", None) for o in objs]
        model.objects.bulk_create(objs, batch_size=BATCH)
        if any(field.name == "updated_at" for field in _fields(model)):
            # bulk_create stamps auto_now fields with the current time; put the dumped times back.
            for obj, value in zip(objs, saved_updated_at, strict=True):
                obj.updated_at = value
            model.objects.bulk_update(objs, ["updated_at"], batch_size=BATCH)
        history = model.history.bulk_history_create(
            objs, batch_size=BATCH, default_user=user, default_change_reason=RESTORE_REASON, default_date=now
        )
        if model is Claim:
            Through = Claim.topics.through
            links = [Through(claim_id=o.pk, topic_id=t) for (_, o, extra) in rows for t in extra["topics"]]
            Through.objects.bulk_create(links, batch_size=BATCH)
            history_of = {h.id: h for h in history}
            HistoricalClaimTopics.objects.bulk_create(
                [
                    HistoricalClaimTopics(id=link.pk, claim_id=link.claim_id, topic_id=link.topic_id, history=h)
                    for link in Through.objects.order_by("id")
                    for h in [history_of[link.claim_id]]
                ],
                batch_size=BATCH,
            )
        counts[name] = len(objs)
    _reset_sequences()
    return counts


def _restored_models() -> list:
    return [*TYPES.values(), Claim.topics.through]


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), _restored_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def read_dataset(lines, *, unit: str = "line") -> dict[str, list[tuple[int, models.Model, dict]]]:
    """Read and check a whole dataset without writing anything: for each type, its rows in id order as
    (place, unsaved instance keeping the file's ids, {"username", "topics"}); DatasetError says what is wrong.
    `unit` names a row's place in the messages ("line" of a .jsonl file; the demo story says "entry")."""
    reader = _Reader(unit)
    reader.read(lines)
    if reader.header is None:
        raise DatasetError(reader.errors or [f"{unit} 1: not a {FORMAT} header."])
    built = _build(reader)
    reader.check_counts()
    if reader.errors:
        raise DatasetError(reader.errors)
    return built


def import_dataset(lines, *, user=None) -> Counter:
    """Restore a dataset into an empty database, all or nothing; DatasetError says what is wrong."""
    built = read_dataset(lines)
    try:
        with transaction.atomic():
            existing = existing_rows()
            if existing:
                listed = ", ".join(f"{n} {name}" for name, n in existing.items())
                raise DatasetError(
                    [
                        f"The database is not empty ({listed}). import_dataset restores into an empty database "
                        "only: create a fresh database, run migrate, then import."
                    ]
                )
            counts = _write(built, user=user)
            # Deferred foreign keys are checked now, not at a commit that may belong to an outer transaction.
            connection.check_constraints(table_names=[m._meta.db_table for m in _restored_models()])
            return counts
    except (IntegrityError, ValidationError) as error:
        raise DatasetError([f"The database refused the data, nothing was written: {error}"]) from None
