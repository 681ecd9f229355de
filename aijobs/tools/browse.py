"""The Datasette plugin `aijobs serve` loads: record pages, the career graph, links to them.

* ``/-/aijobs/record/<id>``: a record's names (preferred first), its figures as a chart
  and every claim with each citation's quote marked inside its paragraph, the other
  language's paragraph beside it for bilingual sources. Paragraphs are read from the
  corpus folder while serving (never stored in the database); without it the page shows
  the quotes alone and says why.
* ``/-/aijobs/careers``: former occupation -> current occupation, from the ``role`` table.
* Every cell holding a record id (a table's ``id``, a reference such as ``occupation_id``)
  links to that record's page; the menu and the front page link to the career graph.

Datasette loads this module through the plugins folder ``serve_plugins`` (see
`aijobs.tools.evidence.PLUGINS_DIR`),
so it is active only when aijobs serves, never in another Datasette of the same environment.
Its settings (the corpus folder, or why there is none) arrive as plugin configuration
under the name ``aijobs`` in the metadata `aijobs.db.serve` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import markupsafe
from datasette import Response
from datasette.app import Datasette
from pluggy import HookimplMarker

from aijobs.tools.evidence import (
    CAREERS_PATH,
    PLUGIN,
    RECORD_PATH,
    Paragraphs,
    career_graph,
    careers,
    entity_columns,
    figure_chart,
    record_view,
)

hookimpl = HookimplMarker("datasette")
_ENTITY_COLUMNS = entity_columns()
_PARAGRAPHS: dict[tuple[str | None, str | None], Paragraphs] = {}


def _paragraphs(datasette: Datasette) -> Paragraphs:
    config = datasette.plugin_config(PLUGIN) or {}
    folder, problem = config.get("corpus"), config.get("corpus_problem")
    key = (folder, problem)
    if key not in _PARAGRAPHS:
        _PARAGRAPHS[key] = Paragraphs(Path(folder) if folder else None, problem or "the server was given no corpus")
    return _PARAGRAPHS[key]


def record_url(datasette: Datasette, record_id: str) -> str:
    return str(datasette.urls.path(RECORD_PATH + quote(record_id, safe="")))


@hookimpl
def render_cell(value: Any, column: str, table: str | None, datasette: Datasette) -> markupsafe.Markup | None:
    """A record id links to the record's page (an expanded reference keeps its label)."""
    if table is None or column not in _ENTITY_COLUMNS.get(table, ()):
        return None
    label = value
    if isinstance(value, dict):
        label, value = value.get("label") or value.get("value"), value.get("value")
    if not isinstance(value, str) or not value:
        return None
    return markupsafe.Markup('<a href="{}">{}</a>').format(record_url(datasette, value), label)


@hookimpl
def menu_links(datasette: Datasette) -> list[dict[str, str]]:
    return [{"href": str(datasette.urls.path(CAREERS_PATH)), "label": "Career moves (graph)"}]


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/aijobs/record/(?P<id>[^/]+)$", record_page), (r"^/-/aijobs/careers$", careers_page)]


async def record_page(datasette: Datasette, request: Any) -> Response:
    record_id = unquote(request.url_vars["id"])  # the raw path segment, percent-encoded
    database = datasette.get_database()
    paragraphs = _paragraphs(datasette)
    view = await database.execute_fn(lambda conn: record_view(conn, record_id, paragraphs))
    if view is None:
        return Response.html(
            await datasette.render_template(
                datasette.jinja_env.from_string(MISSING), {"record_id": record_id}, request=request
            ),
            status=404,
        )
    context = {
        "record": view,
        "chart": markupsafe.Markup(figure_chart(view.figures)),
        "database": database.name,
        "record_url": lambda rid: record_url(datasette, rid),
        "row_url": lambda table, rid: datasette.urls.row(database.name, table, quote(rid, safe="")),
        "careers_url": datasette.urls.path(CAREERS_PATH),
    }
    html = await datasette.render_template(datasette.jinja_env.from_string(RECORD), context, request=request)
    return Response.html(html)


async def careers_page(datasette: Datasette, request: Any) -> Response:
    database = datasette.get_database()
    data = await database.execute_fn(careers)
    context = {
        "careers": data,
        "graph": markupsafe.Markup(career_graph(data, str(datasette.urls.path(RECORD_PATH)))),
        "record_url": lambda rid: record_url(datasette, rid),
        "query_url": datasette.urls.path(f"/{database.name}/career_transitions"),
    }
    html = await datasette.render_template(datasette.jinja_env.from_string(CAREERS), context, request=request)
    return Response.html(html)


_STYLE = """
<style>
.aijobs-names li.preferred { font-weight: bold; }
.aijobs-tag { font-size: 0.8em; color: #555; border: 1px solid #ccc; border-radius: 3px; padding: 0 3px; }
.aijobs-claim { margin: 1em 0; padding: 0.5em 0.8em; border-left: 3px solid #4a7ebb; background: #f8f9fb; }
.aijobs-citation { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; margin: 0.4em 0; }
.aijobs-citation.single { grid-template-columns: 1fr; }
.aijobs-passage { margin: 0; padding: 0.4em 0.6em; background: #fff; border: 1px solid #e2e2e2; line-height: 1.6; }
.aijobs-passage mark { background: #ffe066; padding: 0 1px; }
.aijobs-why { color: #7a4b00; font-size: 0.9em; }
.aijobs-note { background: #fff4e0; border: 1px solid #f0c36d; padding: 0.5em 0.8em; }
</style>
"""

