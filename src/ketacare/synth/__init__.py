"""Synthetic clinics for the demo, the dashboard tests and the benchmarks (``ketacare synth``)."""
