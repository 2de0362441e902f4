"""Developer tools: ``crm dev new-connector`` (a connector package skeleton)."""
