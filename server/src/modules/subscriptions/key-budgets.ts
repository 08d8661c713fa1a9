// What one API key may hold and receive through subscriptions on this instance, over
// WebSockets and SSE together:
// - MAX_SUBSCRIPTIONS_PER_KEY running subscriptions (beyond: TOO_MANY_SUBSCRIPTIONS), so
//   many sockets of few subscriptions each add up to hundreds, not tens of thousands;
// - SUBSCRIPTION_DELIVERIES_PER_SECOND events delivered (a token bucket holding one
//   second's worth), taken BEFORE an event is queued for a subscriber: an event past the
//   budget is never queued, executed or sent. Each subscriber counts what it lost and is
//   told at most once a second (a DELIVERIES_DROPPED error event, the subscription goes on).
// Open mode (no keys) has no key to count by: not limited, as for sockets.
import mercurius from 'mercurius';

export interface KeyBudgetSettings {
  maxSubscriptionsPerKey: number;
  /** 0: deliveries are not limited. */
  deliveriesPerSecond: number;
}

/** One key's share: its running subscriptions and its delivery bucket. */
export class KeyBudget {
  subscriptions = 0;
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = perSecond;
    this.refilledAt = now();
  }

  /** Takes up to `wanted` deliveries from the bucket; returns how many may go out. */
  take(wanted: number): number {
    if (this.perSecond === 0) return wanted;
    const now = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
    const granted = Math.min(wanted, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }
}

export class TooManyKeySubscriptionsError extends mercurius.ErrorWithProps {
  constructor(limit: number) {
    super(`This API key already holds ${limit} subscriptions (MAX_SUBSCRIPTIONS_PER_KEY)`, {
      code: 'TOO_MANY_SUBSCRIPTIONS',
    });
  }
}

/** What a subscriber was not sent: the event its client receives instead (one error). */
export class DroppedNotice {
  constructor(readonly dropped: number) {}

  toError(): mercurius.ErrorWithProps {
    return new mercurius.ErrorWithProps(
      `${this.dropped} events were dropped for this subscription: this API key is over its ` +
        'delivery budget (SUBSCRIPTION_DELIVERIES_PER_SECOND); subscribe with a sensorId or zoneId filter',
      { code: 'DELIVERIES_DROPPED', dropped: this.dropped },
    );
  }
}

export function createKeyBudgets(settings: KeyBudgetSettings, now: () => number = () => performance.now()) {
  const byKey = new Map<string, KeyBudget>();
  return {
    /** The key's budget with one more subscription counted; throws when the key holds its maximum. */
    acquire(keyId: string | null): KeyBudget | null {
      if (keyId === null) return null;
      let budget = byKey.get(keyId);
      if (!budget) byKey.set(keyId, (budget = new KeyBudget(settings.deliveriesPerSecond, now)));
      if (budget.subscriptions >= settings.maxSubscriptionsPerKey)
        throw new TooManyKeySubscriptionsError(settings.maxSubscriptionsPerKey);
      budget.subscriptions++;
      return budget;
    },
    /**
     * One subscription of the key ended. Its bucket is kept (keys are few, made by an
     * admin): unsubscribing and subscribing again must not refill it.
     */
    release(keyId: string | null): void {
      if (keyId === null) return;
      const budget = byKey.get(keyId);
      if (budget && budget.subscriptions > 0) budget.subscriptions--;
    },
  };
}

export type KeyBudgets = ReturnType<typeof createKeyBudgets>;
