"""The SDL a subgraph serves at ``_service { sdl }``: what composition and the drift test compare."""

from __future__ import annotations

from strawberry.federation import Schema


def service_sdl(schema: Schema) -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    if result.errors:
        raise RuntimeError(f"cannot read the subgraph SDL: {result.errors[0].message}")
    assert result.data is not None
    sdl: str = result.data["_service"]["sdl"]
    return sdl.rstrip("\n") + "\n"
