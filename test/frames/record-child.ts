// Child process for the SIGKILL test in recording.test.ts: captures a real Xvfb as fast as it can,
// painting a colour derived from the next seq before each capture, and records every frame. It
// prints one line per frame whose index line is on disk; the parent kills it mid-run.
// Usage: node record-child.js DISPLAY RECORD_DIR
import { X11Painter } from '../helpers/x11-painter.js';
import { X11FrameSource } from '../../src/frames/x11-source.js';
import { Recorder } from '../../src/frames/recording.js';

/** The colour painted before capture number `seq` (shared with the parent test). */
export function colourForSeq(seq: number): number {
  return (((seq * 37) % 256) << 16) | (((seq * 91) % 256) << 8) | 0x40;
}

async function main(display: string, dir: string): Promise<void> {
  const painter = await X11Painter.open(display);
  const source = await X11FrameSource.open({ xDisplay: display });
  const recorder = await Recorder.create(dir, {
    source: { kind: 'x11' },
    fps: 30,
    displays: await source.displays(),
    maxInFlight: 2,
    onFrameStored: (entry) => process.stdout.write(`stored ${entry.seq}\n`),
  });
  for (let seq = 0; ; seq++) {
    await painter.fillAll(colourForSeq(seq));
    const frame = (await source.capture())!;
    if (frame.seq !== seq) throw new Error(`seq ${frame.seq} != ${seq}`);
    recorder.writeFrame(frame);
    recorder.writeEvent({ type: 'frame', seq });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

if (process.argv[1]?.endsWith('record-child.js')) {
  main(process.argv[2]!, process.argv[3]!).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
