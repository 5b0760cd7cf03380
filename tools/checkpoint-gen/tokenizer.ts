// A real byte-level BPE tokenizer.json in the Hugging Face `tokenizers` format, shaped like the
// DeepSeek-LLM one (reference §5, §6.2): GPT-2 byte→unicode alphabet, merges learned here from a
// small built-in corpus, a Split+ByteLevel pre-tokenizer, a ByteLevel decoder, and the DeepSeek
// added tokens at 100000.. (BOS, EOS, 13 single characters, <image_placeholder> = 100015).

export const BOS = '<｜begin▁of▁sentence｜>';
export const EOS = '<｜end▁of▁sentence｜>';
export const IMAGE_PLACEHOLDER = '<image_placeholder>';
/** 100002–100014 are non-special single-character added tokens in DeepSeek's tokenizer (reference §6.2). */
const EXTRA_CHARS = ['ø', 'ö', 'ú', 'ÿ', 'õ', '÷', 'û', 'ý', 'À', 'ù', 'Á', 'þ', 'ü'];
/** Base BPE vocabulary size of DeepSeek-LLM: added tokens start here. */
export const BASE_VOCAB = 100000;
const MERGES = 600;

/** The GPT-2 byte→unicode map: printable bytes map to themselves, the rest to U+0100 upwards. */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCodePoint(printable ? b : 256 + extra++);
  }
  return table;
}

/** The pre-tokenizer splits, in order (Isolated); JS-compatible with the `u` flag. */
export const SPLIT_PATTERNS = ['[\\r\\n]', '\\s?\\p{L}+', '\\s?[!-/:-~]+', '\\s+$', '[一-龥ࠀ-一가-퟿]+', '\\p{N}'];

const CORPUS = `You are a helpful language and vision assistant. You are able to understand the visual content that the user provides, and assist the user with a variety of tasks using natural language.
User: Describe each stage of this image.
Assistant: The screen shows a login form with a username field, a password field and a Sign in button.
File Edit View History Bookmarks Tools Help. Open Save Save As Close Quit Undo Redo Cut Copy Paste Select All Find Replace.
Settings Preferences Account Profile Notifications Search results for the query. Click the Submit button to continue, or Cancel to go back.
The quick brown fox jumps over the lazy dog. Where is the Save button? It is at the top right of the window, next to the Share menu.
Terminal: npm install, git commit, git status, ls -la /home/user/projects. Error: file not found. Warning: disk almost full.
Dashboard Overview Reports Analytics Users Groups Permissions Billing Invoices Payments Orders Products Customers Inventory.
The dialog asks whether to save changes to the document before closing. Buttons: Save, Don't Save, Cancel.
Numbers 0 1 2 3 4 5 6 7 8 9 and dates like 2024-03-11 appear in tables, charts and forms on the page.`;

function learnMerges(byteChar: string[]): Array<[string, string]> {
  const split = new RegExp(SPLIT_PATTERNS.join('|') + '|\\s+', 'gu');
  const words = new Map<string, number>();
  for (const m of CORPUS.matchAll(split)) {
    const key = Array.from(Buffer.from(m[0], 'utf8'), (b) => byteChar[b]!).join('\u0000');
    words.set(key, (words.get(key) ?? 0) + 1);
  }
  let seqs = [...words].map(([k, n]) => ({ parts: k.split('\u0000'), n }));
  const merges: Array<[string, string]> = [];
  for (let step = 0; step < MERGES; step++) {
    const counts = new Map<string, number>();
    for (const { parts, n } of seqs) for (let i = 0; i + 1 < parts.length; i++) {
      const key = `${parts[i]}\u0000${parts[i + 1]}`;
      counts.set(key, (counts.get(key) ?? 0) + n);
    }
    let best = '';
    let bestN = 1;
    // Ties break on the pair text so the result does not depend on Map order.
    for (const [k, n] of counts) if (n > bestN || (n === bestN && best !== '' && k < best)) [best, bestN] = [k, n];
    if (best === '') break;
    const [a, b] = best.split('\u0000') as [string, string];
    merges.push([a, b]);
    seqs = seqs.map(({ parts, n }) => {
      const out: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === a && parts[i + 1] === b) out.push(a + b), i++;
        else out.push(parts[i]!);
      }
      return { parts: out, n };
    });
  }
  return merges;
}

function addedToken(id: number, content: string, special: boolean) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special };
}

export function addedTokens() {
  return [
    addedToken(BASE_VOCAB, BOS, true),
    addedToken(BASE_VOCAB + 1, EOS, true),
    ...EXTRA_CHARS.map((c, i) => addedToken(BASE_VOCAB + 2 + i, c, false)),
    addedToken(BASE_VOCAB + 15, IMAGE_PLACEHOLDER, true),
  ];
}

export function tokenizerJson(): object {
  const byteChar = bytesToUnicode();
  const merges = learnMerges(byteChar);
  const vocab: Record<string, number> = {};
  byteChar.forEach((c, b) => (vocab[c] = b));
  let next = 256;
  for (const [a, b] of merges) if (vocab[a + b] === undefined) vocab[a + b] = next++;
  // The real vocabulary has 100000 BPE entries; fill the rest with distinct, readable tokens so every
  // id a random model can emit below 100000 decodes to text.
  for (let i = 0; next < BASE_VOCAB; i++) {
    const filler = `Ġw${i}`;
    if (vocab[filler] === undefined) vocab[filler] = next++;
  }
  const bosEntry = { id: BOS, type_id: 0 };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(),
    normalizer: { type: 'Sequence', normalizers: [] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        ...SPLIT_PATTERNS.map((p) => ({ type: 'Split', pattern: { Regex: p }, behavior: 'Isolated', invert: false })),
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: bosEntry }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: bosEntry }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: BOS, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { [BOS]: { id: BOS, ids: [BASE_VOCAB], tokens: [BOS] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
}

export function tokenizerConfigJson(): object {
  const decoder: Record<string, object> = {};
  for (const t of addedTokens()) decoder[String(t.id)] = { content: t.content, lstrip: false, normalized: t.normalized, rstrip: false, single_word: false, special: t.special };
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: [IMAGE_PLACEHOLDER],
    bos_token: BOS,
    clean_up_tokenization_spaces: false,
    eos_token: EOS,
    legacy: true,
    model_max_length: 16384,
    pad_token: null,
    sp_model_kwargs: {},
    tokenizer_class: 'LlamaTokenizerFast',
    unk_token: null,
    use_default_system_prompt: false,
  };
}

export function specialTokensMapJson(): object {
  const tok = (content: string) => ({ content, lstrip: false, normalized: true, rstrip: false, single_word: false });
  return { additional_special_tokens: [IMAGE_PLACEHOLDER], bos_token: tok(BOS), eos_token: tok(EOS), pad_token: tok(EOS) };
}
