"""ketacare: supervised ketamine therapy clinic system."""
