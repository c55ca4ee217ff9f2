"""The official SKM report (PermenPANRB 14/2017) of a unit, an agency or the city for a
period: its content (`content.report_content`), laid out as chapters BAB I–V
(`document.chapters`) with the tables every output shares (`sheets`). Rendering to PDF,
XLSX and CSV is the app's (app/output/report)."""
