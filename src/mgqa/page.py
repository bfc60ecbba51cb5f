"""The chat page's look and behaviour: the theme, the CSS of the answer markup, and the one script the page runs.

Colours are chosen for a text contrast of at least 4.5:1 (WCAG AA), and nothing is told by colour alone:
every badge carries its meaning in words.
"""

from __future__ import annotations

CSS = """
#mgqa-intro p { color: var(--body-text-color-subdued); }
.mgqa-question { white-space: normal; }
#mgqa-chat .message-wrap .prose.chatbot.md { opacity: 1; }  /* Gradio dims chat text to 80%: below 4.5:1 */
#mgqa-chat .scroll-down-button-container { left: auto; right: 1.2rem; transform: none; }  /* not over the text */
.mgqa-answer { display: flex; flex-direction: column; gap: .6rem; line-height: 1.55; overflow-wrap: anywhere; }
.mgqa-answer p { margin: 0; }
.mgqa-caution { background: #fff8e1; border-left: 4px solid #e0a800; padding: .45rem .75rem; color: #4a3b00;
                border-radius: 4px; font-size: .93em; }
.mgqa-notice { border-radius: 6px; padding: .6rem .8rem; border: 1px solid; }
.mgqa-notice p + p { margin-top: .3rem; }
.mgqa-notice-urgent { background: #fdecea; border: 2px solid #c62828; color: #7f1010; font-size: 1.05em; }
.mgqa-notice-not-found, .mgqa-notice-invalid { background: #eef3fb; border-color: #9db5de; color: #1d3557; }
.mgqa-notice-answered { background: #fff8e1; border-color: #b8860b; color: #4a3500; }
.mgqa-lead { font-weight: 600; }
.mgqa-quote { border: 1px solid var(--border-color-primary); border-radius: 6px; padding: .55rem .75rem;
              background: var(--background-fill-primary); }
.mgqa-promotional { border-color: #a34700; }
.mgqa-where { font-size: .92em; }
.mgqa-from { display: flex; flex-wrap: wrap; gap: .3rem; margin-top: .25rem; font-size: .85em; }
.mgqa-num { display: inline-block; min-width: 1.4em; text-align: center; border-radius: 50%;
            background: #0f766e; color: #fff; font-size: .8em; margin-right: .2em; }
.mgqa-badge, .mgqa-source { border-radius: 4px; padding: .05em .45em; border: 1px solid; }
.mgqa-badge { background: #a34700; border-color: #a34700; color: #fff; font-weight: 600; }
.mgqa-source-public-health { background: #e3f0fc; border-color: #0d47a1; color: #0d47a1; }
.mgqa-source-clinic { background: #e6f4ea; border-color: #1b5e20; color: #1b5e20; }
.mgqa-source-commercial { background: #fdebd9; border-color: #7a3300; color: #7a3300; }
.mgqa-source-unknown { background: #eef0f2; border-color: #374151; color: #374151; }
.mgqa-source-type { font-weight: 700; }
.mgqa-quote blockquote { margin: .4rem 0; padding: .2rem .8rem; border-left: 4px solid #0f766e;
                         font-style: normal; color: var(--body-text-color); }
.mgqa-quote mark { background: #fff0a8; color: inherit; padding: 0 .1em; border-radius: 2px; }
.mgqa-links { font-size: .88em; }
.mgqa-also { font-size: .85em; margin-top: .3rem; }
.mgqa-also ul { margin: .15rem 0 0; padding-left: 1.1rem; }
.mgqa-disagree { border: 2px solid #7a3300; border-radius: 6px; padding: .6rem .8rem; background: #fffaf3;
                 color: #3d1a00; }
.mgqa-disagree-title { font-size: 1.05em; }
.mgqa-quantity { margin-top: .4rem !important; }
.mgqa-sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: .5rem;
              list-style: none; margin: .4rem 0 0; padding: 0; }
.mgqa-sides li { margin: 0; padding: .45rem .6rem; border: 1px solid #c9a27e; border-radius: 6px; background: #fff;
                 display: flex; flex-direction: column; align-items: flex-start; gap: .2rem; }
.mgqa-value { font-size: 1.2em; font-weight: 700; }
.mgqa-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
           clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
#mgqa-chat :focus-visible, #mgqa-chat a:focus-visible { outline: 3px solid #0d47a1; outline-offset: 2px; }
/* Gradio scopes rules to its page body, except top-level ones: the page margin is set here, not in @media */
.main.app { padding-left: min(2rem, 3vw) !important; padding-right: min(2rem, 3vw) !important; }
@media (max-width: 640px) {
  #mgqa-intro h1 { font-size: 1.35rem; }
  #mgqa-chat { height: min(620px, 64svh) !important; }
  #mgqa-chat:not(:has(.mgqa-answer, .mgqa-question)) { height: 8rem !important; }
  #mgqa-chat .message-row { max-width: 100% !important; }
  #mgqa-chat .bot.message { padding: 4px 6px; }
  .mgqa-caution { font-size: .85em; }
  .mgqa-quote { padding: .5rem .55rem; }
  .mgqa-quote blockquote { padding: .2rem 0 .2rem .6rem; }
}
"""

# Gradio's chatbot scrolls to the end of the conversation; a person asking about their health should see the
# start of the answer instead (an emergency notice, or the caution and the best quote). The chat's own
# autoscroll is off, and this, run once when the page loads, brings each new answer's first line to the top of
# the chat, with room made below a short answer so it can get there, and the chat on screen.
SCRIPT = """
() => {
  const seen = new WeakSet();
  const scroller = (element) => {
    for (let e = element.parentElement; e; e = e.parentElement) {
      if (["auto", "scroll"].includes(getComputedStyle(e).overflowY)) return e;
    }
    return null;
  };
  const show = (answer) => {
    const box = scroller(answer);
    const wrap = answer.closest(".message-wrap");
    if (box && wrap) {
      wrap.style.paddingBottom = "0px";
      if (box.scrollHeight > box.clientHeight) {
        const offset = answer.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop - 8;
        const room = box.scrollHeight - box.clientHeight;
        if (offset > room) wrap.style.paddingBottom = `${offset - room}px`;
        box.scrollTop = offset;
      }
    }
    const top = answer.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight / 3) window.scrollBy(0, top - 8);
  };
  new MutationObserver(() => {
    const answers = document.querySelectorAll("#mgqa-chat .mgqa-answer");
    const last = answers[answers.length - 1];
    if (!last || seen.has(last)) return;
    answers.forEach((answer) => seen.add(answer));
    requestAnimationFrame(() => show(last));
  }).observe(document.body, {childList: true, subtree: true});
}
"""


def theme(gr):
    """Gradio's Soft theme in teal, darkened where its defaults fall below 4.5:1, on the system fonts."""
    return gr.themes.Soft(
        primary_hue="teal", font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],  # no web-font requests
    ).set(
        body_text_color_subdued="*neutral_600",
        color_accent="*primary_700",  # the selected tab's label
        block_label_text_color="*primary_800",
        block_title_text_color="*primary_800",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white",
        button_primary_text_color_hover="white",
    )
