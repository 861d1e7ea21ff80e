// A token bucket: `rate` tokens a second, holding at most `burst`. One per connection and one per
// end user bound how fast events are taken; over it, events answer E_RATE_LIMITED. REST keeps one
// per client (RateLimiter) and answers 429 with Retry-After.
export class TokenBucket {
  #tokens: number;
  #at = performance.now();

  constructor(private readonly rate: number, private readonly burst: number) {
    this.#tokens = burst;
  }

  #refill(): number {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    return this.#tokens;
  }

  /** Takes a token if there is one. */
  take(): boolean {
    if (this.#refill() < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Seconds until the next token (0 when there is one). */
  wait(): number {
    return Math.max(0, (1 - this.#refill()) / this.rate);
  }

  /** Refilled to the brim: forgetting it would change nothing. */
  full(): boolean {
    return this.#refill() >= this.burst;
  }
}

/** A token bucket per key (an end user, an IP address); buckets that have refilled are forgotten. */
export class RateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();
  #swept = performance.now();

  constructor(readonly rate: number, readonly burst: number) {}

  /** Takes a token of `key`'s bucket: 0 when there was one, else the seconds until there is. */
  take(key: string): number {
    const now = performance.now();
    // at most once per refill time, so the map holds only keys seen lately
    if (now - this.#swept > (this.burst / this.rate) * 1000) {
      this.#swept = now;
      for (const [k, b] of this.#buckets) if (b.full()) this.#buckets.delete(k);
    }
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = new TokenBucket(this.rate, this.burst)));
    return bucket.take() ? 0 : bucket.wait();
  }
}
