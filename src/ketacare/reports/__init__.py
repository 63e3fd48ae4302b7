"""Reports: the letter to the referring clinician and the patient's progress summary (HTML and PDF)."""
