import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filter, firstValueFrom } from 'rxjs';
import { Runtime, type RuntimeEvent } from '../../src/pipeline/runtime.js';
import { Metrics } from '../../src/metrics.js';
import type { PerceptionEngine } from '../../src/perception/engine.js';
import type { Frame } from '../../src/frames/frame.js';
import type { Rect } from '../../src/frames/rect.js';
import type { ElementsDiff, UiElement } from '../../src/perception/element.js';
import type { Perception } from '../../src/perception/perception.js';
import { MemorySource, solidFrame } from '../helpers/memory-source.js';

function collect(runtime: Runtime): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  runtime.events.subscribe((e) => events.push(e));
  return events;
}

test('unchanged frames stop at the change stage; changed ones become frame events', async () => {
  const source = new MemorySource([solidFrame(0), solidFrame(1), solidFrame(2, [[5, 5, 0xff]]), solidFrame(3, [[5, 5, 0xff]]), solidFrame(4)]);
  const metrics = new Metrics();
  const runtime = new Runtime({ source, fps: 500, metrics });
  const events = collect(runtime);
  await runtime.start();
  const frames = events.filter((e) => e.type === 'frame').map((e) => (e as { frame: Frame }).frame);
  assert.deepEqual(frames.map((f) => f.seq), [0, 2, 4]);
  assert.deepEqual(frames[1]!.dirtyRects, [{ x: 0, y: 0, width: 32, height: 32 }]);
  assert.equal(metrics.counter('frames.unchanged'), 2);
  assert.equal(metrics.counter('frames.changed'), 3);
});

/** An engine that holds its first update until released, recording the dirty rects it is given. */
class GatedEngine implements PerceptionEngine {
  readonly name = 'gated';
  readonly seen: Array<{ seq: number; dirty: Rect[] }> = [];
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  async update(frame: Frame): Promise<Perception> {
    this.seen.push({ seq: frame.seq, dirty: frame.dirtyRects });
    if (this.seen.length === 1) await this.gate;
    const element: UiElement = { id: `e${frame.seq}`, kind: 'text', text: String(frame.seq), box: { x: 0, y: 0, width: 1, height: 1 }, confidence: 1, words: [], blockId: 'b0', order: 0 };
    return { seq: frame.seq, engine: this.name, elements: { seq: frame.seq, added: [element], removed: [], changed: [] } };
  }

  open(): void {
    this.release();
  }

  elements(): UiElement[] {
    return [];
  }

  async close(): Promise<void> {}
}

test('a busy engine gets the newest frame, carrying the dirty areas of the frames it skipped', async () => {
  // Each frame changes a different tile: 0 (full), then tiles at (0,0), (1,0), (0,1).
  const source = new MemorySource([solidFrame(0), solidFrame(1, [[1, 1, 0xff]]), solidFrame(2, [[1, 1, 0xff], [40, 1, 0xff]]), solidFrame(3, [[1, 1, 0xff], [40, 1, 0xff], [1, 40, 0xff]])]);
  const engine = new GatedEngine();
  const metrics = new Metrics();
  const runtime = new Runtime({ source, fps: 500, metrics, perception: engine });
  const events = collect(runtime);
  // Release the engine once frame 3 has passed change detection (frame events are emitted before the
  // perceive stage sees the same frame), so frames 1..3 all arrive while the engine is busy.
  runtime.events.subscribe((e) => {
    if (e.type === 'frame' && e.frame.seq === 3) engine.open();
  });
  const done = runtime.start();
  await done;
  assert.deepEqual(engine.seen.map((s) => s.seq), [0, 3], 'frames 1 and 2 were overtaken by 3');
  const dirty = engine.seen[1]!.dirty;
  for (const tile of [{ x: 0, y: 0 }, { x: 32, y: 0 }, { x: 0, y: 32 }]) {
    assert.ok(dirty.some((r) => r.x === tile.x && r.y === tile.y), `tile ${JSON.stringify(tile)} is in ${JSON.stringify(dirty)}`);
  }
  assert.equal(metrics.counter('perceive.frames_dropped'), 2, 'frame 1 was overtaken by 2, then 2 by 3');
  assert.deepEqual(events.filter((e) => e.type === 'elements').map((e) => (e as { diff: ElementsDiff }).diff.seq), [0, 3]);
});

test('a failing engine reports an error event and perception goes on', async () => {
  const source = new MemorySource([solidFrame(0), solidFrame(1, [[1, 1, 0xff]])]);
  let calls = 0;
  const engine: PerceptionEngine = {
    name: 'flaky',
    async update(frame) {
      calls++;
      if (frame.seq === 0) throw new Error('model exploded');
      return { seq: frame.seq, engine: 'flaky', elements: { seq: frame.seq, added: [], removed: ['x'], changed: [] } };
    },
    elements: () => [],
    close: async () => {},
  };
  const runtime = new Runtime({ source, fps: 500, metrics: new Metrics(), perception: engine });
  const events = collect(runtime);
  // The proof that perception went on: the elements event of the frame after the failed one.
  const nextElements = firstValueFrom(runtime.events.pipe(filter((e) => e.type === 'elements')), { defaultValue: null });
  const done = runtime.start();
  const elements = await nextElements;
  await done;
  assert.ok(elements && elements.type === 'elements', 'an elements event followed the failure');
  assert.deepEqual(elements.diff, { seq: 1, added: [], removed: ['x'], changed: [] });
  assert.equal(calls, 2, 'frame 0 failed, frame 1 was perceived');
  assert.deepEqual(events.map((e) => e.type).filter((t) => t !== 'frame' && t !== 'metrics'), ['error', 'elements']);
  const error = events.find((e) => e.type === 'error');
  assert.ok(error && error.type === 'error' && /model exploded/.test(error.message) && /frame 0/.test(error.message));
});

test('pause stops capture and resume continues; stop completes the graph', async () => {
  const frames = Array.from({ length: 1000 }, (_, i) => solidFrame(i, [[i % 64, 0, 0xff]]));
  const source = new MemorySource(frames);
  const runtime = new Runtime({ source, fps: 200, metrics: new Metrics() });
  const done = runtime.start();
  await source.servedAtLeast(3);
  runtime.pause();
  const servedAtPause = source.served;
  // A capture in flight at the moment of pausing may still complete; after that nothing is served.
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(source.served <= servedAtPause + 1, `served ${source.served} after pausing at ${servedAtPause}`);
  runtime.resume();
  await source.servedAtLeast(servedAtPause + 3);
  await runtime.stop();
  await done;
  assert.ok(source.served < frames.length);
});
