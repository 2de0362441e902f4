"""The connector contract: what a connector declares, reads and writes, and the helpers it may
use (auth kinds, cursors, transforms). The ground floor of the sync: it imports nothing of the
engine, and the engine builds on it. Plugins import these names from :mod:`crmcore.api`."""
