import { Logger } from '@nestjs/common';
import type { FinalizeRequestMiddleware, Pluggable } from '@smithy/types';
import {
  BrokenCircuitError,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { CircuitOpenError, isAwsOutage } from './aws.errors';

export type AwsCircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, AwsCircuitState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * One cockatiel circuit breaker per service (a failover target has its own): consecutive outages open it, an open
 * circuit fails fast without touching the network, and after `halfOpenAfterMs` one trial call decides.
 */
export class AwsCircuitBreakers {
  private readonly logger = new Logger('AwsCircuitBreakers');
  private readonly breakers = new Map<string, { policy: CircuitBreakerPolicy; openedAt?: number }>();

  constructor(private readonly options: { failureThreshold: number; halfOpenAfterMs: number }) {}

  /** The breaker of `key` (a service, or `<service>:failover`), created closed on first use. */
  breaker(key: string): CircuitBreakerPolicy {
    return this.entry(key).policy;
  }

  /** State of every breaker used so far, for readiness details. */
  states(): Record<string, AwsCircuitState> {
    return Object.fromEntries([...this.breakers].map(([key, { policy }]) => [key, STATE_NAMES[policy.state]]));
  }

  /** Runs one attempt through the breaker of `key`; an open circuit throws CircuitOpenError at once. */
  async execute<T>(key: string, attempt: () => Promise<T>): Promise<T> {
    const entry = this.entry(key);
    try {
      return await entry.policy.execute(attempt);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new CircuitOpenError(key, this.retryAfterSeconds(entry.openedAt));
      throw error;
    }
  }

  /** SDK middleware placing every attempt (after signing, inside the retry loop) behind the breaker of `key`, created now. */
  plugin<Input extends object, Output extends object>(key: string): Pluggable<Input, Output> {
    this.entry(key);
    const middleware: FinalizeRequestMiddleware<Input, Output> = (next) => (args) =>
      this.execute(key, () => next(args));
    return {
      applyToStack: (stack) =>
        stack.addRelativeTo(middleware, {
          name: 'naviusCircuitBreaker',
          relation: 'after',
          toMiddleware: 'httpSigningMiddleware',
          override: true,
        }),
    };
  }

  private entry(key: string): { policy: CircuitBreakerPolicy; openedAt?: number } {
    let entry = this.breakers.get(key);
    if (entry) return entry;
    const policy = circuitBreaker(handleWhen(isAwsOutage), {
      halfOpenAfter: this.options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.options.failureThreshold),
    });
    const created: { policy: CircuitBreakerPolicy; openedAt?: number } = { policy };
    policy.onStateChange((state) => {
      if (state === CircuitState.Open) created.openedAt = Date.now();
      const log = state === CircuitState.Open ? 'warn' : 'log';
      this.logger[log](`${key} circuit ${STATE_NAMES[state]}`);
    });
    entry = created;
    this.breakers.set(key, entry);
    return entry;
  }

  private retryAfterSeconds(openedAt: number | undefined): number {
    const remainingMs = (openedAt ?? Date.now()) + this.options.halfOpenAfterMs - Date.now();
    return Math.max(1, Math.ceil(remainingMs / 1000));
  }
}
