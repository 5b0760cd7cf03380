// Which monitors an X server shows, and where they sit in the virtual desktop (the root window).
// RandR 1.5 monitors first (they carry names and the primary flag, and include monitors defined
// with `xrandr --setmonitor`), else Xinerama heads, else the root window as one display.
//
// Order and ids: the primary monitor is "0", the others follow left to right (then top to bottom),
// so `--display 0` means "the main screen" and ids do not depend on the server's internal order.
//
// Scale factor: X11 has no per-monitor scale. We take, in order, SIGHTLINE_SCALE_FACTOR, then
// GDK_SCALE (what GTK apps obey), then Xft.dpi from the root window's RESOURCE_MANAGER divided by
// 96 (what Qt/GTK use for fonts), else 1. It converts pixels to logical points only; capture is
// always in physical pixels.
import type { DisplayInfo } from './frame.js';
import type { Rect } from './rect.js';
import { request, requireExtension, type X11Connection, type XClient } from './x11-connection.js';

interface RawMonitor {
  name?: string;
  x: number;
  y: number;
  width: number;
  height: number;
  primary: boolean;
}

/** RRGetMonitors (RandR 1.5, minor opcode 42): the `x11` package does not wrap it, so we encode it here. */
function getMonitors(client: XClient, majorOpcode: number, root: number): Promise<Array<RawMonitor & { nameAtom: number }>> {
  return new Promise((resolve, reject) => {
    client.seq_num++;
    const b = Buffer.alloc(12);
    b.writeUInt8(majorOpcode, 0);
    b.writeUInt8(42, 1);
    b.writeUInt16LE(3, 2);
    b.writeUInt32LE(root >>> 0, 4);
    b.writeUInt8(1, 8); // get_active: only monitors that are showing something
    client.replies[client.seq_num] = [
      // Reply body after the 8-byte header: timestamp, nMonitors, nOutputs, 12 pad, MONITORINFO[].
      (buf) => {
        const count = buf.readUInt32LE(4);
        const monitors: Array<RawMonitor & { nameAtom: number }> = [];
        let pos = 24;
        for (let i = 0; i < count; i++) {
          const outputs = buf.readUInt16LE(pos + 6);
          monitors.push({
            nameAtom: buf.readUInt32LE(pos),
            primary: buf.readUInt8(pos + 4) !== 0,
            x: buf.readInt16LE(pos + 8),
            y: buf.readInt16LE(pos + 10),
            width: buf.readUInt16LE(pos + 12),
            height: buf.readUInt16LE(pos + 14),
          });
          pos += 24 + outputs * 4;
        }
        return monitors;
      },
      (err, value) => (err ? reject(err) : resolve(value)),
    ];
    client.pack_stream.put(b);
    client.pack_stream.submit(true);
  });
}

async function randrMonitors(conn: X11Connection): Promise<RawMonitor[] | null> {
  let randr: { majorOpcode: number; major_version: number; minor_version: number };
  try {
    randr = await requireExtension(conn.client, 'randr');
  } catch {
    return null;
  }
  if (randr.major_version < 1 || (randr.major_version === 1 && randr.minor_version < 5)) return null;
  const monitors = await getMonitors(conn.client, randr.majorOpcode, conn.screen.root);
  return Promise.all(
    monitors.map(async ({ nameAtom, ...m }) => ({
      ...m,
      name: nameAtom ? await request<string>((cb) => conn.client.GetAtomName(nameAtom, cb)) : undefined,
    })),
  );
}

async function xineramaMonitors(conn: X11Connection): Promise<RawMonitor[] | null> {
  let xinerama: { IsActive(cb: (err: Error | null, on: number) => void): void; QueryScreens(cb: (err: Error | null, s: Rect[]) => void): void };
  try {
    xinerama = await requireExtension(conn.client, 'xinerama');
  } catch {
    return null;
  }
  if (!(await request<number>((cb) => xinerama.IsActive(cb)))) return null;
  const heads = await request<Rect[]>((cb) => xinerama.QueryScreens(cb));
  // Xinerama has no primary flag; by convention the first head is the main one.
  return heads.map((h, i) => ({ x: h.x, y: h.y, width: h.width, height: h.height, primary: i === 0 }));
}

function rootMonitor(conn: X11Connection): RawMonitor {
  return { name: 'screen', x: 0, y: 0, width: conn.screen.pixel_width, height: conn.screen.pixel_height, primary: true };
}

/** Reads Xft.dpi from the RESOURCE_MANAGER property of the root window (set by xrdb / desktop sessions). */
async function xftDpi(conn: X11Connection): Promise<number | null> {
  const atom = await request<number>((cb) => conn.client.InternAtom(true, 'RESOURCE_MANAGER', cb));
  if (!atom) return null;
  const prop = await request<{ type: number; data: Buffer | string }>((cb) => conn.client.GetProperty(0, conn.screen.root, atom, 0, 0, 100_000, cb));
  const text = typeof prop.data === 'string' ? prop.data : prop.data.toString('latin1');
  const match = /^Xft\.dpi:\s*([\d.]+)/m.exec(text);
  return match ? Number.parseFloat(match[1]!) : null;
}

function positiveNumber(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/** The device scale factor for this X session (see the header comment for the order of sources). */
export async function x11ScaleFactor(conn: X11Connection, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const fromEnv = positiveNumber(env.SIGHTLINE_SCALE_FACTOR) ?? positiveNumber(env.GDK_SCALE);
  if (fromEnv !== null) return fromEnv;
  const dpi = await xftDpi(conn);
  return dpi !== null && dpi > 0 ? Math.round((dpi / 96) * 100) / 100 : 1;
}

/** Primary first, then left to right, top to bottom; ids are positions in that order. */
function orderMonitors(monitors: RawMonitor[]): RawMonitor[] {
  return monitors.slice().sort((a, b) => Number(b.primary) - Number(a.primary) || a.x - b.x || a.y - b.y);
}

/** Every monitor of the connection's screen, as sightline displays. */
export async function enumerateX11Displays(conn: X11Connection, env: NodeJS.ProcessEnv = process.env): Promise<DisplayInfo[]> {
  const found = (await randrMonitors(conn)) ?? (await xineramaMonitors(conn));
  const monitors = orderMonitors(found && found.length > 0 ? found : [rootMonitor(conn)]);
  if (!monitors.some((m) => m.primary)) monitors[0]!.primary = true;
  const scaleFactor = await x11ScaleFactor(conn, env);
  return monitors.map((m, i) => ({
    id: String(i),
    ...(m.name ? { name: m.name } : {}),
    x: m.x,
    y: m.y,
    width: m.width,
    height: m.height,
    scaleFactor,
    primary: m.primary,
  }));
}
