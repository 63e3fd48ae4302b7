"""A synthetic demo clinic. Every name, date and number here is made up."""
