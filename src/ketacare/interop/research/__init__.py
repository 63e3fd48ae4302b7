"""Research export: REDCap-style CSV with its data dictionary, and Parquet; optionally de-identified."""
