"""Execution stage: run a query plan against the subgraphs and shape the response."""

from router.execution.executor import Executor, ExecutorConfig

__all__ = ["Executor", "ExecutorConfig"]
