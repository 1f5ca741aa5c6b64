"""Generated documents: model cards, Annex IV technical documentation, portfolio reports.

- ``rendering``: HTML → PDF with WeasyPrint behind a locked URL fetcher (pure, no ORM);
- ``charts``: SVG charts shared by web pages and PDFs (pure);
- ``registry``: which builder composes which kind of document;
- ``services``: request, render and store a document version (audited);
- ``selectors``: who may see which document.
"""
