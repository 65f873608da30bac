"""The SVG charts: well-formed, accessible, escaped, readable without colour."""

import xml.etree.ElementTree as ET

from projects import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup):
    return ET.fromstring(str(markup))


def texts(root):
    return [t.text for t in root.iter(f"{SVG}text")]


def test_bar_chart_prints_each_value_and_scales_by_viewbox():
    root = parse(charts.bar_chart([("产品质量", 62.5), ("工程质量", 30)], title="按类别完成率"))
    assert root.get("viewBox").startswith("0 0 640 ")
    assert root.get("role") == "img"
    assert root.get("aria-label") == "按类别完成率"
    assert root.find(f"{SVG}title").text == "按类别完成率"
    assert "62.5%" in texts(root)
    assert "30%" in texts(root)
    assert "产品质量" in texts(root)
    assert "<script" not in str(charts.bar_chart([("a", 1)]))


def test_labels_are_xml_escaped():
    evil = '<script>alert("x")</script>&'
    markup = str(charts.bar_chart([(evil, 10)], title=evil, unit=""))
    assert "<script>" not in markup
    root = parse(markup)  # still well-formed
    assert root.get("aria-label") == evil
    parse(charts.line_chart([(evil, [(evil, 1)])], title=evil))
    parse(charts.target_vs_actual([(evil, 1, 2)], title=evil))
    parse(charts.stacked_status_bar({"green": 1, "late": 1, "amber": 2, "red": 3}, title=evil))


def test_stacked_status_bar_names_every_segment_with_count_and_hatches_non_green():
    counts = {"green": 20, "late": 7, "amber": 5, "red": 8}
    root = parse(charts.stacked_status_bar(counts, title="项目状态"))
    words = " ".join(t for t in texts(root) if t)
    assert "正常 20（50%）" in words
    assert "逾期完成 7（18%）" in words
    assert "临期 5（12%）" in words
    assert "逾期未完成 8（20%）" in words
    # Late, amber and red each have a pattern of their own; green is solid.
    patterns = list(root.iter(f"{SVG}pattern"))
    assert len(patterns) == 3
    assert len({ET.tostring(p).replace(p.get("id").encode(), b"") for p in patterns}) == 3


def test_late_segment_is_drawn_in_order_between_green_and_amber():
    root = parse(charts.stacked_status_bar({"green": 1, "late": 1, "amber": 1, "red": 1}))
    titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert titles == ["正常：1", "逾期完成：1", "临期：1", "逾期未完成：1"]


def test_the_legend_wraps_rather_than_running_off_the_chart():
    counts = {"green": 12345, "late": 12345, "amber": 12345, "red": 12345}
    root = parse(charts.stacked_status_bar(counts))
    width = float(root.get("width"))
    legend = [t for t in root.iter(f"{SVG}text") if t.text and "（" in t.text]
    assert len(legend) == 4
    assert all(float(t.get("x")) < width for t in legend)
    assert len({t.get("y") for t in legend}) == 2  # two lines


def test_two_charts_on_one_page_do_not_share_pattern_ids():
    counts = {"green": 1, "late": 1, "amber": 1, "red": 1}
    a = parse(charts.stacked_status_bar(counts))
    b = parse(charts.stacked_status_bar(counts))
    ids_a = {p.get("id") for p in a.iter(f"{SVG}pattern")}
    ids_b = {p.get("id") for p in b.iter(f"{SVG}pattern")}
    assert ids_a and not ids_a & ids_b


def test_empty_status_bar_says_so():
    assert "暂无进度节点" in texts(parse(charts.stacked_status_bar({})))


def test_line_chart_labels_points_and_skips_missing_values():
    root = parse(
        charts.line_chart(
            [("完成率", [("1月", 50), ("2月", None), ("3月", 75)]), ("计划", [("1月", 10)])],
            title="趋势",
        )
    )
    t = texts(root)
    assert {"1月", "2月", "3月", "50", "75", "10", "完成率", "计划"} <= set(t)
    # The missing February value breaks the line in two.
    assert len(list(root.iter(f"{SVG}polyline"))) == 3


def test_target_vs_actual_prints_missing_values_as_words():
    t = texts(
        parse(charts.target_vs_actual([("名牌产品", 13, 10), ("超标率", 5, None)], unit="个"))
    )
    assert "13个" in t and "10个" in t and "未填报" in t
