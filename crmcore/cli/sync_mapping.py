"""``crm sync mapping NAME``: show, replace or reset a connector's field mapping."""
from __future__ import annotations

import json
from pathlib import Path

import click

from crmcore.cli.context import acting_user, pass_crm
from crmcore.cli.output import print_json, print_table
from crmcore.errors import ValidationError


@click.command("mapping")
@click.argument("name")
@click.option("--show", "show", is_flag=True, help="Show the mapping in force (the default action).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the mapping as JSON: a starting point for your own file.")
@click.option("--file", "file", type=click.Path(dir_okay=False, path_type=Path),
              help="Replace the mapping with this JSON file (admin only); an invalid one is refused.")
@click.option("--reset", is_flag=True, help="Go back to the connector's default mapping (admin only).")
@pass_crm
def mapping_command(crm, name: str, show: bool, as_json: bool, file: Path | None, reset: bool) -> None:
    """Show or change the field mapping of connector NAME.

    Each line ties a CRM field to one or more remote fields through a named transform, in both
    directions or one. Start your own from 'crm sync mapping NAME --json > mapping.json'.
    """
    from crmcore.sync import mapping_store

    if file and reset:
        raise click.UsageError("Use either --file or --reset, not both.")
    if file or reset:
        with crm.session() as session:
            user = acting_user(session)
        had = True  # whether the mapping in force changed
        if reset:
            had = mapping_store.reset_mapping(crm, user, name)
            click.echo(f"The {name} mapping is back to the default." if had
                       else f"The {name} mapping already was the default.")
        else:
            mapping_store.set_mapping(crm, user, name, _read(file))
            click.echo(f"Saved the {name} mapping from {file.name}; it applies from the next sync run.")
        if had:
            click.echo("The next sync re-baselines the linked records first: empty fields are "
                       "filled from the other side, differing ones follow the conflict policy, "
                       "and nothing is cleared.")
        if not (show or as_json):
            return
    info = mapping_store.mapping_info(crm, name)
    if as_json:
        print_json(info.data)
        return
    origin = (f"custom, saved by {info.updated_by or '?'} on {info.updated_at:%Y-%m-%d %H:%M} UTC"
              if info.custom else "the connector's default")
    connector, module = info.mapping.connector, info.mapping.module
    click.echo(f"Field mapping {module.name} <-> {connector.label} ({origin})")
    print_table(info.mapping.rows(), [("crm", "CRM field"), ("direction", "Way"),
                                      ("remote", f"{connector.label} field"),
                                      ("transform", "Transform"), ("mandatory", "Mandatory in")])
    click.echo(f"Mandatory: CRM {', '.join(module.mandatory_fields) or 'none'}; "
               f"{connector.label} {', '.join(connector.mandatory_fields) or 'none'}.")


MAX_BYTES = 1_048_576  # a mapping is a few kilobytes; anything near this is not one
MAX_DEPTH = 32  # a mapping nests four levels; deeper is not a mapping


def _depth(data: object) -> int:
    """How deeply ``data`` nests lists and objects (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def _read(path: Path) -> dict:
    """The JSON object in ``path``; ValidationError naming the problem for anything else
    (unreadable, too big, not UTF-8 text, not JSON, nested too deeply, not an object)."""
    hint = "Start from 'crm sync mapping NAME --json > mapping.json' and edit that file."
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValidationError(f"{path.name} is {path.stat().st_size:,} bytes: too big for a "
                                  f"field mapping (at most {MAX_BYTES:,}).", hint)
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(f"Cannot read {path}: {exc.strerror or exc}.", "Check the file name.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path.name} is not a JSON text file: byte {exc.start} is not UTF-8 "
                              "(is it a binary file?).", hint) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path.name} is not JSON: {exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}.", "Fix the file and run the command again.") from None
    except RecursionError:
        data = None
    if data is None and text.strip() != "null" or _depth(data) > MAX_DEPTH:
        raise ValidationError(f"{path.name} nests lists or objects more than {MAX_DEPTH} levels "
                              "deep: it is not a field mapping.", hint)
    if not isinstance(data, dict):
        raise ValidationError(f"The field mapping is invalid at $: {path.name} holds a JSON "
                              f"{type(data).__name__}, not an object.",
                              "Start from 'crm sync mapping NAME --json'.")
    return data
