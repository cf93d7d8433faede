"""Whether this voucher-batch may use a ledger, from the schema it records: the version in
`meta` and the Alembic revision must agree and be this version's; an older ledger is
upgraded by `init`, a newer one needs a newer voucher-batch.
"""

from __future__ import annotations

from . import schema as t


def schema_refusal(name: str, version: str | None, revision: str | None) -> str | None:
    """Why a ledger recording `version` and `revision` cannot be used, or None."""
    if version == str(t.SCHEMA_VERSION) and revision not in (None, t.SCHEMA_REVISION):
        # the two records of the schema disagree: never write to such a ledger
        return (
            f"ledger {name} says schema {version} but its migrations say {revision}; "
            "it was changed by hand or by another program: restore it from a backup"
        )
    if version == str(t.SCHEMA_VERSION):
        return None
    if version is not None and version.isdigit() and int(version) > t.SCHEMA_VERSION:
        return newer_schema(name, version, str(t.SCHEMA_VERSION))
    advice = (
        "run 'voucher-batch init' to upgrade it"
        if version is not None and version.isdigit()
        else "use the version of voucher-batch that wrote it"
    )
    return (
        f"ledger {name} has schema version {version}, this voucher-batch uses "
        f"{t.SCHEMA_VERSION}; {advice}"
    )


def newer_schema(name: str, found: str, known: str) -> str:
    return (
        f"ledger {name} was made by a newer voucher-batch (schema {found}); this version "
        f"knows up to {known}; upgrade voucher-batch"
    )
