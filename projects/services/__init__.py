"""Everything that changes plan data. Views, admin actions and commands call these."""
