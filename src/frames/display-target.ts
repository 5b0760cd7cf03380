// Which part of the screen a source captures: a display by id, "all" (the bounding box of every
// display), and optionally a region inside it. Shared by every live source so ids and errors agree.
import type { DisplayInfo } from './frame.js';
import { intersection, type Rect } from './rect.js';
import { FrameSourceError } from './source-errors.js';

/** The bounding box of all displays: what `--display all` captures. */
export function virtualDesktop(displays: DisplayInfo[], scaleFactor = displays[0]?.scaleFactor ?? 1): DisplayInfo {
  const left = Math.min(...displays.map((d) => d.x));
  const top = Math.min(...displays.map((d) => d.y));
  const right = Math.max(...displays.map((d) => d.x + d.width));
  const bottom = Math.max(...displays.map((d) => d.y + d.height));
  return { id: 'all', name: 'virtual desktop', x: left, y: top, width: right - left, height: bottom - top, scaleFactor, primary: false };
}

/** Resolves `display` and `region` against the monitors; the error lists what is available. */
export function resolveTarget(displays: DisplayInfo[], displayId: string, region?: Rect): { display: DisplayInfo; region: Rect } {
  const display = displayId === 'all' ? virtualDesktop(displays) : displays.find((d) => d.id === displayId);
  if (!display) {
    const ids = displays.map((d) => `${d.id}${d.name ? ` (${d.name})` : ''}`).join(', ');
    throw new FrameSourceError('ERR_UNKNOWN_DISPLAY', `no display "${displayId}"; this X server has: ${ids}, or "all".`);
  }
  const whole = { x: 0, y: 0, width: display.width, height: display.height };
  if (!region) return { display, region: whole };
  const inside = intersection(region, whole);
  if (!inside || inside.x !== region.x || inside.y !== region.y || inside.width !== region.width || inside.height !== region.height) {
    throw new FrameSourceError(
      'ERR_REGION_OUTSIDE_DISPLAY',
      `region ${region.width}x${region.height}+${region.x}+${region.y} is not inside display "${display.id}" (${display.width}x${display.height}); give a region within it.`,
    );
  }
  return { display, region };
}
