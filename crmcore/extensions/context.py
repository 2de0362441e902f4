"""What an extension's install and uninstall steps receive."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from crmcore.extensions.manifest import Manifest

if TYPE_CHECKING:
    from crmcore.app import CRM
    from crmcore.models import User


@dataclass
class ExtensionContext:
    """What an extension's install or uninstall hook receives: its name and manifest, the open
    database session, the acting user and the CRM."""
    name: str
    manifest: Manifest
    session: Session
    user: "User"
    crm: "CRM"
