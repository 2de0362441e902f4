"""Plugin discovery and the registries built from the hooks.

Plugins are modules advertised in the ``crm`` entry-point group. ``CRM_PLUGINS`` (a comma-separated
list of entry-point names; empty for none) restricts which load, so tests never pick up whatever
happens to be installed. ``CRM_TRACE_HOOKS=1`` prints every hook call to stderr.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from crmcore import hookspecs
from crmcore.errors import CrmError

if TYPE_CHECKING:  # imported where used, so that building the command line stays cheap
    from crmcore.modules import ModuleSpec
    from crmcore.sync.connector import ConnectorInfo

ENTRY_POINT_GROUP = "crm"


class PluginError(CrmError):
    """A plugin could not be loaded or broke the hook contract."""


@dataclass
class ModuleInfo:
    """A registered CRM module: its spec, the plugin object that registered it and that plugin's
    name."""
    spec: ModuleSpec
    plugin: object
    plugin_name: str


def wanted_plugins(environ: dict[str, str] | None = None) -> set[str] | None:
    """The entry-point names ``CRM_PLUGINS`` allows, or None for "all installed"."""
    env = os.environ if environ is None else environ
    raw = env.get("CRM_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


class PluginHost:
    """The plugin manager plus lazily built registries of modules and connectors."""

    def __init__(self, plugins: Iterable[ModuleType | object] | None = None,
                 load_entry_points: bool = True, only: set[str] | None = None) -> None:
        self.pm = pluggy.PluginManager("crm")
        self.pm.add_hookspecs(hookspecs)
        if load_entry_points:
            self._load_entry_points(only if only is not None else wanted_plugins())
        for plugin in plugins or ():
            self.register(plugin)
        if os.environ.get("CRM_TRACE_HOOKS"):
            self.pm.trace.root.setwriter(sys.stderr.write)
            self.pm.enable_tracing()
        self._modules: dict[str, ModuleInfo] | None = None
        self._connectors: dict[str, ConnectorInfo] | None = None

    @property
    def hook(self) -> Any:
        """The pluggy hook relay (``host.hook.crm_...(...)``) of the registered plugins."""
        return self.pm.hook

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register a plugin object and check its hook names at once."""
        label = name or getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{id(plugin):x}"
        try:
            self.pm.register(plugin, name=label)
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            self.pm.unregister(plugin)
            raise PluginError(
                f"Plugin {label!r} does not fit the hook contract: {exc}",
                "Check the hook names and signatures against crmcore/hookspecs.py, "
                "or disable the plugin with CRM_PLUGINS.",
            ) from None

    def _load_entry_points(self, only: set[str] | None) -> None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if only is not None and ep.name not in only:
                continue
            if self.pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken plugin must not hide which one it is
                raise PluginError(
                    f"Plugin {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}",
                    f"Reinstall or fix the package that provides it, or leave it out with "
                    f"CRM_PLUGINS (now {os.environ.get('CRM_PLUGINS', 'unset')}).",
                ) from None
            self.register(plugin, name=ep.name)

    def plugin_name(self, plugin: object) -> str:
        """The name ``plugin`` was registered under (its repr when it has none)."""
        return self.pm.get_name(plugin) or repr(plugin)

    # -- registries -----------------------------------------------------------------------------

    def _collect(self, hook_name: str) -> list[tuple[object, Any]]:
        """Call a ``register``-style hook impl by impl, so each contribution knows its plugin."""
        contributions: list[tuple[object, Any]] = []
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            impl.function(lambda item, _plugin=impl.plugin: contributions.append((_plugin, item)))
        return contributions

    @property
    def modules(self) -> dict[str, ModuleInfo]:
        """Every module the plugins register, by module name (collected once). Raises
        :class:`PluginError` for a spec of the wrong type or a name clash."""
        if self._modules is None:
            from crmcore.modules import ModuleSpec

            found: dict[str, ModuleInfo] = {}
            for plugin, spec in self._collect("crm_register_modules"):
                if not isinstance(spec, ModuleSpec):
                    raise PluginError(f"Plugin {self.plugin_name(plugin)!r} registered {spec!r}, "
                                      "not a ModuleSpec.", "Fix the plugin's crm_register_modules.")
                if spec.name in found:
                    raise PluginError(
                        f"Module {spec.name!r} is registered by both {found[spec.name].plugin_name!r} "
                        f"and {self.plugin_name(plugin)!r}.", "Uninstall one of the two packages.")
                found[spec.name] = ModuleInfo(spec, plugin, self.plugin_name(plugin))
            self._modules = found
        return self._modules

    @property
    def connectors(self) -> dict[str, ConnectorInfo]:
        """Every sync connector the plugins register, by connector name (collected once). Raises
        :class:`PluginError` for an object that is not a Connector or a name clash."""
        if self._connectors is None:
            from crmcore.sync.connector import Connector, ConnectorInfo

            found: dict[str, ConnectorInfo] = {}
            for plugin, connector in self._collect("crm_register_connectors"):
                name = self.plugin_name(plugin)
                if not isinstance(connector, Connector):
                    raise PluginError(f"Plugin {name!r} registered {connector!r}, not a Connector.",
                                      "Fix the plugin's crm_register_connectors.")
                if connector.name in found:
                    raise PluginError(
                        f"Connector {connector.name!r} is registered by both "
                        f"{found[connector.name].plugin_name!r} and {name!r}.",
                        "Uninstall one of the two packages.")
                found[connector.name] = ConnectorInfo(connector, name)
            self._connectors = found
        return self._connectors

    def manifests(self) -> list[tuple[object, Any]]:
        """(plugin, raw manifest) for every plugin that ships an extension."""
        out = []
        for impl in self.pm.hook.crm_extension_manifest.get_hookimpls():
            manifest = impl.function()
            if manifest is not None:
                out.append((impl.plugin, manifest))
        return out

    def call_for(self, plugin: object, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call one hook on one plugin only (an extension's own install or uninstall step)."""
        others = [p for p in self.pm.get_plugins() if p is not plugin]
        caller = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
        return caller(**kwargs)
