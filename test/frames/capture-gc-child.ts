// Child process for the capture-retention test in x11-source.test.ts (run with --expose-gc):
// captures COUNT frames of a real Xvfb over METHOD (auto, shm or getimage), repainting the whole screen before each so that
// every frame is a new buffer, drops each frame at once, then collects garbage and prints how many
// of the captured buffers were finalized, as one JSON line.
// Usage: node --expose-gc capture-gc-child.js DISPLAY METHOD COUNT
import { X11Painter } from '../helpers/x11-painter.js';
import { X11FrameSource } from '../../src/frames/x11-source.js';

declare const gc: () => void;

async function main(display: string, method: 'auto' | 'shm' | 'getimage', count: number): Promise<void> {
  const painter = await X11Painter.open(display);
  const source = await X11FrameSource.open({ xDisplay: display, method });
  let finalized = 0;
  const registry = new FinalizationRegistry<number>(() => void finalized++);
  const external0 = process.memoryUsage().external + process.memoryUsage().arrayBuffers;
  for (let i = 0; i < count; i++) {
    await painter.fillAll((i * 0x050301) & 0xffffff);
    const frame = (await source.capture())!;
    registry.register(frame.data, i);
  }
  // Finalizers run in their own tasks after a collection: collect, yield, repeat until quiet.
  for (let round = 0; round < 20 && finalized < count; round++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const usage = process.memoryUsage();
  const retainedBytes = usage.external + usage.arrayBuffers - external0;
  process.stdout.write(JSON.stringify({ method: source.method, count, finalized, retainedBytes }) + '\n');
  await source.close();
  await painter.close();
}

if (process.argv[1]?.endsWith('capture-gc-child.js')) {
  main(process.argv[2]!, process.argv[3] as 'auto' | 'shm' | 'getimage', Number(process.argv[4])).catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
