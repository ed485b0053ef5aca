"""Bounds shared by validation in Python and constraints in the database."""

# Years accepted for founding, joining, leaving and figures. The oldest member
# structures of the ESS (mutuals, cooperatives) date from the 19th century.
YEAR_MIN = 1800
YEAR_MAX = 2100
