//! The full-text index as its callers use it: add, replace, delete, commit with a marker, reopen from
//! disk, search with scopes, and queries full of syntax that must come back as plain text.

use proptest::prelude::*;
use search::fulltext::{Document, FullText, Scope};

const DRUNK: &str = "被告人张某某于2023年5月在城关镇醉酒后驾驶机动车，血液酒精含量为每百毫升182毫克，\
    其行为已构成危险驾驶罪。公安机关在侦查阶段未依法调取事故现场监控录像，导致证据链条不完整。";
const THEFT: &str = "被告人李某多次入户盗窃，数额较大。检察机关审查起诉时发现，办案民警在讯问笔录中\
    存在同一时间段讯问两名犯罪嫌疑人的情形，程序严重违法，依法予以补正。";
const MEDIATION: &str = "本案系民间借贷纠纷，法院在审理中主持调解，双方当事人自愿达成调解协议。\
    承办法官在送达法律文书时超过法定期限，影响了当事人的诉讼权利。";

fn doc<'a>(
    id: &'a str,
    kind: &'a str,
    title: &'a str,
    body: &'a str,
    tags: &'a [String],
) -> Document<'a> {
    Document {
        id,
        kind,
        title,
        body,
        tags,
    }
}

fn library() -> FullText {
    let ft = FullText::in_memory().expect("index");
    let public = vec!["public".to_string()];
    let unit_a = vec!["own:/a/".to_string(), "sub:/a/".to_string()];
    ft.add(&doc("g1", "guiding", "张某某危险驾驶案", DRUNK, &public))
        .unwrap();
    ft.add(&doc("g2", "guiding", "李某盗窃案", THEFT, &public))
        .unwrap();
    ft.add(&doc(
        "c1",
        "commentary",
        "民事调解案件点评",
        MEDIATION,
        &unit_a,
    ))
    .unwrap();
    ft.commit("1").unwrap();
    ft
}

