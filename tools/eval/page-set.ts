// Which pages an evaluation renders: every .html file directly inside the given folders, in name
// order, optionally thinned to `limit` pages per folder spread evenly over its list (deterministic).
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spread } from './page-score.js';

export async function listPages(folders: string[], limit?: number): Promise<string[]> {
  const pages: string[] = [];
  for (const folder of folders) {
    const dir = resolve(folder);
    let names: string[];
    try {
      if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
      names = await readdir(dir);
    } catch (err) {
      throw new Error(`--pages ${folder}: cannot read the folder (${(err as Error).message}); pass a folder holding .html files`);
    }
    const html = names.filter((n) => n.toLowerCase().endsWith('.html')).sort();
    if (html.length === 0) throw new Error(`--pages ${folder}: no .html files in ${dir}`);
    const paths = html.map((n) => join(dir, n));
    pages.push(...(limit !== undefined ? spread(paths, limit) : paths));
  }
  return pages;
}

export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}
