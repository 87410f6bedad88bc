"""Metadata as a person reads it in the Dagster UI."""


def markdown_table(columns: list[str], rows: list) -> str:
    """Rows as a small Markdown table (check examples, top movies of the day)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)
