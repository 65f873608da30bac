"""Importing the year's targets from the red-header document's workbook, and
exporting them back.

- :mod:`.workbook` checks the file and normalises the clerk's layout into a table;
- :mod:`.parsing` reads single cells (deadlines, amounts, names);
- :mod:`.plan` turns the table into projects, sub-items, milestones, indicators;
- :mod:`.apply` diffs that against the database and writes it in bulk;
- :mod:`.export` writes the same layout back, and the blank template.

The entry points are the services in :mod:`projects.services.targets`.
"""
