"""Batch checks of order-line files (CSV, XLSX, Parquet), resumable, with a summary."""

from chipcontrols.batch.runner import run_batch, transaction_of

__all__ = ["run_batch", "transaction_of"]
