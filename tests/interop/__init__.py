"""Tests of the interoperability exports."""