MISSING = """{% extends "base.html" %}
{% block title %}No record {{ record_id }}{% endblock %}
{% block content %}<h1>No record has the id {{ record_id }}</h1>{% endblock %}
"""

RECORD = (
    """{% extends "base.html" %}
{% block title %}{{ record.name }} ({{ record.type }}){% endblock %}
{% block extra_head %}"""
    + _STYLE
    + """{% endblock %}
{% macro span(s) -%}
<div class="aijobs-span">
  <div><a href="{{ record_url(s.source_id) }}">{{ s.source_title }}</a>, paragraph {{ s.paragraph }}</div>
  {% if s.passage and s.passage.quote %}
  <blockquote class="aijobs-passage">{{ s.passage.before }}<mark>{{ s.passage.quote }}</mark>
  {%- if s.passage.after %}{{ s.passage.after }}{% endif %}</blockquote>
  {% elif s.passage %}
  <blockquote class="aijobs-passage">{{ s.passage.before }}</blockquote>
  <p class="aijobs-why">The quote <q>{{ s.quote }}</q> is not in this paragraph
  (<code>aijobs verify</code> reports it).</p>
  {% else %}
  <blockquote class="aijobs-passage"><mark>{{ s.quote }}</mark></blockquote>
  {% if s.why and not record.corpus_note %}<p class="aijobs-why">Paragraph not shown: {{ s.why }}.</p>{% endif %}
  {% endif %}
</div>
{%- endmacro %}
{% block content %}
<h1>{{ record.name }}</h1>
<p>{{ record.type }} <code>{{ record.id }}</code>, from <code>{{ record.file }}</code> ·
<a href="{{ row_url('entity', record.id) }}">entity row</a>
{% if record.type in ('occupation', 'person', 'company', 'source', 'figure') %}·
<a href="{{ row_url(record.type, record.id) }}">{{ record.type }} row</a>{% endif %}</p>
{% if record.corpus_note %}<p class="aijobs-note">{{ record.corpus_note }}</p>{% endif %}
{% if record.names %}
<h2>Names</h2>
<ul class="aijobs-names">
{% for name in record.names %}
  <li class="{{ 'preferred' if name.preferred else '' }}" lang="{{ name.lang }}">{{ name.text }}
  <span class="aijobs-tag">{{ name.lang }}</span>
  {% if name.preferred %}<span class="aijobs-tag">preferred</span>{% endif %}
  {% if name.translation %}<span class="aijobs-tag">translation by the curators</span>{% endif %}
  {% if name.misspelling %}<span class="aijobs-tag">misspelling in a source</span>{% endif %}</li>
{% endfor %}
</ul>
{% endif %}
{% if chart %}
<h2>Figures</h2>
<div class="aijobs-figures">{{ chart }}</div>
<ul>{% for f in record.figures %}
<li><a href="{{ record_url(f.id) }}">{{ f.measure }}</a>: {{ f.as_written }}</li>{% endfor %}</ul>
{% endif %}
<h2>Claims and their evidence</h2>
{% for claim in record.claims %}
<div class="aijobs-claim">
  <div><strong>{{ claim.property }}</strong>:
  <span{% if claim.lang %} lang="{{ claim.lang }}"{% endif %}>{{ claim.value }}</span>
  <code class="aijobs-tag">{{ claim.key }}</code></div>
  {% for c in claim.citations %}
  <div class="aijobs-citation{{ '' if c.also else ' single' }}">
  {{ span(c.main) }}{% if c.also %}{{ span(c.also) }}{% endif %}</div>
  {% endfor %}
</div>
{% else %}<p>No claims.</p>
{% endfor %}
<p><a href="{{ careers_url }}">Career moves (graph)</a></p>
{% endblock %}
"""
)

CAREERS = """{% extends "base.html" %}
{% block title %}Career moves{% endblock %}
{% block content %}
<h1>Career moves</h1>
<p>Former occupation → current occupation of the people in the knowledge base, from the <code>role</code> table;
a line's width and number are how many people made that move.</p>
{% if graph %}<div class="aijobs-graph">{{ graph }}</div>{% else %}<p>No person has both a former and a current
occupation.</p>{% endif %}
<ul>{% for m in careers.moves %}
<li><a href="{{ record_url(m.former) }}">{{ careers.names.get(m.former, m.former) }}</a>
→ <a href="{{ record_url(m.current) }}">{{ careers.names.get(m.current, m.current) }}</a>: {{ m.people }}</li>
{% endfor %}</ul>
{% if careers.unplaced %}<p>{{ careers.unplaced }} more move(s) have a role without an occupation record on one side
(only a title); <a href="{{ query_url }}">the career_transitions query</a> lists every one.</p>{% endif %}
{% endblock %}
"""
