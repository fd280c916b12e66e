"""What every app of Tiwizi uses and no domain owns: no models, no pages.

- `errors.py`: domain errors, raised by services with a message for the member;
- `hooks.py`: how a lower app lets higher ones act on its events without importing them;
- `cache_versions.py`: versions of what public reads show, changed after each commit;
- `page_cache.py`: public pages kept in the shared cache under those versions;
- `currencies.py`: the currencies a project collects in, and their decimals;
- `formatting.py`: amounts and quantities as pages, PDFs and feeds print them
  (also template filters, `{% load tiwizi %}`);
- `rich_text.py`: Markdown rendered and sanitised (stories, updates);
- `uploads.py`: uploaded images and scans, checked and stripped of their metadata;
- `pdf.py`: what every PDF shares (WeasyPrint's font configuration, fetcher, render lock);
- `read_only_admin.py`: admin bases for audit trails;
- `widgets.py`: form widgets the pages share.

Imports flow one way (pyproject.toml, [tool.importlinter]): core imports no app of ours.
"""
