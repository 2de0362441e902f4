"""An in-memory fake connector and its remote, for the engine's tests and as the reference
connector the conformance suite is shown to pass."""
