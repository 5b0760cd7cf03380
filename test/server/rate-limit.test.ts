// The token bucket and the abuse rule, on a virtual clock.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateLimiter, type RateVerdict } from '../../src/server/rate-limit.js';

function limiter(perSecond: number, burst: number, abuseLimit: number) {
  const clock = { now: 0 };
  return { clock, limiter: new RateLimiter({ perSecond, burst, abuseLimit, now: () => clock.now }) };
}

function takeMany(l: RateLimiter, n: number): RateVerdict[] {
  return Array.from({ length: n }, () => l.take());
}

describe('RateLimiter', () => {
  test('a burst passes, then one notified rejection, then silent ones', () => {
    const { limiter: l } = limiter(10, 5, 100);
    assert.deepEqual(takeMany(l, 8), ['accept', 'accept', 'accept', 'accept', 'accept', 'reject-notify', 'reject', 'reject']);
    assert.equal(l.rejected, 3);
  });

  test('refills at the sustained rate, capped at the burst', () => {
    const { clock, limiter: l } = limiter(10, 5, 100);
    takeMany(l, 5);
    clock.now += 250; // 2.5 tokens
    assert.deepEqual(takeMany(l, 3), ['accept', 'accept', 'reject-notify']);
    clock.now += 60_000;
    assert.equal(takeMany(l, 6).filter((v) => v === 'accept').length, 5);
  });

  test('a client that exactly keeps the rate is never rejected', () => {
    const { clock, limiter: l } = limiter(20, 1, 1);
    for (let i = 0; i < 1000; i++) {
      assert.equal(l.take(), 'accept');
      clock.now += 50;
    }
  });

  test('sustained abuse at twice the rate leads to disconnect; a pause starts a fresh episode', () => {
    const { clock, limiter: l } = limiter(10, 10, 20);
    const verdicts: RateVerdict[] = [];
    for (let i = 0; i < 400 && verdicts.at(-1) !== 'disconnect'; i++) {
      verdicts.push(l.take());
      clock.now += 50; // 20 messages/s against a limit of 10
    }
    assert.equal(verdicts.at(-1), 'disconnect');
    assert.equal(verdicts.filter((v) => v === 'reject-notify').length, 1);

    const fresh = limiter(10, 10, 20);
    takeMany(fresh.limiter, 15); // 5 rejections
    fresh.clock.now += 1500; // backs off
    const after = takeMany(fresh.limiter, 12);
    assert.deepEqual(after.slice(9), ['accept', 'reject-notify', 'reject'], 'the client is told again in a new episode');
  });

  test('nonsense limits are refused with the values', () => {
    assert.throws(() => limiter(0, 1, 1), /perSecond > 0.*got 0/);
  });
});
