import type { Clock } from '../../src/time/clock.js';

/** A clock that stays where a test sets it and moves only when the test advances it. */
export class SettableClock implements Clock {
  constructor(private current: Date) {}

  now(): Date {
    return new Date(this.current);
  }

  advance(milliseconds: number): void {
    this.current = new Date(this.current.getTime() + milliseconds);
  }
}
