"""A short-lived cache of GraphQL query answers: the store (Redis or memory) in
``store``, the schema extension that reads and fills it in ``extension``."""

from gateway.answer_cache.store import AnswerCache

__all__ = ["AnswerCache"]
