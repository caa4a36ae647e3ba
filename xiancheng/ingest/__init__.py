"""Plan ingestion: documents in plans/ → one validated Dataset (see pipeline.build_dataset)."""