fn ids(r: &search::fulltext::Results) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn a_phrase_across_word_boundaries_is_found_and_marked() {
    let ft = library();
    // "后驾驶机动" starts inside one jieba word and ends inside another.
    let r = ft
        .search("后驾驶机动", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!(ids(&r), ["g1"]);
    assert!(
        r.hits[0].snippet_html.contains("<mark>后驾驶机动</mark>"),
        "{}",
        r.hits[0].snippet_html
    );
    // Words apart from each other still find the text, each word marked.
    let r = ft
        .search("酒精 监控录像", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!(ids(&r), ["g1"]);
    let s = &r.hits[0].snippet_html;
    assert!(
        s.contains("<mark>酒精</mark>") && s.contains("<mark>监控录像</mark>"),
        "{s}"
    );
    // Every part must match: one missing part leaves nothing.
    let r = ft
        .search("醉酒 调解", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!(r.total, 0);
    // Titles are marked too.
    let r = ft.search("盗窃", &Scope::Everything, None, 0, 10).unwrap();
    assert_eq!(ids(&r), ["g2"]);
    assert_eq!(r.hits[0].title_html, "李某<mark>盗窃</mark>案");
}

#[test]
fn pieces_match_as_written_else_every_word_anywhere() {
    let ft = library();
    let r = ft
        .search("后驾驶机动", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert!(r.exact);
    // No text has "醉酒的危险驾驶" as written; the one holding all its words is found instead.
    let r = ft
        .search("醉酒的危险驾驶", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!((ids(&r), r.exact), (vec!["g1"], false));
    let s = &r.hits[0].snippet_html;
    assert!(
        s.contains("<mark>醉酒</mark>") && s.contains("<mark>危险驾驶</mark>"),
        "{s}"
    );
    // Bigrams two apart must be in one run of text: "醉酒驾驶" is not in "醉酒驾车，驾驶机动车".
    let ft = FullText::in_memory().unwrap();
    ft.add(&doc("x", "guiding", "标题", "醉酒驾车，驾驶机动车", &[]))
        .unwrap();
    ft.add(&doc("y", "guiding", "标题", "他醉酒驾驶机动车", &[]))
        .unwrap();
    ft.commit("1").unwrap();
    let r = ft
        .search("醉酒驾驶", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!((ids(&r), r.exact), (vec!["y"], true));
    let r = ft
        .search("酒驾驶机", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!((ids(&r), r.exact), (vec!["y"], true));
    assert_eq!(r.hits[0].snippet_html, "他醉<mark>酒驾驶机</mark>动车");
}

#[test]
fn scope_and_kind_filter_results() {
    let ft = library();
    let r = ft
        .search("法律文书", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!(ids(&r), ["c1"]);
    let other_unit = Scope::AnyTag(vec!["public".into(), "sub:/b/".into()]);
    assert_eq!(
        ft.search("法律文书", &other_unit, None, 0, 10)
            .unwrap()
            .total,
        0
    );
    let unit_a = Scope::AnyTag(vec!["public".into(), "sub:/a/".into()]);
    assert_eq!(
        ft.search("法律文书", &unit_a, None, 0, 10).unwrap().total,
        1
    );
    assert_eq!(
        ft.search("法律文书", &unit_a, Some("guiding"), 0, 10)
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        ft.search("被告人", &Scope::AnyTag(vec![]), None, 0, 10)
            .unwrap()
            .total,
        0
    );
    let r = ft
        .search("被告人", &Scope::Everything, Some("guiding"), 0, 10)
        .unwrap();
    assert_eq!(r.total, 2);
    // Paging: the total stays, the page moves.
    let first = ft.search("被告人", &Scope::Everything, None, 0, 1).unwrap();
    let second = ft.search("被告人", &Scope::Everything, None, 1, 1).unwrap();
    assert_eq!((first.total, second.total), (2, 2));
    assert_ne!(ids(&first), ids(&second));
}

#[test]
fn replace_and_delete_take_effect_at_commit() {
    let ft = library();
    let public = vec!["public".to_string()];
    ft.add(&doc(
        "g2",
        "guiding",
        "李某诈骗案",
        "电信网络诈骗，涉案金额巨大。",
        &public,
    ))
    .unwrap();
    assert_eq!(
        ft.search("诈骗", &Scope::Everything, None, 0, 10)
            .unwrap()
            .total,
        0
    );
    ft.commit("2").unwrap();
    assert_eq!(
        ids(&ft.search("诈骗", &Scope::Everything, None, 0, 10).unwrap()),
        ["g2"]
    );
    assert_eq!(
        ft.search("入户盗窃", &Scope::Everything, None, 0, 10)
            .unwrap()
            .total,
        0
    );
    assert_eq!(ft.num_docs(), 3);
    ft.delete("g1").unwrap();
    ft.commit("3").unwrap();
    assert_eq!(
        ft.search("危险驾驶", &Scope::Everything, None, 0, 10)
            .unwrap()
            .total,
        0
    );
    assert_eq!(ft.num_docs(), 2);
    assert_eq!(ft.marker().as_deref(), Some("3"));
    ft.clear().unwrap();
    ft.commit("4").unwrap();
    assert_eq!(ft.num_docs(), 0);
}

#[test]
fn the_index_and_its_marker_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    {
        let ft = FullText::open(&path).unwrap();
        assert_eq!(ft.marker(), None);
        ft.add(&doc("g1", "guiding", "危险驾驶案", DRUNK, &[]))
            .unwrap();
        ft.commit("epoch:7").unwrap();
    }
    let ft = FullText::open(&path).unwrap();
    assert_eq!(ft.marker().as_deref(), Some("epoch:7"));
    assert_eq!(
        ft.search("血液酒精", &Scope::Everything, None, 0, 5)
            .unwrap()
            .total,
        1
    );
    drop(ft);
    // A damaged index is replaced by an empty one with no marker: the caller rebuilds it.
    std::fs::write(path.join("meta.json"), b"{ not json").unwrap();
    let ft = FullText::open(&path).unwrap();
    assert_eq!(ft.marker(), None);
    assert_eq!(ft.num_docs(), 0);
}

#[test]
fn text_is_escaped_in_titles_and_snippets() {
    let ft = FullText::in_memory().unwrap();
    ft.add(&doc(
        "x",
        "guiding",
        "<script>alert(1)</script>受贿案",
        "某法官收受\"好处费\"<img src=x onerror=alert(1)>，构成受贿罪。",
        &[],
    ))
    .unwrap();
    ft.commit("1").unwrap();
    let r = ft.search("受贿", &Scope::Everything, None, 0, 5).unwrap();
    assert_eq!(r.total, 1);
    let h = &r.hits[0];
    assert!(!h.title_html.contains("<script>"), "{}", h.title_html);
    assert!(h.title_html.contains("&lt;script&gt;"), "{}", h.title_html);
    assert!(!h.snippet_html.contains("<img"), "{}", h.snippet_html);
    assert!(
        h.snippet_html.contains("&quot;好处费&quot;"),
        "{}",
        h.snippet_html
    );
}

#[test]
fn syntax_characters_are_plain_text() {
    let ft = library();
    for q in [
        "\"危险驾驶",
        "title:危险驾驶",
        "危险驾驶 AND OR NOT",
        "(危险驾驶)^3~2",
        "<script>危险驾驶</script>",
        "危险驾驶*",
        "[* TO *]",
        "'\"\\/:;!?",
        "",
        "   ",
    ] {
        let r = ft.search(q, &Scope::Everything, None, 0, 10);
        assert!(r.is_ok(), "{q}: {r:?}");
    }
    let r = ft
        .search("title:危险驾驶", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!(r.total, 0, "\"title\" is a word to find, not a field");
    let r = ft
        .search("(危险驾驶)^3~2", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!(
        r.total, 0,
        "every part must match, \"3\" and \"2\" included"
    );
    let r = ft
        .search("<危险驾驶>", &Scope::Everything, None, 0, 10)
        .unwrap();
    assert_eq!(ids(&r), ["g1"]);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_query_is_answered(q in "\\PC{0,60}") {
        let ft = library();
        let r = ft.search(&q, &Scope::Everything, None, 0, 10);
        prop_assert!(r.is_ok());
        for h in r.unwrap().hits {
            prop_assert!(!h.snippet_html.contains("<script"));
        }
    }
}
