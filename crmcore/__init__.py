"""crmcore: the framework of a pluggable CRM. It knows no module and no connector by name."""
from crmcore.hookspecs import hookimpl

__all__ = ["hookimpl"]
