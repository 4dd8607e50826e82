"""The pipeline exports' YAML writer: byte for byte what PyYAML writes, and fast enough to
export a 10,000-node SOP (benchmarks/bench_pipeline_exports.py)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from exporters.yaml_text import Block, dump_plain, dump_yaml, reference_dump

KEYS = st.one_of(
    st.sampled_from(["name", "on", "yes", "run", ".github", "gate-1", "ACTION_1_ID", "1", "._1"]),
    st.text(max_size=12),
    st.text(min_size=120, max_size=140, alphabet="ab"),
)
TEXTS = st.one_of(
    st.text(),
    st.sampled_from(
        ["", " ", "a ", " a", "\ufeff", "\u2028", "\x85", "\U0001f600", "\U0010ffff", "é\t\x00"]
    ),
)
BLOCKS = st.one_of(
    st.text().map(Block),
    st.sampled_from(["echo hi\n", "a\n\nb\n", "a \nb\n", "a\n\n", "\n", " lead\n", "x"]).map(Block),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXTS, BLOCKS)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.one_of(st.dictionaries(KEYS, DATA, min_size=1), st.lists(DATA, min_size=1)))
def test_the_fast_emitter_writes_what_pyyaml_writes(data) -> None:
    assert dump_plain(data) == reference_dump(data)


@pytest.mark.parametrize(
    "data",
    [
        {"steps": [[{"name": "a", "template": "b"}], [{"name": "c"}]]},
        {"run": Block("set -e\n\necho done\n"), "list": [Block("x\n"), {}, []]},
        {"text": Block("ends without a break"), "tab": Block("a\tb\n")},
        {"k" * 130: "a key too long for a simple key"},
    ],
)
def test_shapes_the_exports_write(data) -> None:
    assert dump_plain(data) == reference_dump(data)
    assert yaml.safe_load(dump_yaml(data)) == yaml.safe_load(reference_dump(data))
