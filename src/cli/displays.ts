// `sightline displays`: what can be captured, with origins in the virtual desktop and scale factors.
import { openFrameSource, parseSourceArg } from '../frames/open-frame-source.js';
import { parseFlags } from './args.js';

export const DISPLAYS_HELP = `Usage: sightline displays [--source SRC] [--json]

Lists the displays a source can capture: id, origin in the virtual desktop, size in physical
pixels, scale factor. --json prints them as JSON on stdout.
`;

export async function displaysCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags('displays', argv, { source: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(DISPLAYS_HELP);
    return 0;
  }
  const source = await openFrameSource(parseSourceArg(values.source));
  try {
    const displays = await source.displays();
    if (values.json) process.stdout.write(JSON.stringify(displays, null, 2) + '\n');
    else for (const d of displays) process.stdout.write(`${d.id}${d.primary ? '*' : ' '} ${d.width}x${d.height} at ${d.x},${d.y} scale ${d.scaleFactor}${d.name ? `  ${d.name}` : ''}\n`);
    return 0;
  } finally {
    await source.close();
  }
}
