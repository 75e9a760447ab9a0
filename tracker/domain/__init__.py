"""Pure values and maths: no I/O, no clock, no database."""
