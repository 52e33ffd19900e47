"""The office's response protocols as alert templates, one per hazard."""
