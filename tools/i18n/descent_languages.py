"""Sphinx extension (``descent_languages``): the book in two languages from one source.

Loaded by both builds (``tools/i18n/site.py`` adds it to their configuration):

- **A link to the same page in the other language** in every page's header, before the theme's
  buttons (``templates/language-switch.html``, included by ``templates/article-header-buttons.html``),
  and ``<link rel="alternate" hreflang>`` in the page's head. ``descent_twin`` names the other
  edition: its root relative to this edition's root (``"zh/"`` from the English site, ``"../"`` from
  the Chinese one), its language and the link's text.
- **The messages are the prose, and all of it**: an exercise's title (sphinx-exercise keeps it in a
  node without source, which gettext would skip) becomes a message, its MyST source as in the
  notebook's ``### Exercise: <title>``; display math and the outputs of code cells are not messages
  (math stays as written; outputs are what the code prints, in both editions).
- ``descent_search_placeholder``: the search box's text (Jupyter Book writes it in English).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _exercise_titles(path: Path) -> dict[str, str]:
    """label -> title source of every exercise statement of a notebook."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import nbformat

    from tools.sphinx_ext.exercises import exercise_label, split_statement

    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "exercise" in cell.get("metadata", {}).get("tags", []):
            out[exercise_label(cell)] = split_statement(cell.source)[0]
    return out


def _exercises(document):
    """(exercise node, its title's MyST source) for every exercise of a notebook."""
    source = document.get("source", "")
    if not source.endswith(".ipynb") or not Path(source).exists():
        return
    titles = None
    for node in document.findall(nodes.Element):
        if type(node).__name__ in ("exercise_enumerable_node", "exercise_node"):
            titles = _exercise_titles(Path(source)) if titles is None else titles
            if titles.get(node.get("label", "")):
                yield node, titles[node["label"]]


class Messages(SphinxTransform):
    """Before Sphinx's Locale transform (priority 20): which nodes are messages, and their source."""

    default_priority = 15

    def apply(self, **kwargs) -> None:
        for node in list(self.document.findall(nodes.math_block)):
            node["translatable"] = False
        for out in list(self.document.findall(nodes.container)):
            if "cell_output" in out.get("classes", []):
                for node in out.findall(nodes.TextElement):
                    node["translatable"] = False
        for node, title in _exercises(self.document):
            sub = next(iter(node.findall(nodes.subtitle)), None)
            if sub is not None:  # the Locale transform translates it; sphinx-exercise builds the title from it
                sub.rawsource = title
                sub.source, sub.line = self.document["source"], node.line or 1


class TocCaptions(SphinxTransform):
    """Translate the captions of the parts: sphinx-external-toc inserts its toctrees (priority 100) after
    Sphinx's Locale transform has run, so that one never sees them. The gettext builder files them under
    the root document, as here."""

    default_priority = 101

    def apply(self, **kwargs) -> None:
        if not self.config.language or self.config.language == "en" or not self.config.locale_dirs:
            return
        from os import path

        from sphinx.locale import init as init_locale
        from sphinx.util.i18n import docname_to_domain

        toctrees = [t for t in self.document.findall(addnodes.toctree) if t.get("caption")]
        if not toctrees:
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [path.join(self.env.srcdir, d) for d in self.config.locale_dirs]
        catalog, found = init_locale(dirs, self.config.language, domain)
        if not found:
            return
        for toctree in toctrees:
            translated = catalog.gettext(toctree["caption"])
            if translated and translated != toctree["caption"]:
                toctree["caption"] = translated


class ExerciseTitleMessages(SphinxPostTransform):
    """For the gettext builder: sphinx-exercise's post-transform has replaced the subtitle by a new title
    without source; give that title the message, so that the catalog has it."""

    builders = ("gettext",)
    default_priority = 30  # after sphinx-exercise's ResolveTitlesInExercises (20)

    def run(self, **kwargs) -> None:
        for node, title in _exercises(self.document):
            head = node.children[0] if node.children else None
            if isinstance(head, nodes.title):
                head.rawsource = title
                head.source, head.line = self.document["source"], node.line or 1
                head.uid = ""  # the gettext builder skips a node without one (as it does for toctrees)


def _twin_href(pagename: str, root: str, suffix: str) -> str:
    """The other edition's page, relative to this page (``root`` is relative to this edition's root)."""
    up = "../" * pagename.count("/")
    return f"{up}{root}{pagename}{suffix}"


def _page_context(app, pagename, templatename, context, doctree) -> None:
    twin = app.config.descent_twin
    if not twin:
        return
    href = _twin_href(pagename, twin["root"], app.builder.out_suffix if hasattr(app.builder, "out_suffix") else ".html")
    context["descent_twin"] = dict(twin, href=href)
    link = (f'<link rel="alternate" hreflang="{html.escape(twin["lang"])}" href="{html.escape(href)}" />\n')
    context["metatags"] = context.get("metatags", "") + link


def _config_inited(app, config) -> None:
    if str(TEMPLATES) not in config.templates_path:  # first: before the themes' components
        config.templates_path.insert(0, str(TEMPLATES))
    # templates/article-header-buttons.html puts the link before the theme's own header buttons
    if config.descent_search_placeholder:
        config.html_theme_options["search_bar_text"] = config.descent_search_placeholder


def setup(app):
    app.add_config_value("descent_twin", None, "html")
    app.add_config_value("descent_search_placeholder", "", "html")
    app.add_transform(Messages)
    app.add_transform(TocCaptions)
    app.add_post_transform(ExerciseTitleMessages)
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
