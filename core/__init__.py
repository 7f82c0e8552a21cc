"""The async core: ingest, commands, digests, delivery, scheduling. No chat or web framework."""
