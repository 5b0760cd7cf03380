// Per-connection message-rate limit: a token bucket, plus the rule that turns a client that keeps
// pushing past the limit into one that gets disconnected. The clock is injected so tests drive it.

export interface RateLimitOptions {
  /** Sustained rate, messages per second. */
  perSecond: number;
  /** Bucket size: how many messages may arrive at once after a quiet period. */
  burst: number;
  /** Rejected messages in one episode after which the client is disconnected. */
  abuseLimit: number;
  now: () => number;
}

/**
 * What to do with one inbound message:
 * - `accept`: process it;
 * - `reject-notify`: drop it and tell the client (the first rejection of an episode);
 * - `reject`: drop it silently (telling an abuser about every message would amplify the abuse);
 * - `disconnect`: the episode reached `abuseLimit` rejections.
 */
export type RateVerdict = 'accept' | 'reject-notify' | 'reject' | 'disconnect';

/** An episode ends once the client has gone this long without a rejected message. */
const EPISODE_GAP_MS = 1000;

export class RateLimiter {
  private tokens: number;
  private refilledAt: number;
  private episodeRejects = 0;
  private lastRejectAt = -Infinity;
  /** Rejected messages over the connection's life. */
  rejected = 0;

  constructor(private readonly options: RateLimitOptions) {
    if (!(options.perSecond > 0) || !(options.burst >= 1) || !(options.abuseLimit >= 1)) {
      throw new Error(
        `rate limit needs perSecond > 0, burst >= 1 and abuseLimit >= 1 (got ${options.perSecond}, ${options.burst}, ${options.abuseLimit})`,
      );
    }
    this.tokens = options.burst;
    this.refilledAt = options.now();
  }

  take(): RateVerdict {
    const now = this.options.now();
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'accept';
    }
    this.rejected += 1;
    if (now - this.lastRejectAt > EPISODE_GAP_MS) this.episodeRejects = 0;
    this.lastRejectAt = now;
    this.episodeRejects += 1;
    if (this.episodeRejects >= this.options.abuseLimit) return 'disconnect';
    return this.episodeRejects === 1 ? 'reject-notify' : 'reject';
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed * this.options.perSecond) / 1000);
    this.refilledAt = now;
  }
}
