"""Write schemas/<sheet>.json from the package's sheet contracts (`make schemas`)."""

from __future__ import annotations

import json
from pathlib import Path

from voucher_batch.workbook.sheets import INPUT_SHEETS, contract

HERE = Path(__file__).resolve().parent


def render(name: str) -> str:
    spec = next(s for s in INPUT_SHEETS if s.name == name)
    return json.dumps(contract(spec), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for spec in INPUT_SHEETS:
        path = HERE / f"{spec.name.lower()}.json"
        path.write_text(render(spec.name), encoding="utf-8")
        print(path)


if __name__ == "__main__":
    main()
