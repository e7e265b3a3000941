"""Reports: a per-site table over thousands of sites shows the weakest ones, not all; paired differences."""

from segclf.evaluate import PageResult, build_report, format_report, paired_difference, paired_difference_by_page


def _result(site, good):
    return PageResult(
        name=f"{site}.html",
        site=site,
        texts=["the whole story of the day", "home about contact"],
        gold=["body", "nav"],
        predicted=["body", "nav"] if good else ["nav", "body"],
    )


def test_a_short_group_table_lists_every_group():
    text = format_report(build_report([_result(f"site{i}.example", True) for i in range(5)]))
    assert all(f"site{i}.example" in text for i in range(5))
    assert "lowest F1" not in text.split("lowest body-text F1")[0]


def test_a_long_group_table_lists_only_the_ten_weakest_groups():
    results = [_result(f"good{i:03}.example", True) for i in range(60)] + [_result("bad.example", False)]
    text = format_report(build_report(results))
    assert "61 groups; the 10 with the lowest F1 (all of them: --json)" in text
    assert "bad.example" in text
    assert sum(1 for line in text.splitlines() if line.startswith("good")) == 9


def test_a_paired_difference_is_clear_when_every_page_moves_the_same_way():
    difference = paired_difference([0.9] * 30, [0.8] * 30)
    assert round(difference.mean, 6) == 0.1 and difference.low == difference.high and difference.clear


def test_one_flipped_page_among_many_ties_is_no_clear_difference():
    # 26 pages level, one page a total loss: the mean moves by 1/27, the interval spans 0.
    ours, theirs = [0.95] * 26 + [0.0], [0.95] * 26 + [1.0]
    difference = paired_difference(ours, theirs)
    assert round(difference.mean, 4) == round(-1 / 27, 4)
    assert difference.low <= difference.mean <= difference.high and difference.high >= 0 and not difference.clear
    assert difference.pages == 27


def test_the_interval_is_reproducible_and_empty_input_gives_nothing():
    ours, theirs = [0.9, 0.7, 0.8, 1.0, 0.6], [0.8, 0.8, 0.7, 0.9, 0.7]
    assert paired_difference(ours, theirs) == paired_difference(ours, theirs)
    assert paired_difference([], []).pages == 0


def test_pages_are_paired_by_id_and_a_page_only_one_side_scored_is_left_out():
    difference = paired_difference_by_page({"a": 0.9, "b": 0.7, "only ours": 0.0}, {"b": 0.6, "a": 0.8})
    assert difference.pages == 2 and round(difference.mean, 6) == 0.1
