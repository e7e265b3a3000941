"""Reports: a per-site table over thousands of sites shows the weakest ones, not all."""

from segclf.evaluate import PageResult, build_report, format_report


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
