"""Models under their canonical names, and the aliases that join other spellings to them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.identity import model_key
from storage.tables import Model, ModelAlias


async def resolve_models(session: AsyncSession, *, names: Sequence[str]) -> dict[str, int]:
    """Return the model id for each name, through its aliases, creating unknown models."""
    keys = {name: model_key(name) for name in names}
    wanted = set(keys.values())
    by_key: dict[str, int] = {}
    aliases = await session.exec(
        select(ModelAlias.key, ModelAlias.model_id).where(col(ModelAlias.key).in_(wanted))
    )
    by_key.update(dict(aliases.all()))
    models = await session.exec(select(Model.key, Model.id).where(col(Model.key).in_(wanted)))
    for key, model_id in models.all():
        if model_id is not None:
            by_key.setdefault(key, model_id)
    for name, key in keys.items():
        if key not in by_key:
            model = Model(name=name, key=key)
            session.add(model)
            await session.flush()
            assert model.id is not None
            by_key[key] = model.id
    return {name: by_key[key] for name, key in keys.items()}


async def add_alias(session: AsyncSession, *, alias: str, model_name: str) -> Model:
    """Join `alias` to the model named `model_name` (created if new)."""
    model_id = (await resolve_models(session, names=[model_name]))[model_name]
    key = model_key(alias)
    existing = (await session.exec(select(ModelAlias).where(ModelAlias.key == key))).first()
    if existing is None:
        session.add(ModelAlias(key=key, model_id=model_id))
    else:
        existing.model_id = model_id
        session.add(existing)
    await session.flush()
    model = await session.get(Model, model_id)
    assert model is not None
    return model


async def known_model_names(session: AsyncSession) -> list[str]:
    """Return every spelling of a model seen so far: canonical names and aliases."""
    names = list((await session.exec(select(Model.name))).all())
    names.extend((await session.exec(select(ModelAlias.key))).all())
    return names


async def find_models(session: AsyncSession, *, name: str) -> Sequence[Model]:
    """Return the models whose name or alias is `name`, ignoring case and spacing."""
    key = model_key(name)
    alias = select(ModelAlias.model_id).where(ModelAlias.key == key)
    query = select(Model).where(or_(col(Model.key) == key, col(Model.id).in_(alias)))
    return (await session.exec(query)).all()


async def joined_models(session: AsyncSession, *, name: str) -> Sequence[Model]:
    """Return the models `name` stands for, with every model an alias joins to them, by name."""
    found = {model.id: model for model in await find_models(session, name=name)}
    if not found:
        return []
    alias_keys = select(ModelAlias.key).where(col(ModelAlias.model_id).in_(list(found)))
    for model in (await session.exec(select(Model).where(col(Model.key).in_(alias_keys)))).all():
        found.setdefault(model.id, model)
    return sorted(found.values(), key=lambda model: (model.name.casefold(), model.id or 0))


async def model_names_containing(
    session: AsyncSession, *, fragment: str, limit: int = 25
) -> list[str]:
    """Return model names that contain `fragment` (case and spacing ignored), prefixes first."""
    key = model_key(fragment)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    names: dict[str, None] = {}
    for pattern in (f"{escaped}%", f"%{escaped}%"):
        query = (
            select(Model.name)
            .where(col(Model.key).like(pattern, escape="\\"))
            .order_by(col(Model.key))
            .limit(limit)
        )
        names.update(dict.fromkeys((await session.exec(query)).all()))
    return list(names)[:limit]
