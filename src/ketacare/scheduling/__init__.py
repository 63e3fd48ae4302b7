"""The clinic calendar: chairs, rooms and clinicians as resources; appointments; reminders."""
