"""Property-based tests (hypothesis) of every reader of untrusted text: CERS IDs and ZIPs, numbered choices, day spans, change types, client addresses, CSV rows."""

from __future__ import annotations

import csv
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cers.deadlines import CHANGE_ELEMENTS, change_type
from cers.facilities.importer import ImportFailed, read_folder
from cers.text import find_numbers, is_cers_id, parse_choice, parse_days, staff_query, words
from channels.clients import client_address

ANY_TEXT = st.text(max_size=400)
CERS_IDS = st.integers(10_000_000, 999_999_999).map(str)
ZIPS = st.integers(0, 99_999).map(lambda n: f"{n:05d}")


@given(ANY_TEXT)
def test_the_readers_never_fail_on_any_text(text):
    numbers = find_numbers(text)
    assert numbers.cers_id is None or is_cers_id(numbers.cers_id)
    assert numbers.zip is None or (len(numbers.zip) == 5 and numbers.zip.isdigit())
    choice = parse_choice(text)
    assert choice is None or 0 <= choice <= 99
    assert 1 <= parse_days(text) <= 366
    assert all(word.isalnum() and word == word.lower() for word in words(text))
    assert isinstance(staff_query(text), str)
    assert change_type(text) in (None, *CHANGE_ELEMENTS)


@given(CERS_IDS, ZIPS, st.sampled_from(["{id} {zip}", "{zip} {id}", "cers id {id}, zip {zip}", "ID:{id} ZIP:{zip}!"]))
def test_a_cers_id_and_zip_are_found_in_either_order(cers_id, zip_code, pattern):
    numbers = find_numbers(pattern.format(id=cers_id, zip=zip_code))
    assert (numbers.cers_id, numbers.zip) == (cers_id, zip_code)


@given(CERS_IDS, st.sampled_from([" ", "-", "."]))
def test_a_cers_id_typed_in_groups_is_one_id(cers_id, separator):
    grouped = separator.join([cers_id[:2], cers_id[2:5], cers_id[5:]])
    assert find_numbers(f"my id is {grouped}").cers_id == cers_id


@given(st.integers(1, 99), st.sampled_from(["{n}", " {n} ", "#{n}", "{n}.", "number {n}", "option {n})"]))
def test_a_number_alone_is_that_choice(number, pattern):
    assert parse_choice(pattern.format(n=number)) == number


@given(st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=40).filter(lambda t: t.strip()))
def test_words_without_a_number_are_never_a_choice(text):
    assert parse_choice(text) is None


@given(st.lists(st.ip_addresses(v=4).map(str), min_size=0, max_size=5), st.ip_addresses(v=4).map(str))
def test_an_untrusted_peer_is_always_the_client_whatever_it_forwards(forwarded, peer):
    # TRUSTED_PROXIES is unset in unit tests: a peer's own X-Forwarded-For is never believed.
    assert client_address(peer, ", ".join(forwarded)) == peer


ROW_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ROW_TEXT, ROW_TEXT, ROW_TEXT, ROW_TEXT, ROW_TEXT), min_size=1, max_size=5))
def test_any_facilities_csv_is_imported_or_refused_with_named_problems(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("export")
    with open(folder / "facilities.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["cers_id", "name", "street", "city", "zip", "phone", "programs"])
        for cers_id, name, city, zip_code, programs in rows:
            writer.writerow([cers_id, name, "1 Main St", city, zip_code, "", programs])
    for name, header in (
        ("submittals.csv", "cers_id,element,status,date,reviewed_on"),
        ("changes.csv", "cers_id,change,changed_on"),
    ):
        (folder / name).write_text(header + "\n", encoding="utf-8")
    try:
        records = read_folder(folder)
    except ImportFailed as failed:
        assert failed.problems and all(str(problem) for problem in failed.problems)
    else:
        assert all(is_cers_id(cers_id) for cers_id in records)
