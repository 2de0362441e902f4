"""Small in-process plugins for the core's tests: each declares one extension, one module."""
from __future__ import annotations

from pathlib import Path

import click
from sqlmodel import Field, SQLModel

from crmcore import hookimpl
from crmcore.modules import FieldSpec, ModuleSpec


class Widget(SQLModel, table=True):
    __tablename__ = "test_widget"
    id: int | None = Field(default=None, primary_key=True)
    name: str


class Gadget(SQLModel, table=True):
    __tablename__ = "test_gadget"
    id: int | None = Field(default=None, primary_key=True)
    label: str


class ExtensionPlugin:
    """An extension named ``name`` with optional module table, dependencies and a failing install."""

    def __init__(self, name: str, depends=(), table=None, fail_install: int = 0, calls=None) -> None:
        self.name = name
        self.depends = list(depends)
        self.table = table
        self.fail_install = fail_install
        self.calls = calls if calls is not None else []

    @hookimpl
    def crm_extension_manifest(self):
        return {"name": self.name, "version": "1.2.0", "summary": f"The {self.name} extension",
                "depends": self.depends, "category": "Test"}

    @hookimpl
    def crm_register_modules(self, register):
        if self.table is not None:
            register(ModuleSpec(name=self.name, label=self.name.title(), tables=[self.table],
                                fields=[FieldSpec("name", "Name", mandatory=True)]))

    @hookimpl
    def crm_extension_install(self, context):
        self.calls.append(("install", context.name))
        if self.fail_install:
            self.fail_install -= 1
            context.session.add(self.table(name="half-done")) if self.table is Widget else None
            raise RuntimeError("disk on fire")

    @hookimpl
    def crm_extension_uninstall(self, context, purge):
        self.calls.append(("uninstall", context.name, purge))


class CommandPlugin:
    @hookimpl
    def crm_register_commands(self, cli):
        @cli.command("hello")
        @click.argument("who")
        def hello(who):
            """Say hello."""
            click.echo(f"hello {who}")


GADGET_MIGRATIONS = Path(__file__).with_name("fake_migrations") / "gadgets"


class MigratingPlugin(ExtensionPlugin):
    """An extension that ships its own lineage (``crm_migrations``): ``gadgets`` by default."""

    def __init__(self, name: str = "gadgets", table=Gadget, migrations=GADGET_MIGRATIONS,
                 **kwargs) -> None:
        super().__init__(name, table=table, **kwargs)
        self.migrations = migrations

    @hookimpl
    def crm_migrations(self):
        return self.migrations
