// The evaluation loop shared by the accuracy CLI and the speed benchmark: render each page once
// per scale, let every reader read it, score each reader with the same code and the same grounder.
import { basename } from 'node:path';
import type { UiElement } from '../../src/perception/element.js';
import { addScores, emptyScore, scorePage, summarize, type Grounder, type Score, type Summary } from './page-score.js';
import { fileUrl } from './page-set.js';
import type { PageRenderer, RenderedPage } from './render-page.js';

export interface PageReader {
  name: string;
  read(page: RenderedPage, scale: number): Promise<UiElement[]>;
}

export interface EvalConfig {
  pages: string[];
  scales: number[];
  /** Viewport in CSS pixels. */
  width: number;
  height: number;
  readers: PageReader[];
  ground: Grounder;
  /** Called after each page (progress on a terminal). */
  onPage?: (done: number, total: number, page: string, scale: number) => void;
}

export interface EvalResult {
  reader: string;
  scale: number;
  score: Score;
  summary: Summary;
}

export async function evaluate(renderer: PageRenderer, cfg: EvalConfig): Promise<EvalResult[]> {
  const scores = new Map<string, Score>();
  const key = (reader: string, scale: number): string => `${reader}@${scale}`;
  const total = cfg.pages.length * cfg.scales.length;
  let done = 0;
  for (const scale of cfg.scales) {
    for (const path of cfg.pages) {
      const page = await renderer.render({ url: fileUrl(path), width: cfg.width, height: cfg.height, deviceScaleFactor: scale });
      const truth = { name: basename(path), lines: page.lines, words: page.words };
      for (const reader of cfg.readers) {
        const elements = await reader.read(page, scale);
        const k = key(reader.name, scale);
        scores.set(k, addScores(scores.get(k) ?? emptyScore(), scorePage(truth, elements, cfg.ground)));
      }
      cfg.onPage?.(++done, total, basename(path), scale);
    }
  }
  return cfg.scales.flatMap((scale) =>
    cfg.readers.map((r) => {
      const score = scores.get(key(r.name, scale)) ?? emptyScore();
      return { reader: r.name, scale, score, summary: summarize(score) };
    }),
  );
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** A markdown table, one row per reader and scale. */
export function accuracyTable(results: EvalResult[]): string {
  const head = '| engine | scale | pages | truth lines | line precision | line recall | CER | CER (no spaces) | word grounding | phrase grounding | grounding (all) | targets |';
  const rule = '|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = results.map(({ reader, scale, score, summary: s }) =>
    `| ${reader} | ${scale}x | ${s.pages} | ${score.truthLines} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.cer)} | ${pct(s.cerNoSpace)} | ${pct(s.wordGrounding)} | ${pct(s.phraseGrounding)} | ${pct(s.grounding)} | ${s.targets} |`,
  );
  return [head, rule, ...rows].join('\n');
}
