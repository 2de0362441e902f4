"""``python -m crm_constant_contact.sandbox``: the sandbox command without the crm CLI."""

from .cli import sandbox_command

if __name__ == "__main__":
    sandbox_command(prog_name="python -m crm_constant_contact.sandbox")
