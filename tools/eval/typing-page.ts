// A document page where someone is typing: 1920x1080 of prose in an editor-like layout, rendered
// once per keystroke batch so the only change between two frames is one line of text. Used to
// measure the incremental update against a full read.

const SENTENCES = [
  'The quarterly report covers revenue, operating costs and the outlook for the next two quarters.',
  'Each team lead should review the figures for their department before the meeting on Thursday.',
  'Shipping times improved after the warehouse moved to the new scheduling system in March.',
  'Customer support resolved most tickets within a day; the backlog is now under two hundred.',
  'Please send comments on the draft by Friday so that the final version can go out on Monday.',
  'The design review found three issues with the settings page and one with the login flow.',
  'Server costs rose by eight percent, mostly from storage for the new analytics pipeline.',
  'Hiring is on track: four engineers and two designers joined the product group this month.',
  'The mobile release adds offline mode, a redesigned search screen and faster start-up.',
  'Security training is due for everyone by the end of the month; the course takes an hour.',
];

/** Lines of the document: the sentences in a fixed order, numbered so no two lines are alike. */
export function documentLines(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${i + 1}. ${SENTENCES[(i * 7) % SENTENCES.length]!}`);
}

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The page with `typed` appended to line `editedLine` (0-based). */
export function typingPageHtml(lines: string[], editedLine: number, typed: string): string {
  const body = lines
    .map((line, i) => `<p>${escapeHtml(i === editedLine ? line + typed : line)}</p>`)
    .join('\n');
  return `<!doctype html><html><head><style>
body { margin: 0; background: #fff; color: #1f1f1f; font: 17px/26px "DejaVu Sans", sans-serif; }
header { height: 48px; background: #f3f3f3; border-bottom: 1px solid #ddd; font-size: 15px; line-height: 48px; padding-left: 24px; }
main { width: 1180px; margin: 24px auto; }
p { margin: 0 0 6px 0; }
</style></head><body><header>File Edit View Insert Format Tools Help</header><main>
${body}
</main></body></html>`;
}

/** What has been typed after `keystrokes` characters of a fixed phrase (repeated as needed). */
export function typedText(keystrokes: number): string {
  const phrase = ' Updated figures follow in the appendix, see table four for details and sources.';
  let out = '';
  while (out.length < keystrokes) out += phrase;
  return out.slice(0, keystrokes);
}
