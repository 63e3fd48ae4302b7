"""Treatment protocols as versioned data: the shipped library, clinic copies, validation."""
