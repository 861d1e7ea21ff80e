// A token bucket: `rate` tokens a second, holding at most `burst`. One per connection and one per
// end user bound how fast events are taken; over it, events answer E_RATE_LIMITED.
export class TokenBucket {
  #tokens: number;
  #at = performance.now();

  constructor(private readonly rate: number, private readonly burst: number) {
    this.#tokens = burst;
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
