"""The movement's periodic reports (issue 20): six-monthly and yearly reviews of a commune or a
province, each figure beside the previous period's. period.py reads "2026-H2" and finds the
period before it, scope.py decides the area and who may see it, ports.py is what storage
counts, report.py puts the figures together; the edges (bot/report_cli.py, admin/reports.py)
render them through admin/report_sheet.py."""
