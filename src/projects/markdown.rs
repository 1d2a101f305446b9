//! Instructions as a person previews them: CommonMark (pulldown-cmark) to
//! HTML that is safe on a Studio page. Raw HTML in the markdown is shown as
//! text (escaped), never passed through; a link or image whose URL is not
//! http(s), mailto or relative keeps its text and loses its URL (no
//! `javascript:`); text is escaped by the renderer. The Instructions go to
//! hosts as plain text; this is only the preview.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.split_once(':') {
        // A colon before any '/', '?' or '#' is a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#']) => matches!(scheme, "http" | "https" | "mailto"),
        _ => true,
    }
}

/// The HTML of `markdown`, safe to insert into a page.
pub fn to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|ev| match ev {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: CowStr::from(""), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Image { link_type, dest_url: CowStr::from(""), title, id })
        }
        other => other,
    });
    let mut out = String::new();
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_html_is_escaped() {
        let out =
            to_safe_html("# Orders\n\nUse **show_order**.\n\n<script>alert(1)</script>\n\nand <b onclick=x>bold</b>");
        assert!(out.contains("<h1>Orders</h1>"), "{out}");
        assert!(out.contains("<strong>show_order</strong>"), "{out}");
        assert!(!out.contains("<script") && !out.contains("<b "), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
    }

    #[test]
    fn only_safe_link_urls_survive() {
        let out = to_safe_html("[a](javascript:alert(1)) [b](https://example.com/x) [c](/rel) ![i](data:text/html,x)");
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("data:"), "{out}");
        assert!(out.contains("href=\"https://example.com/x\""), "{out}");
        assert!(out.contains("href=\"/rel\""), "{out}");
    }
}
