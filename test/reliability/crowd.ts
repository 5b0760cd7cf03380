// The crowd of load.test.ts, in its own process so that reading 90 clients' events does not delay
// the measuring client's receipt in the test process. Usage:
//   node crowd.js URL TOKEN READERS NEVER_READING
// Prints "ready" once every client is connected and subscribed; exits when stdin closes.
import { connect as tcpConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';

const [url, token, readersArg, stalledArg] = process.argv.slice(2) as [string, string, string, string];

function openReader(): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  ws.on('error', () => {});
  let subscribed = false;
  return new Promise((resolve, reject) => {
    ws.on('message', (data) => {
      if (subscribed) return; // read every event off the socket, but spend no CPU on it: the crowd shares the cores
      const e = JSON.parse(String(data)) as { type: string };
      if (e.type === 'hello') {
        ws.send(JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame', 'elements', 'metrics'], thumbnails: true }));
      } else if (e.type === 'ack') {
        subscribed = true;
        resolve(ws);
      }
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`reader refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** A client spoken by hand that subscribes to frames with thumbnails, then never reads again. */
async function openNeverReading(): Promise<Socket> {
  const { port, pathname } = new URL(url);
  const socket = tcpConnect(Number(port), '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (c: Buffer) => {
      head += c.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (!/^HTTP\/1\.1 101 /.test(head)) reject(new Error(`never-reading client refused: ${head.split('\r\n')[0]}`));
      else resolve();
    };
    socket.on('data', onData);
    socket.write(
      [`GET ${pathname} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', `Authorization: Bearer ${token}`, '', ''].join('\r\n'),
    );
  });
  const payload = Buffer.from(JSON.stringify({ v: 1, type: 'subscribe', topics: ['frame', 'elements'], thumbnails: true }));
  socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]));
  socket.pause();
  return socket;
}

const readers = await Promise.all(Array.from({ length: Number(readersArg) }, () => openReader()));
const stalled = await Promise.all(Array.from({ length: Number(stalledArg) }, () => openNeverReading()));
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => {
  for (const ws of readers) ws.terminate();
  for (const s of stalled) s.destroy();
  process.exit(0);
});
